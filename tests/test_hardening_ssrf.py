"""Issue 11, items 1 and 2: every IANA special-purpose range is refused whatever Python says, directly and after
a redirect, and `allow_hosts` opens a host's default ports only. A real listener must see no request."""

from __future__ import annotations

import ipaddress
import socket
import threading
from collections.abc import Iterable, Iterator
from typing import Any

import httpcore
import pytest

import crawler.fetch.urlsafety as urlsafety
from crawler.fetch.addresses import FORBIDDEN_IPV4, FORBIDDEN_IPV6, forbidden_reason
from crawler.fetch.client import Fetcher, FetchPolicy, UnsafeURL

POLICY = FetchPolicy(per_host_delay=0.0, respect_robots=False, retries=0)
PUBLIC = "93.184.216.34"


class Listener:
    """A loopback HTTP server that counts requests; `reply` is what it answers."""

    def __init__(self, reply: bytes = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok") -> None:
        self.reply = reply
        self.requests = 0
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with conn:
                if conn.recv(65536):
                    self.requests += 1
                    conn.sendall(self.reply)

    def close(self) -> None:
        self.sock.close()


def sample_addresses() -> Iterator[str]:
    """One address inside every forbidden network, plus the embedding forms of a forbidden IPv4 address."""
    for text, _ in (*FORBIDDEN_IPV4, *FORBIDDEN_IPV6):
        network = ipaddress.ip_network(text)
        yield str(network[1] if network.num_addresses > 2 else network[0])
    yield "192.0.0.192"  # a cloud metadata address inside 192.0.0.0/24
    yield "::ffff:192.0.0.192"  # IPv4-mapped
    yield "2002:c000:c0::1"  # 6to4 of 192.0.0.192
    yield "64:ff9b::8.8.8.8"  # NAT64 reaches IPv4 through a translator: refused whatever it embeds
    yield "2001:0:4136:e378:8000:63bf:3fff:fdd2"  # Teredo
    yield "1::1"  # outside 2000::/3: not allocated for unicast


ADDRESSES = list(dict.fromkeys(sample_addresses()))


@pytest.fixture
def victim() -> Iterator[Listener]:
    listener = Listener()
    yield listener
    listener.close()


@pytest.fixture
def redirector() -> Iterator[Listener]:
    listener = Listener(b"HTTP/1.1 302 Found\r\nLocation: http://target.test/\r\nContent-Length: 0\r\n"
                        b"Connection: close\r\n\r\n")
    yield listener
    listener.close()


@pytest.fixture
def route_all_to(monkeypatch: pytest.MonkeyPatch, victim: Listener, redirector: Listener) -> None:
    """Every connection the fetcher approves lands on a local listener: the public address on the redirector,
    every other address on the victim. So a forbidden address that passes the check is a request the victim sees."""

    class Routed(httpcore.AnyIOBackend):
        async def connect_tcp(
            self, host: str, port: int, timeout: float | None = None, local_address: str | None = None,
            socket_options: Iterable[Any] | None = None,
        ) -> httpcore.AsyncNetworkStream:
            target = redirector.port if host == PUBLIC else victim.port
            return await super().connect_tcp("127.0.0.1", target, timeout, local_address, socket_options)

    monkeypatch.setattr(urlsafety.httpcore, "AnyIOBackend", Routed)


def resolver_to(address: str) -> urlsafety.Resolver:
    async def resolve(host: str, port: int) -> list[str]:
        return [PUBLIC] if host == "public.test" else [address]

    return resolve


@pytest.mark.parametrize("address", ADDRESSES)
def test_every_special_purpose_address_is_forbidden(address: str) -> None:
    assert forbidden_reason(ipaddress.ip_address(address)) is not None


@pytest.mark.parametrize("address", ADDRESSES)
@pytest.mark.usefixtures("route_all_to")
async def test_no_request_reaches_a_special_purpose_address(address: str, victim: Listener) -> None:
    async with Fetcher(POLICY, resolver=resolver_to(address)) as fetcher:
        with pytest.raises(UnsafeURL, match="private, local or reserved"):
            await fetcher.fetch("http://target.test/")
        host = f"[{address}]" if ":" in address else address
        with pytest.raises(UnsafeURL):
            await fetcher.fetch(f"http://{host}/")
    assert victim.requests == 0


@pytest.mark.parametrize("address", ["192.0.0.192", "192.88.99.1", "100.64.0.1", "198.18.0.1", "::ffff:127.0.0.1"])
@pytest.mark.usefixtures("route_all_to")
async def test_no_request_reaches_a_special_purpose_address_after_a_redirect(
    address: str, victim: Listener, redirector: Listener
) -> None:
    async with Fetcher(POLICY, resolver=resolver_to(address)) as fetcher:
        with pytest.raises(UnsafeURL, match=r"redirected to http://target\.test/"):
            await fetcher.fetch("http://public.test/")
    assert (redirector.requests, victim.requests) == (1, 0)


@pytest.mark.usefixtures("route_all_to")
async def test_a_public_address_is_fetched(victim: Listener, redirector: Listener) -> None:
    async with Fetcher(POLICY, resolver=resolver_to("8.8.8.8")) as fetcher:
        assert (await fetcher.fetch("http://public.test/")).status == 200
    assert (redirector.requests, victim.requests) == (1, 1)


# ---- item 2: allow_hosts opens the default ports only -----------------------------------------------------


async def test_an_allowed_host_does_not_open_its_other_ports(victim: Listener) -> None:
    async with Fetcher(POLICY, resolver=resolver_to("127.0.0.1")) as fetcher:
        with pytest.raises(UnsafeURL, match="host:port"):
            await fetcher.fetch(f"http://127.0.0.1:{victim.port}/containers/json",
                                allowed_hosts=frozenset({"127.0.0.1"}))
        assert victim.requests == 0
        fetched = await fetcher.fetch(f"http://127.0.0.1:{victim.port}/", allowed_hosts=frozenset({
            f"127.0.0.1:{victim.port}"}))
    assert (fetched.status, victim.requests) == (200, 1)


async def test_a_redirect_from_an_allowed_port_to_another_port_is_refused() -> None:
    victim = Listener()
    hop = Listener(f"HTTP/1.1 302 Found\r\nLocation: http://127.0.0.1:{victim.port}/\r\nContent-Length: 0\r\n"
                   "Connection: close\r\n\r\n".encode())
    try:
        async with Fetcher(POLICY) as fetcher:
            with pytest.raises(UnsafeURL, match=f"redirected to http://127.0.0.1:{victim.port}/"):
                await fetcher.fetch(f"http://127.0.0.1:{hop.port}/", allowed_hosts=frozenset({f"127.0.0.1:{hop.port}"}))
        assert (hop.requests, victim.requests) == (1, 0)
    finally:
        victim.close()
        hop.close()


@pytest.mark.parametrize(
    ("entry", "normalised"),
    [("127.0.0.1", "127.0.0.1"), ("127.0.0.1:8000", "127.0.0.1:8000"), ("http://127.0.0.1:8000/", "127.0.0.1:8000"),
     ("https://Example.org:443", "example.org"), ("[::1]:8080", "[::1]:8080")],
)
def test_allow_hosts_entries_are_normalised(entry: str, normalised: str) -> None:
    assert urlsafety.allowed_host_entry(entry) == normalised


@pytest.mark.parametrize("entry", ["127.0.0.1:99999", "http://127.0.0.1/admin", "user@host", "a b", "ftp://x"])
def test_bad_allow_hosts_entries_are_refused(entry: str) -> None:
    with pytest.raises(ValueError):
        urlsafety.allowed_host_entry(entry)
