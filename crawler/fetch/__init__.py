"""Fetching: one polite, safe HTTP client (robots.txt, politeness, conditional GET, retries, URL safety)."""
