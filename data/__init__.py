"""Demo data: a deterministic generator of a realistic sales floor and the exports it writes."""
