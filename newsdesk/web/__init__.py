"""The web UI and JSON API (FastAPI), a thin layer over the library."""
