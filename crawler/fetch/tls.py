"""One TLS context per process: building one (loading the CA bundle) costs ~20 ms of CPU, and every `Fetcher`
used to build two.

>>> ssl_context(False) is ssl_context(False)
True
"""

from __future__ import annotations

import ssl
from functools import cache

import httpx


@cache
def ssl_context(http2: bool) -> ssl.SSLContext:
    """The shared context for this ALPN setting (httpcore sets the ALPN protocols on the context it is given)."""
    return httpx.create_ssl_context()
