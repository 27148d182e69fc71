"""URL safety: refuse URLs that could make the crawler attack its own network (SSRF).

Two layers. `check_url_syntax` is pure: scheme http/https only, no backslash, no credentials, a host.
`vet_addresses` resolves a host and refuses every address of the IANA special-purpose registries
(addresses.py), unless the host is exempt: allowed by name on its default ports, or as `host:port`.

>>> check_url_syntax("https://example.com/news")
>>> is_forbidden_address(ipaddress.ip_address("169.254.169.254"))
True
"""

from __future__ import annotations

import asyncio
import functools
import ipaddress
import re
import socket
import urllib.parse
from collections.abc import Awaitable, Callable, Iterable

import httpcore
import httpx

from crawler.errors import FetchError
from crawler.fetch.addresses import forbidden_reason
from crawler.fetch.addresses import is_forbidden_address as is_forbidden_address
from crawler.fetch.hostnames import ALLOWED_SCHEMES as ALLOWED_SCHEMES
from crawler.fetch.hostnames import DEFAULT_PORTS as DEFAULT_PORTS
from crawler.fetch.hostnames import allowed_host_entry as allowed_host_entry
from crawler.fetch.hostnames import allowed_host_name as allowed_host_name

Resolver = Callable[[str, int], Awaitable[list[str]]]
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

HOW_TO_ALLOW = (
    "if this address is meant to be crawled, set `allow_private_networks = true` in [settings] "
    "or add the host to the source's `allow_hosts` (as `host:port` for a port other than 80 or 443)"
)
class UnsafeURL(FetchError):
    """The URL (or a redirect hop) is refused for safety: bad scheme, credentials, backslash or address."""


_WHITESPACE_OR_CONTROL = re.compile("[\x00-\x20\x7f]")  # below U+0021, and DEL


def check_url_syntax(url: str) -> None:
    """Raise UnsafeURL unless `url` is an http(s) URL with a host, no credentials and no backslash.

    >>> check_url_syntax("file:///etc/passwd")
    Traceback (most recent call last):
    crawler.fetch.urlsafety.UnsafeURL: file:///etc/passwd: only http and https URLs can be fetched, not 'file'
    """
    if "\\" in url:
        raise UnsafeURL(url, "a backslash in a URL is parsed differently by different tools; remove it")
    if _WHITESPACE_OR_CONTROL.search(url):
        raise UnsafeURL(url, "the URL contains whitespace or control characters; percent-encode them")
    parsed = parse_url(url)
    if parsed.scheme not in ALLOWED_SCHEMES:
        raise UnsafeURL(url, f"only http and https URLs can be fetched, not {parsed.scheme!r}")
    if parsed.userinfo or "@" in urllib.parse.urlsplit(url).netloc:
        raise UnsafeURL(url, "credentials in URLs are refused; remove the `user:password@` part")
    if not parsed.host:
        raise UnsafeURL(url, "the URL has no host; write it as https://host/path")


@functools.lru_cache(maxsize=1024)
def parse_url(url: str) -> httpx.URL:
    """Parse `url` with httpx's parser (the one that will send it), as UnsafeURL when it cannot.

    One fetch reads its URL several times (syntax, address, robots.txt, host spacing): the parsed value is kept
    for the last 1,024 URLs (an `httpx.URL` is immutable; a failure is never kept).

    >>> parse_url("HTTP://Example.COM/a").host
    'example.com'
    """
    try:
        return httpx.URL(url)
    except (httpx.InvalidURL, TypeError, ValueError) as exc:
        raise UnsafeURL(url, f"the URL cannot be parsed ({exc}); check it for typos") from exc


def literal_address(host: str) -> IPAddress | None:
    """The IP address `host` spells, including legacy IPv4 forms such as `0x7f.1` or `2130706433`.

    >>> literal_address("0x7f.1")
    IPv4Address('127.0.0.1')
    >>> literal_address("example.com") is None
    True
    """
    bare = host.strip("[]")
    try:
        return ipaddress.ip_address(bare)
    except ValueError:
        pass
    try:
        return ipaddress.IPv4Address(socket.inet_aton(bare))
    except OSError:
        return None


