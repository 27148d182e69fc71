"""Discovery: candidate article URLs from feeds, list pages, JSON list APIs, open-data exports and sitemaps."""
