"""Content-aware compressors, one module per kind; `router` picks one per block."""
