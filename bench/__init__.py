"""Benchmarks for newsdesk (run as scripts, e.g. `python bench/extraction.py`)."""
