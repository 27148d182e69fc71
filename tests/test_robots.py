"""robots.txt per RFC 9309, served by the fault server."""

from __future__ import annotations

import itertools
import time
from collections.abc import Iterator
from dataclasses import replace

import pytest

from crawler.fetch.client import Fetcher, FetchPolicy, FetchStats, HTTPStatusError, RobotsDisallowed
from crawler.fetch.robots import RobotsAnswer, RobotsRules, robots_url
from tests.faults import FaultServer, ok, redirect, status

POLICY = FetchPolicy(allow_private_networks=True, per_host_delay=0.0, retries=0, robots_ttl=3600)
WORDPRESS = b"User-agent: *\nDisallow: /wp-admin/\nAllow: /wp-admin/admin-ajax.php\n"


@pytest.fixture
def server() -> Iterator[FaultServer]:
    with FaultServer() as fault_server:
        fault_server.route("/", ok(b"home"))
        yield fault_server


def serve_robots(server: FaultServer, text: bytes) -> None:
    server.route("/robots.txt", ok(text, {"Content-Type": "text/plain"}))


async def test_disallowed_path_is_refused_and_robots_is_cached(server: FaultServer) -> None:
    serve_robots(server, b"User-agent: *\nDisallow: /private/\n")
    stats = FetchStats()
    async with Fetcher(POLICY) as fetcher:
        with pytest.raises(RobotsDisallowed, match=r"robots\.txt disallows") as caught:
            await fetcher.fetch(server.url("/private/report"), stats=stats)
        assert (await fetcher.fetch(server.url("/"), stats=stats)).content == b"home"
    assert caught.value.url == server.url("/private/report")
    assert len(server.requests_to("/robots.txt")) == 1
    assert len(server.requests_to("/private/report")) == 0
    assert (stats.requests, stats.errors) == (2, 1)  # robots.txt once, then "/"


@pytest.mark.parametrize(
    ("path", "allowed"),
    [("/wp-admin/", False), ("/wp-admin/options.php", False), ("/wp-admin/admin-ajax.php", True), ("/", True)],
)
async def test_wordpress_pair(server: FaultServer, path: str, allowed: bool) -> None:
    serve_robots(server, WORDPRESS)
    server.route(path, ok(b"page"))
    async with Fetcher(POLICY) as fetcher:
        if allowed:
            assert (await fetcher.fetch(server.url(path))).status == 200
        else:
            with pytest.raises(RobotsDisallowed):
                await fetcher.fetch(server.url(path))


@pytest.mark.parametrize(
    ("url", "allowed"),
    [
        ("http://h/files/report.pdf", False),
        ("http://h/files/report.pdf?x=1", True),
        ("http://h/a/print/b", False),
        ("http://h/a/b", True),
        ("http://h/tidings-only", False),
    ],
)
def test_wildcard_and_end_anchor_patterns(url: str, allowed: bool) -> None:
    text = b"User-agent: *\nDisallow: /*.pdf$\nDisallow: /*/print/\n\nUser-agent: tidings\nDisallow: /tidings-only\n"
    rules = RobotsRules.from_answer(RobotsAnswer(200, text))
    agent = "tidings" if "tidings-only" in url else "otherbot"
    assert rules.allows(url, agent) is allowed


async def test_server_error_disallows_everything(server: FaultServer) -> None:
    server.route("/robots.txt", status(503))
    async with Fetcher(POLICY) as fetcher:
        with pytest.raises(RobotsDisallowed, match="could not be read"):
            await fetcher.fetch(server.url("/"))
    assert server.requests_to("/") == []


async def test_unreachable_robots_disallows_everything() -> None:
    with FaultServer() as server:
        url = server.url("/")
    async with Fetcher(POLICY) as fetcher:  # the server is gone: connection refused
        with pytest.raises(RobotsDisallowed, match="could not be read"):
            await fetcher.fetch(url)


async def test_missing_robots_allows_everything(server: FaultServer) -> None:
    async with Fetcher(POLICY) as fetcher:
        fetched = await fetcher.fetch(server.url("/"))
    assert fetched.content == b"home"
    assert [exchange.request.path for exchange in server.exchanges] == ["/robots.txt", "/"]


async def test_robots_redirects_are_followed(server: FaultServer) -> None:
    server.route("/robots.txt", redirect("/r1"))
    for hop in range(1, 5):
        server.route(f"/r{hop}", redirect(f"/r{hop + 1}"))
    server.route("/r5", ok(b"User-agent: *\nDisallow: /\n"))
    async with Fetcher(POLICY) as fetcher:
        with pytest.raises(RobotsDisallowed):
            await fetcher.fetch(server.url("/"))


async def test_only_the_first_500_kib_is_parsed(server: FaultServer) -> None:
    filler = b"".join(b"Disallow: /filler/%06d\n" % n for n in range(30000))  # ~ 600 KiB
    assert len(filler) > 600 * 1024
    text = b"User-agent: *\nDisallow: /early/\n" + filler + b"Disallow: /late/\n"
    serve_robots(server, text)
    server.route("/late/page", ok(b"late"))
    async with Fetcher(POLICY) as fetcher:
        with pytest.raises(RobotsDisallowed):
            await fetcher.fetch(server.url("/early/page"))
        assert (await fetcher.fetch(server.url("/late/page"))).content == b"late"


async def test_crawl_delay_spaces_requests_and_is_capped(server: FaultServer) -> None:
    serve_robots(server, b"User-agent: *\nCrawl-delay: 60\n")
    server.route("/a", ok(b"a"))
    async with Fetcher(replace(POLICY, crawl_delay_cap=0.4)) as fetcher:
        started = time.monotonic()
        for _ in range(3):
            await fetcher.fetch(server.url("/a"))
    starts = [exchange.request.arrived for exchange in server.requests_to("/a")]
    gaps = [later - earlier for earlier, later in itertools.pairwise(starts)]
    assert all(gap >= 0.38 for gap in gaps), gaps
    assert time.monotonic() - started < 3.0


async def test_robots_does_not_hold_up_the_first_page_but_later_pages_are_spaced(server: FaultServer) -> None:
    """`tidings check` costs one round trip more than the page, not the per-host delay."""
    stats = FetchStats()
    async with Fetcher(replace(POLICY, per_host_delay=0.3)) as fetcher:
        await fetcher.fetch(server.url("/"), stats=stats)
        await fetcher.fetch(server.url("/"), stats=stats)
    robots, page, again = server.exchanges
    assert page.request.arrived - robots.request.arrived < 0.28
    assert again.request.arrived - page.request.arrived >= 0.28
    assert stats.requests == 3


async def test_robots_off_skips_it(server: FaultServer) -> None:
    async with Fetcher(replace(POLICY, respect_robots=False)) as fetcher:
        with pytest.raises(HTTPStatusError):
            await fetcher.fetch(server.url("/nothing"))
    assert server.requests_to("/robots.txt") == []


def test_robots_url_keeps_scheme_host_and_port() -> None:
    assert robots_url("http://Example.com:8080/a?b") == "http://example.com:8080/robots.txt"
