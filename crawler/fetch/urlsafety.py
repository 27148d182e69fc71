"""URL safety: refuse URLs that could make the crawler attack its own network (SSRF).

Two layers. `check_url_syntax` is pure: scheme http/https only, no backslash, no credentials, a host.
`vet_addresses` resolves a host and refuses private, loopback, link-local, CGNAT, multicast, reserved,
unspecified and IPv4-embedding IPv6 addresses, unless the host is exempt.

>>> check_url_syntax("https://example.com/news")
>>> is_forbidden_address(ipaddress.ip_address("169.254.169.254"))
True
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import urllib.parse
from collections.abc import Awaitable, Callable, Iterable

import httpcore
import httpx

from crawler.errors import FetchError

Resolver = Callable[[str, int], Awaitable[list[str]]]
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

ALLOWED_SCHEMES = frozenset({"http", "https"})
HOW_TO_ALLOW = (
    "if this address is meant to be crawled, set `allow_private_networks = true` in [settings] "
    "or add the host to the source's `allow_hosts`"
)
_IPV4_EMBEDDING_NETWORKS = tuple(
    ipaddress.ip_network(net)
    for net in (
        "::ffff:0:0/96",  # IPv4-mapped
        "::ffff:0:0:0/96",  # IPv4-translated
        "::/96",  # IPv4-compatible (deprecated)
        "64:ff9b::/96",  # NAT64
        "64:ff9b:1::/48",  # local NAT64
        "2002::/16",  # 6to4
        "2001::/32",  # Teredo
    )
)


class UnsafeURL(FetchError):
    """The URL (or a redirect hop) is refused for safety: bad scheme, credentials, backslash or address."""


def check_url_syntax(url: str) -> None:
    """Raise UnsafeURL unless `url` is an http(s) URL with a host, no credentials and no backslash.

    >>> check_url_syntax("file:///etc/passwd")
    Traceback (most recent call last):
    crawler.fetch.urlsafety.UnsafeURL: file:///etc/passwd: only http and https URLs can be fetched, not 'file'
    """
    if "\\" in url:
        raise UnsafeURL(url, "a backslash in a URL is parsed differently by different tools; remove it")
    if any(ord(char) < 0x21 or ord(char) == 0x7F for char in url):
        raise UnsafeURL(url, "the URL contains whitespace or control characters; percent-encode them")
    parsed = parse_url(url)
    if parsed.scheme not in ALLOWED_SCHEMES:
        raise UnsafeURL(url, f"only http and https URLs can be fetched, not {parsed.scheme!r}")
    if parsed.userinfo or "@" in urllib.parse.urlsplit(url).netloc:
        raise UnsafeURL(url, "credentials in URLs are refused; remove the `user:password@` part")
    if not parsed.host:
        raise UnsafeURL(url, "the URL has no host; write it as https://host/path")


def parse_url(url: str) -> httpx.URL:
    """Parse `url` with httpx's parser (the one that will send it), as UnsafeURL when it cannot.

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


def is_forbidden_address(address: IPAddress) -> bool:
    """True when `address` is not a plain public unicast address.

    >>> is_forbidden_address(ipaddress.ip_address("::ffff:8.8.8.8"))
    True
    >>> is_forbidden_address(ipaddress.ip_address("93.184.216.34"))
    False
    """
    if isinstance(address, ipaddress.IPv6Address) and _embeds_ipv4(address):
        return True
    return (
        not address.is_global
        or address.is_multicast
        or address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_reserved
        or address.is_unspecified
    )


def _embeds_ipv4(address: ipaddress.IPv6Address) -> bool:
    return any(address in network for network in _IPV4_EMBEDDING_NETWORKS)


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
    if is_forbidden_address(address):
        where = f"{host!r} resolves to {address}" if host.strip("[]") != text else f"{address}"
        raise UnsafeURL(url, f"{where}, a private, local or reserved address; {HOW_TO_ALLOW}")


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
