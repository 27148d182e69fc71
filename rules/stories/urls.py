"""URLs for linking: a light canonical form, and the key under which a site's language versions of one page meet
(the same path and id with the language marker taken out: ``/en/press/3727.html`` = ``/press/3727.html``,
``nsppid/news.php?post=1`` = ``nspp/news.php?post=1``, ``english.site.tw`` = ``site.tw``).

>>> parallel_key("https://moda.gov.tw/en/press/press-releases/3727.html")
'moda.gov.tw/press/press-releases/3727.html'
>>> parallel_key("https://moda.gov.tw/press/press-releases/3727.html")
'moda.gov.tw/press/press-releases/3727.html'
>>> parallel_key("https://example.org/about") is None
True
"""

from __future__ import annotations

import functools
from urllib.parse import parse_qsl, urlsplit

import regex

_LANGUAGE = r"en|eng|english|zh|zh-tw|zh-hant|zh-cn|tw|ch|cht|chs|id|ind|indonesia|indonesian|es|th|vi|ja|jp|ko"
_LANGUAGE_SEGMENT = regex.compile(rf"^(?:{_LANGUAGE})$", regex.IGNORECASE)
_LANGUAGE_SUFFIX = regex.compile(r"^([a-z]{3,})(?:en|id|th|vi|zh|es)$", regex.IGNORECASE)
_LANGUAGE_HOST = regex.compile(rf"^(?:{_LANGUAGE}|www)\.", regex.IGNORECASE)
_ID = regex.compile(r"\d{3,}")
_IGNORED_PARAMS = frozenset({"unit", "unitname", "postname", "ca", "page", "lang", "language", "p", "utm_source"})


@functools.lru_cache(maxsize=65536)
def canonical(url: str) -> str:
    """Lower-case scheme-less host and path, no fragment, no trailing slash."""
    parts = urlsplit(url.strip())
    query = f"?{parts.query}" if parts.query else ""
    return f"{parts.netloc.lower().removeprefix('www.')}{parts.path.rstrip('/')}{query}"


@functools.lru_cache(maxsize=65536)
def parallel_key(url: str) -> str | None:
    """The page's key across the site's languages, or None when the URL carries no numeric id to pair on."""
    parts = urlsplit(url.strip())
    host = _LANGUAGE_HOST.sub("", parts.netloc.lower())
    segments = [_strip_language(segment) for segment in parts.path.split("/") if segment]
    segments = [segment for segment in segments if segment]
    params = sorted((k.lower(), v) for k, v in parse_qsl(parts.query) if k.lower() not in _IGNORED_PARAMS)
    key = host + "/" + "/".join(segments) + ("?" + "&".join(f"{k}={v}" for k, v in params) if params else "")
    return key if _ID.search(key.partition("/")[2]) else None


def _strip_language(segment: str) -> str:
    if _LANGUAGE_SEGMENT.match(segment):
        return ""
    suffixed = _LANGUAGE_SUFFIX.match(segment)
    return suffixed[1] if suffixed else segment
