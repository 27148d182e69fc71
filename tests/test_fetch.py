"""Fetcher against the fault-injection server on 127.0.0.1: timeouts, retries, redirects, limits, 304s."""

from __future__ import annotations

import asyncio
import functools
import gzip
import hashlib
import time
import zlib
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import brotli  # type: ignore[import-untyped]
import pytest
import zstandard

from crawler.fetch.client import (
    BodyTooLarge,
    ConnectFailed,
    Fetcher,
    FetchPolicy,
    FetchStats,
    FetchTimeout,
    HTTPStatusError,
    TooManyRedirects,
    UnsafeURL,
    Validators,
)
from tests.faults import (
    Connection,
    FaultServer,
    Request,
    ok,
    paced,
    redirect,
    reset_connection,
    sequence,
    slow_body,
    slow_headers,
    status,
    truncated,
)

FAST = FetchPolicy(
    allow_private_networks=True,
    per_host_delay=0.0,
    respect_robots=False,
    retries=3,
    retry_base_wait=0.01,
    retry_max_wait=3.0,
    connect_timeout=2.0,
    read_timeout=2.0,
    total_timeout=5.0,
    max_body_bytes=1024 * 1024,
)
MiB = 1024 * 1024


@pytest.fixture
def server() -> Iterator[FaultServer]:
    with FaultServer() as fault_server:
        yield fault_server


def fetcher(**changes: Any) -> Fetcher:
    return Fetcher(replace(FAST, **changes))


async def test_plain_200_reports_everything(server: FaultServer) -> None:
    server.route("/a", ok(b"<p>hi</p>", {"Content-Type": "text/html; charset=UTF-8", "ETag": '"v1"'}))
    stats = FetchStats()
    async with fetcher() as client:
        fetched = await client.fetch(server.url("/a"), stats=stats)
    assert (fetched.status, fetched.content, fetched.content_type, fetched.charset) == (
        200,
        b"<p>hi</p>",
        "text/html",
        "utf-8",
    )
    assert fetched.etag == '"v1"' and fetched.headers["etag"] == '"v1"'
    assert fetched.body_hash == hashlib.sha256(b"<p>hi</p>").hexdigest()
    assert (fetched.not_modified, fetched.redirects, fetched.attempts) == (False, (), 1)
    assert fetched.final_url == fetched.url == server.url("/a")
    assert (stats.requests, stats.bytes, stats.errors, stats.not_modified) == (1, 9, 0, 0)
    assert server.exchanges[0].request.headers["user-agent"] == FAST.user_agent


async def test_slow_headers_time_out(server: FaultServer) -> None:
    server.route("/slow", slow_headers(3.0))
    async with fetcher(read_timeout=0.3, retries=0) as client:
        with pytest.raises(FetchTimeout, match="read_timeout") as caught:
            await client.fetch(server.url("/slow"))
    assert caught.value.url == server.url("/slow")


async def test_slow_body_hits_the_total_timeout(server: FaultServer) -> None:
    server.route("/drip", slow_body(total=100, piece=1, interval=0.1))  # every read is quick, the whole is not
    started = time.monotonic()
    async with fetcher(read_timeout=1.0, total_timeout=0.5, retries=0) as client:
        with pytest.raises(FetchTimeout, match="total_timeout"):
            await client.fetch(server.url("/drip"))
    assert time.monotonic() - started < 2.0


async def test_connection_reset_is_retried_then_connect_failed(server: FaultServer) -> None:
    server.route("/reset", reset_connection())
    stats = FetchStats()
    async with fetcher(retries=2) as client:
        with pytest.raises(ConnectFailed):
            await client.fetch(server.url("/reset"), stats=stats)
    assert len(server.requests_to("/reset")) == 3
    assert (stats.requests, stats.errors) == (3, 1)


async def test_truncated_body_is_an_error_and_retried(server: FaultServer) -> None:
    server.route("/cut", sequence(truncated(declared=1000, sent=10), ok(b"whole")))
    async with fetcher() as client:
        fetched = await client.fetch(server.url("/cut"))
    assert (fetched.content, fetched.attempts) == (b"whole", 2)


