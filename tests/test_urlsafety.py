"""SSRF vectors are refused by default, without touching the network."""

from __future__ import annotations

import ipaddress
import re

import httpx
import pytest

from crawler.fetch.client import ConnectFailed, Fetcher, FetchPolicy, UnsafeURL
from crawler.fetch.urlsafety import is_forbidden_address, literal_address

SAFE_DEFAULTS = FetchPolicy(per_host_delay=0.0, respect_robots=False, retries=0)


def refuse_network(request: httpx.Request) -> httpx.Response:
    raise AssertionError(f"the fetcher sent a request to {request.url} that it should have refused")


async def fake_resolver(host: str, port: int) -> list[str]:
    table = {
        "public.example": ["93.184.216.34"],
        "sneaky.example": ["127.0.0.1"],
        "split.example": ["93.184.216.34", "10.1.2.3"],
    }
    if host not in table:
        raise OSError(f"unknown host {host}")
    return table[host]


def safe_fetcher(handler: httpx.MockTransport | None = None, policy: FetchPolicy = SAFE_DEFAULTS) -> Fetcher:
    return Fetcher(policy, transport=handler or httpx.MockTransport(refuse_network), resolver=fake_resolver)


ADDRESS_VECTORS = [
    "http://127.0.0.1/",
    "http://10.0.0.1/",
    "http://172.16.0.1/",
    "http://192.168.1.1/",
    "http://169.254.169.254/latest/meta-data/",
    "http://[::1]/",
    "http://[fc00::1]/",
    "http://[fe80::1]/",
    "http://100.64.0.1/",
    "http://[::ffff:127.0.0.1]/",
    "http://0.0.0.0/",
    "http://224.0.0.1/",
    "http://240.0.0.1/",
    "http://0x7f.1/",
    "http://2130706433/",
    "http://[64:ff9b::7f00:1]/",
    "http://sneaky.example/",
    "http://split.example/",
]


@pytest.mark.parametrize("url", ADDRESS_VECTORS)
async def test_private_addresses_are_refused(url: str) -> None:
    async with safe_fetcher() as fetcher:
        with pytest.raises(UnsafeURL, match="allow_private_networks = true") as caught:
            await fetcher.fetch(url)
    assert caught.value.url == url and "allow_hosts" in str(caught.value)


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://169.254.169.254:80\\@example.com/", "backslash"),
        ("file:/etc/passwd", "only http and https"),
        ("FILE:///etc/passwd", "only http and https"),
        ("gopher://127.0.0.1:6379/_INFO", "only http and https"),
        ("http://user:secret@example.com/", "credentials"),
        ("http://@example.com/", "credentials"),
        ("http:///nohost", "no host"),
        ("http://exa mple.com/", "whitespace"),
    ],
)
async def test_syntactically_unsafe_urls_are_refused(url: str, reason: str) -> None:
    async with safe_fetcher() as fetcher:
        with pytest.raises(UnsafeURL, match=reason):
            fetcher.check_url(url)
        with pytest.raises(UnsafeURL, match=reason):
            await fetcher.fetch(url)


async def test_allowing_private_networks_does_not_allow_other_schemes() -> None:
    async with safe_fetcher(policy=FetchPolicy(allow_private_networks=True, respect_robots=False)) as fetcher:
        with pytest.raises(UnsafeURL, match="only http and https"):
            await fetcher.fetch("file:///etc/passwd")


async def test_public_url_redirecting_to_metadata_address_is_refused() -> None:
    def serve(request: httpx.Request) -> httpx.Response:
        assert request.url.host == "public.example", "the metadata address must never be requested"
        return httpx.Response(302, headers={"Location": "http://169.254.169.254/latest/meta-data/"})

    async with safe_fetcher(httpx.MockTransport(serve)) as fetcher:
        with pytest.raises(UnsafeURL, match=re.escape("redirected to http://169.254.169.254/")) as caught:
            await fetcher.fetch("http://public.example/news")
    assert caught.value.url == "http://public.example/news"


async def test_public_url_redirecting_to_a_name_that_resolves_to_loopback_is_refused() -> None:
    def serve(request: httpx.Request) -> httpx.Response:
        assert request.url.host == "public.example"
        return httpx.Response(301, headers={"Location": "http://sneaky.example/admin"})

    async with safe_fetcher(httpx.MockTransport(serve)) as fetcher:
        with pytest.raises(UnsafeURL, match=re.escape("'sneaky.example' resolves to 127.0.0.1")):
            await fetcher.fetch("http://public.example/")


async def test_public_host_is_fetched() -> None:
    transport = httpx.MockTransport(lambda request: httpx.Response(200, text="ok"))
    async with safe_fetcher(transport) as fetcher:
        fetched = await fetcher.fetch("http://public.example/")
    assert (fetched.status, fetched.content) == (200, b"ok")


async def test_allowed_hosts_open_the_address_check_for_that_host_only() -> None:
    transport = httpx.MockTransport(lambda request: httpx.Response(200, text="ok"))
    policy = FetchPolicy(per_host_delay=0.0, respect_robots=False, allowed_hosts=frozenset({"10.0.0.1"}))
    async with safe_fetcher(transport, policy) as fetcher:
        assert (await fetcher.fetch("http://10.0.0.1/")).status == 200
        assert (
            await fetcher.fetch("http://sneaky.example/", allowed_hosts=frozenset({"sneaky.example"}))
        ).status == 200
        with pytest.raises(UnsafeURL):
            await fetcher.fetch("http://10.0.0.2/")


async def test_unresolvable_host_is_connect_failed() -> None:
    async with safe_fetcher() as fetcher:
        with pytest.raises(ConnectFailed, match=re.escape("cannot resolve host 'nowhere.invalid'")):
            await fetcher.fetch("http://nowhere.invalid/")


async def test_connections_are_pinned_to_vetted_addresses() -> None:
    """DNS rebinding: the real transport asks the resolver again at connect time and refuses then too."""
    answers = iter([["93.184.216.34"], ["127.0.0.1"]])

    async def rebinding(host: str, port: int) -> list[str]:
        return next(answers)

    async with Fetcher(SAFE_DEFAULTS, resolver=rebinding) as fetcher:
        with pytest.raises(UnsafeURL, match=re.escape("resolves to 127.0.0.1")):
            await fetcher.fetch("http://rebind.example:9/")


@pytest.mark.parametrize(
    ("text", "forbidden"),
    [
        ("8.8.8.8", False),
        ("2606:4700:4700::1111", False),
        ("100.100.100.100", True),
        ("198.18.0.1", True),
        ("::", True),
        ("ff02::1", True),
        ("2002:7f00:1::1", True),
        ("::ffff:8.8.8.8", False),  # IPv4-mapped: judged by the embedded address
        ("2002:808:808::1", False),  # 6to4 of a public address
    ],
)
def test_is_forbidden_address(text: str, forbidden: bool) -> None:
    assert is_forbidden_address(ipaddress.ip_address(text)) is forbidden


def test_literal_address_understands_legacy_ipv4_forms() -> None:
    assert literal_address("017700000001") == ipaddress.IPv4Address("127.0.0.1")
    assert literal_address("[::1]") == ipaddress.IPv6Address("::1")
    assert literal_address("tidings.example") is None
