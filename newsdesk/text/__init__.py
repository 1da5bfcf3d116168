"""Language-aware text handling: normalisation, language id (segmentation later)."""