async def test_truncated_body_forever_raises_connect_failed(server: FaultServer) -> None:
    server.route("/cut", truncated(declared=1000, sent=10))
    async with fetcher(retries=1) as client:
        with pytest.raises(ConnectFailed):
            await client.fetch(server.url("/cut"))
    assert len(server.requests_to("/cut")) == 2


async def test_500_then_200_succeeds_on_the_second_attempt(server: FaultServer) -> None:
    server.route("/flaky", sequence(status(500), ok(b"ok")))
    stats = FetchStats()
    async with fetcher() as client:
        fetched = await client.fetch(server.url("/flaky"), stats=stats)
    assert (fetched.status, fetched.attempts, stats.requests, stats.errors) == (200, 2, 2, 0)


async def test_429_retry_after_is_honoured(server: FaultServer) -> None:
    server.route("/busy", sequence(status(429, {"Retry-After": "1"}), ok(b"ok")))
    async with fetcher() as client:
        fetched = await client.fetch(server.url("/busy"))
    first, second = server.requests_to("/busy")
    assert fetched.attempts == 2
    assert second.request.arrived - first.request.arrived >= 0.95


async def test_retry_after_is_capped_by_retry_max_wait(server: FaultServer) -> None:
    server.route("/busy", sequence(status(503, {"Retry-After": "3600"}), ok(b"ok")))
    started = time.monotonic()
    async with fetcher(retry_max_wait=0.2) as client:
        fetched = await client.fetch(server.url("/busy"))
    assert fetched.attempts == 2 and time.monotonic() - started < 2.0


async def test_503_forever_raises_after_all_retries(server: FaultServer) -> None:
    server.route("/down", status(503))
    async with fetcher(retries=3) as client:
        with pytest.raises(HTTPStatusError) as caught:
            await client.fetch(server.url("/down"))
    assert caught.value.status == 503
    assert len(server.requests_to("/down")) == 4


async def test_404_is_not_retried(server: FaultServer) -> None:
    stats = FetchStats()
    async with fetcher() as client:
        with pytest.raises(HTTPStatusError) as caught:
            await client.fetch(server.url("/missing"), stats=stats)
    assert caught.value.status == 404 and "check the URL" in str(caught.value)
    assert len(server.requests_to("/missing")) == 1
    assert (stats.requests, stats.errors) == (1, 1)


async def test_redirect_loop_raises_too_many_redirects(server: FaultServer) -> None:
    server.route("/a", redirect("/b"))
    server.route("/b", redirect("/a"))
    async with fetcher(max_redirects=5) as client:
        with pytest.raises(TooManyRedirects, match="more than 5 redirects"):
            await client.fetch(server.url("/a"))
    assert len(server.exchanges) == 6


async def test_redirects_are_followed_and_reported(server: FaultServer) -> None:
    server.route("/old", redirect("/mid", 301))
    server.route("/mid", redirect(server.url("/new"), 308))
    server.route("/new", ok(b"new"))
    stats = FetchStats()
    async with fetcher() as client:
        fetched = await client.fetch(server.url("/old"), stats=stats)
    assert fetched.final_url == server.url("/new")
    assert fetched.redirects == (server.url("/mid"), server.url("/new"))
    assert (fetched.content, stats.requests) == (b"new", 3)


@pytest.mark.parametrize("target", ["http://10.0.0.1/", "http://169.254.169.254/latest/meta-data/"])
async def test_redirect_to_private_address_is_refused_when_only_the_replica_is_allowed(
    server: FaultServer, target: str
) -> None:
    server.route("/hop", redirect(target))
    async with fetcher(allow_private_networks=False) as client:
        with pytest.raises(UnsafeURL, match="allow_private_networks = true") as caught:
            await client.fetch(server.url("/hop"), allowed_hosts=frozenset({f"127.0.0.1:{server.port}"}))
    assert caught.value.url == server.url("/hop") and target in str(caught.value)


