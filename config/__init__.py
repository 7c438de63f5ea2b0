"""Keel's deployment settings, read once and passed down: the one module every layer may import."""
