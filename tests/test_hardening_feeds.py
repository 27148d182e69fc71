"""Issue 11, item 8: a valid, empty RSS or Atom feed is zero items, not an error; what is not a feed still is."""

from __future__ import annotations

import pytest

from crawler.discover.listings import parse_listing
from crawler.errors import DiscoveryError

EMPTY_FEEDS = {
    "rss20": b'<?xml version="1.0"?><rss version="2.0"><channel><title>Blog</title><link>https://b.example/</link>'
             b"<description>new</description></channel></rss>",
    "rss20-bare": b'<rss version="2.0"><channel></channel></rss>',
    "rss091": b'<rss version="0.91"><channel><title>Old</title></channel></rss>',
    "rss10": b'<?xml version="1.0"?><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
             b'xmlns="http://purl.org/rss/1.0/"><channel rdf:about="https://b.example/"><title>RDF</title>'
             b"</channel></rdf:RDF>",
    "atom10": b'<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom"><title>Atom</title>'
              b"<id>urn:x</id><updated>2025-10-09T00:00:00Z</updated></feed>",
    "atom03": b'<feed version="0.3" xmlns="http://purl.org/atom/ns#"><title>Old atom</title></feed>',
    "latin1-declared": b'<?xml version="1.0" encoding="iso-8859-1"?><rss version="2.0"><channel><title>caf\xe9'
                       b"</title></channel></rss>",
}


@pytest.mark.parametrize("name", sorted(EMPTY_FEEDS))
def test_an_empty_feed_is_zero_items(name: str) -> None:
    assert parse_listing(EMPTY_FEEDS[name], url="https://b.example/feed", kind="rss") == []


@pytest.mark.parametrize("content", [b"<html><body><p>Not found</p></body></html>", b"garbage",
                                     b'<rss version="2.0"><channel><title>broken</channel>'])
def test_what_is_not_a_feed_is_still_an_error(content: bytes) -> None:
    with pytest.raises(DiscoveryError, match="not an RSS or Atom feed"):
        parse_listing(content, url="https://b.example/feed", kind="rss")
