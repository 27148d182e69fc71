"""Bounded Content-Encoding decoding (crawler/contentcoding.py): correct, and bombs never burst memory."""

from __future__ import annotations

import gzip
import itertools
import zlib
from collections.abc import Callable

import brotli  # type: ignore[import-untyped]
import pytest
import zstandard
from hypothesis import given, settings
from hypothesis import strategies as st

from crawler.errors import FetchError
from crawler.fetch.client import Fetcher, FetchPolicy
from crawler.fetch.contentcoding import CorruptEncoding, DecoderChain, UnsupportedEncoding
from tests.faults import FaultServer, ok

ENCODERS: dict[str, Callable[[bytes], bytes]] = {
    "gzip": gzip.compress,
    "deflate": zlib.compress,
    "br": lambda data: bytes(brotli.compress(data, quality=5)),
    "zstd": zstandard.ZstdCompressor().compress,
    "identity": lambda data: data,
}


def encode(data: bytes, codings: list[str]) -> bytes:
    for coding in codings:
        data = ENCODERS[coding](data)
    return data


def decode_in_chunks(encoded: bytes, header: str, chunk: int, step: int) -> bytes:
    chain = DecoderChain.for_header(header)
    pieces = []
    for start in range(0, len(encoded), chunk):
        pieces += list(chain.decode(encoded[start : start + chunk], step=step))
    pieces += list(chain.finish(step=step))
    return b"".join(pieces)


@settings(max_examples=60, deadline=None)
@given(
    data=st.binary(max_size=4000) | st.text(max_size=800).map(str.encode),
    codings=st.lists(st.sampled_from(sorted(ENCODERS)), max_size=3),
    chunk=st.integers(1, 5000),
    step=st.integers(1, 3000),
)
def test_any_chain_round_trips_in_any_chunking(data: bytes, codings: list[str], chunk: int, step: int) -> None:
    header = ", ".join(codings)
    assert decode_in_chunks(encode(data, codings), header, chunk, step) == data


@pytest.mark.parametrize("header", ["gzip", "gzip, gzip", "br", "zstd", "deflate, gzip"])
def test_bomb_output_comes_in_bounded_pieces(header: str) -> None:
    zeros = b"\0" * (32 * 1024 * 1024)
    encoded = encode(zeros, [part.strip() for part in header.split(",")])
    chain = DecoderChain.for_header(header)
    first_pieces = list(itertools.islice(chain.decode(encoded, step=64 * 1024), 20))
    assert len(first_pieces) == 20
    assert max(len(piece) for piece in first_pieces) <= 1024 * 1024 + 64 * 1024


def test_raw_deflate_without_zlib_header_is_accepted() -> None:
    compressor = zlib.compressobj(wbits=-zlib.MAX_WBITS)
    raw = compressor.compress(b"raw deflate") + compressor.flush()
    assert decode_in_chunks(raw, "deflate", 3, 100) == b"raw deflate"


def test_corrupt_gzip_is_reported() -> None:
    with pytest.raises(CorruptEncoding):
        decode_in_chunks(b"\x1f\x8b\x08\x00garbage-garbage", "gzip", 100, 100)


def test_unknown_coding_is_reported() -> None:
    with pytest.raises(UnsupportedEncoding, match="compress"):
        DecoderChain.for_header("compress")


async def test_fetch_names_the_url_for_an_unsupported_coding() -> None:
    policy = FetchPolicy(allow_private_networks=True, respect_robots=False, per_host_delay=0, retries=0)
    with FaultServer() as server:
        server.route("/lzw", ok(b"....", {"Content-Encoding": "compress"}))
        async with Fetcher(policy) as fetcher:
            with pytest.raises(FetchError, match="unsupported Content-Encoding 'compress'") as caught:
                await fetcher.fetch(server.url("/lzw"))
    assert caught.value.url == server.url("/lzw")