async def test_redirect_to_file_url_is_refused(server: FaultServer) -> None:
    server.route("/hop", redirect("file:///etc/passwd"))
    async with fetcher() as client:
        with pytest.raises(UnsafeURL, match="only http and https"):
            await client.fetch(server.url("/hop"))


# ---- size limits and compression bombs --------------------------------------------------------------


def _compress_zeros(compressor: Any, total: int) -> bytes:
    chunk = b"\0" * MiB
    parts: list[bytes] = [compressor.compress(chunk) for _ in range(total // MiB)]
    return b"".join(parts) + bytes(compressor.flush())


@functools.cache
def gzip_bomb() -> bytes:
    return _compress_zeros(zlib.compressobj(6, zlib.DEFLATED, 31), 64 * MiB)


@functools.cache
def brotli_bomb() -> bytes:
    compressor = brotli.Compressor(quality=5)
    parts: list[bytes] = [compressor.process(b"\0" * MiB) for _ in range(64)]
    return b"".join(parts) + bytes(compressor.finish())


@functools.cache
def zstd_bomb() -> bytes:
    return _compress_zeros(zstandard.ZstdCompressor(level=3).compressobj(), 256 * MiB)


@functools.cache
def double_gzip_bomb() -> bytes:
    return gzip.compress(gzip_bomb(), compresslevel=9)


BOMBS = {
    "gzip": gzip_bomb,
    "br": brotli_bomb,
    "zstd": zstd_bomb,
    "gzip, gzip": double_gzip_bomb,
}


@pytest.mark.parametrize("encoding", list(BOMBS))
async def test_compression_bombs_stop_early(server: FaultServer, encoding: str) -> None:
    payload = BOMBS[encoding]()
    server.route("/bomb", paced(payload, {"Content-Encoding": encoding, "Content-Type": "text/html"}, 4096))
    started = time.monotonic()
    async with fetcher(retries=0) as client:
        with pytest.raises(BodyTooLarge, match="max_body_bytes"):
            await client.fetch(server.url("/bomb"))
    assert time.monotonic() - started < 3.0
    if len(payload) > 64 * 1024:  # big enough that stopping early shows on the wire
        await asyncio.sleep(0.1)
        assert server.requests_to("/bomb")[0].body_bytes_sent < len(payload) // 2


async def test_a_50_mib_body_is_too_large(server: FaultServer) -> None:
    payload = b"a" * (50 * MiB)
    server.route("/huge", paced(payload, {"Content-Type": "text/plain"}, 256 * 1024, 0.001))
    async with fetcher(retries=0, max_body_bytes=10 * MiB) as client:
        with pytest.raises(BodyTooLarge):
            await client.fetch(server.url("/huge"))
    await asyncio.sleep(0.1)
    assert server.requests_to("/huge")[0].body_bytes_sent < 30 * MiB


async def test_a_body_exactly_at_the_limit_is_accepted(server: FaultServer) -> None:
    server.route("/edge", ok(gzip.compress(b"b" * 1000), {"Content-Encoding": "gzip"}))
    async with fetcher(max_body_bytes=1000) as client:
        fetched = await client.fetch(server.url("/edge"))
    assert fetched.content == b"b" * 1000


@pytest.mark.parametrize("encoding", ["gzip", "deflate", "br", "zstd", "gzip, br"])
async def test_each_content_encoding_is_decoded(server: FaultServer, encoding: str) -> None:
    body = "台灣數位發展部 AI cooperation ".encode() * 500
    encoded = body
    for coding in [part.strip() for part in encoding.split(",")]:
        encoded = {
            "gzip": gzip.compress,
            "deflate": zlib.compress,
            "br": brotli.compress,
            "zstd": zstandard.ZstdCompressor().compress,
        }[coding](encoded)
    server.route("/enc", ok(encoded, {"Content-Encoding": encoding}))
    stats = FetchStats()
    async with fetcher() as client:
        fetched = await client.fetch(server.url("/enc"), stats=stats)
    assert fetched.content == body and stats.bytes == len(body)


# ---- content as served --------------------------------------------------------------------------------


async def test_wrong_content_type_is_reported_as_served(server: FaultServer) -> None:
    server.route("/img", ok(b"<html>not an image</html>", {"Content-Type": "IMAGE/PNG"}))
    async with fetcher() as client:
        fetched = await client.fetch(server.url("/img"))
    assert (fetched.content_type, fetched.charset, fetched.content) == (
        "image/png",
        None,
        b"<html>not an image</html>",
    )


@pytest.mark.parametrize(
    "body",
    [b"caf\xe9 \xff\xfe broken utf-8", "外交部新聞稿".encode("big5"), "数字发展部".encode("gb18030")],
    ids=["invalid-utf8", "big5", "gb18030"],
)
async def test_undeclared_encodings_come_back_as_exact_bytes(server: FaultServer, body: bytes) -> None:
    server.route("/raw", ok(body, {"Content-Type": "text/html"}))
    async with fetcher() as client:
        fetched = await client.fetch(server.url("/raw"))
    assert (fetched.content, fetched.charset) == (body, None)


# ---- conditional GET ----------------------------------------------------------------------------------

LAST_MODIFIED = "Tue, 01 Jul 2025 10:00:00 GMT"


async def conditional(request: Request, connection: Connection) -> None:
    """304 only when both validators are echoed exactly; otherwise the full page."""
    matches = (
        request.headers.get("if-none-match") == '"v1"' and request.headers.get("if-modified-since") == LAST_MODIFIED
    )
    if matches:
        await connection.respond(304, b"", {"ETag": '"v1"'})
    else:
        await connection.respond(200, b"page", {"ETag": '"v1"', "Last-Modified": LAST_MODIFIED})


async def test_second_fetch_with_validators_gets_304(server: FaultServer) -> None:
    server.route("/page", conditional)
    stats = FetchStats()
    async with fetcher() as client:
        first = await client.fetch(server.url("/page"), stats=stats)
        second = await client.fetch(server.url("/page"), validators=first.validators(), stats=stats)
    assert first.validators() == Validators('"v1"', LAST_MODIFIED, hashlib.sha256(b"page").hexdigest())
    assert (second.status, second.not_modified, second.content, second.body_hash) == (304, True, b"", None)
    assert second.validators() == first.validators()
    assert server.exchanges[1].request.headers["if-modified-since"] == LAST_MODIFIED
    assert (stats.requests, stats.not_modified, stats.bytes) == (2, 1, 4)


async def test_unchanged_body_hash_is_not_modified(server: FaultServer) -> None:
    server.route("/same", ok(b"same body"))
    stats = FetchStats()
    remembered = Validators(body_hash=hashlib.sha256(b"same body").hexdigest())
    async with fetcher() as client:
        fetched = await client.fetch(server.url("/same"), validators=remembered, stats=stats)
    assert (fetched.status, fetched.not_modified, fetched.content) == (200, True, b"same body")
    assert stats.not_modified == 1
    assert "if-none-match" not in server.exchanges[0].request.headers


async def test_changed_body_is_modified(server: FaultServer) -> None:
    server.route("/new", ok(b"new body"))
    async with fetcher() as client:
        fetched = await client.fetch(server.url("/new"), validators=Validators(body_hash="0" * 64))
    assert fetched.not_modified is False


async def test_post_with_form_data(server: FaultServer) -> None:
    seen: list[bytes] = []

    async def echo(request: Request, connection: Connection) -> None:
        seen.append(request.body)
        await connection.respond(200, b"{}", {"Content-Type": "application/json"})

    server.route("/api", echo)
    async with fetcher() as client:
        fetched = await client.fetch(server.url("/api"), method="POST", data={"page": "2"})
    assert (fetched.content_type, seen) == ("application/json", [b"page=2"])