async def system_resolver(host: str, port: int) -> list[str]:
    """Resolve `host` with the OS resolver to a list of IP address strings.

    >>> asyncio.run(system_resolver("127.0.0.1", 80))
    ['127.0.0.1']
    """
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


async def vet_addresses(url: str, resolver: Resolver, *, exempt: bool) -> list[str]:
    """Resolve the URL's host and return its addresses, refusing any forbidden one unless `exempt`.

    >>> asyncio.run(vet_addresses("http://127.0.0.1/", system_resolver, exempt=True))
    ['127.0.0.1']
    """
    parsed = parse_url(url)
    port = parsed.port or (443 if parsed.scheme == "https" else 80)
    return await vet_host(url, parsed.host, port, resolver, exempt=exempt)


async def vet_host(url: str, host: str, port: int, resolver: Resolver, *, exempt: bool) -> list[str]:
    """The addresses of `host`, refusing any forbidden one unless `exempt`. `url` is for messages.

    All addresses must be public: a host that resolves to one public and one private address is refused,
    since the connection could go to either.

    >>> asyncio.run(vet_host("http://[::1]/", "::1", 80, system_resolver, exempt=True))
    ['::1']
    """
    literal = literal_address(host)
    if literal is not None:
        addresses = [str(literal)]
    elif exempt:
        return [host]  # no address check, so connect by name as usual
    else:
        addresses = await _resolve(url, host, port, resolver)
    if not exempt:
        for text in addresses:
            _refuse_if_forbidden(url, host, text)
    return addresses


async def _resolve(url: str, host: str, port: int, resolver: Resolver) -> list[str]:
    try:
        addresses = await resolver(host, port)
    except OSError as exc:
        raise ResolveFailed(url, f"cannot resolve host {host!r} ({exc}); check the host name") from exc
    if not addresses:
        raise ResolveFailed(url, f"host {host!r} resolves to no address; check the host name")
    return addresses


def _refuse_if_forbidden(url: str, host: str, text: str) -> None:
    address = ipaddress.ip_address(text.split("%", 1)[0])
    reason = forbidden_reason(address)
    if reason is not None:
        where = f"{host!r} resolves to {address}" if host.strip("[]") != text else f"{address}"
        raise UnsafeURL(url, f"{where}, a private, local or reserved address ({reason}); {HOW_TO_ALLOW}")


def is_exempt_host(host: str, port: int, allowed: frozenset[str]) -> bool:
    """True when `allowed` names `host` (on the default ports 80 and 443 only) or `host:port` exactly.

    >>> is_exempt_host("127.0.0.1", 80, frozenset({"127.0.0.1"}))
    True
    >>> is_exempt_host("127.0.0.1", 6379, frozenset({"127.0.0.1"}))
    False
    >>> is_exempt_host("127.0.0.1", 8000, frozenset({"127.0.0.1:8000"}))
    True
    """
    bare = host.strip("[]").lower()
    if port in DEFAULT_PORTS and bare in allowed:
        return True
    return f"{bare}:{port}" in allowed or f"[{bare}]:{port}" in allowed


class ResolveFailed(FetchError):
    """The host name could not be resolved. Base class only; fetch.py re-raises it as ConnectFailed."""


HostVetter = Callable[[str, int], Awaitable[list[str]]]


class VettedNetworkBackend(httpcore.AsyncNetworkBackend):
    """Connects only to addresses `vet` approved, resolved at connect time (defeats DNS rebinding).

    httpcore still uses the host name for TLS (SNI and certificate checks), so pinning the IP is safe.
    """

    def __init__(self, vet: HostVetter) -> None:
        self._vet = vet
        self._inner = httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        """Vet `host`, then connect to its first reachable vetted address."""
        last_error: httpcore.ConnectError | None = None
        for address in await self._vet(host, port):
            try:
                return await self._inner.connect_tcp(address, port, timeout, local_address, socket_options)
            except httpcore.ConnectError as exc:
                last_error = exc
        raise last_error or httpcore.ConnectError(f"no address to connect to for {host}")

    async def sleep(self, seconds: float) -> None:
        """Sleep, as the inner backend does."""
        await self._inner.sleep(seconds)
