"""`allow_hosts` entries: how the config writes a host (and port) a source may fetch from beyond the usual rules.

Plain string work, without the HTTP client: the config validates its entries with it (`tidings sources list`
loads no httpx); `crawler.fetch.urlsafety` applies them.
"""

from __future__ import annotations

import re
import urllib.parse

ALLOWED_SCHEMES = frozenset({"http", "https"})
DEFAULT_PORTS = frozenset({80, 443})

HOST_PORT = re.compile(r"^(\[[0-9a-fA-F:.]+\]|[^:\[\]/@\s]+)(?::(\d{1,5}))?$")


def allowed_host_entry(text: str) -> str:
    """One `allow_hosts` entry normalised: `host` (ports 80 and 443 only) or `host:port`, or ValueError.

    An origin such as `http://127.0.0.1:8000` names its host and port.

    >>> allowed_host_entry("http://127.0.0.1:8000/")
    '127.0.0.1:8000'
    >>> allowed_host_entry("Example.ORG")
    'example.org'
    >>> allowed_host_entry("https://example.org")
    'example.org'
    """
    value = text.strip()
    if "://" in value:
        parsed = urllib.parse.urlsplit(value)
        if parsed.scheme not in ALLOWED_SCHEMES or parsed.path not in ("", "/") or parsed.query or "@" in value:
            raise ValueError("an origin must be http(s)://host[:port] with no path, login or query")
        value = parsed.netloc
    match = HOST_PORT.match(value)
    if not match:
        raise ValueError("write a host name or address, optionally with its port: example.org or 127.0.0.1:8000")
    host, port = match.group(1).lower(), match.group(2)
    if port is None or int(port) in DEFAULT_PORTS:
        return host.strip("[]")
    if not 0 < int(port) <= 65535:
        raise ValueError(f"port {port} is out of range 1-65535")
    return f"{host}:{int(port)}"


def allowed_host_name(entry: str) -> str:
    """The host of a normalised `allow_hosts` entry.

    >>> allowed_host_name("127.0.0.1:8000"), allowed_host_name("[::1]:81"), allowed_host_name("example.org")
    ('127.0.0.1', '::1', 'example.org')
    """
    match = HOST_PORT.match(entry)
    return (match.group(1) if match else entry).strip("[]")
