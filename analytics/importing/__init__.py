"""Importing real exports: read any CSV/XLSX/HTML file, recognise what it is, map it to the canonical tables."""
