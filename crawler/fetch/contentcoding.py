"""Content-Encoding decoding with bounded output, so compression bombs are caught after little work.

httpx decodes each network chunk in one call: 64 KiB of gzip can become 64 MiB, and `gzip, gzip` can turn
a few KiB into gigabytes before a size check sees anything. Here every layer hands out at most `step`
bytes per call, so the running total is checked long before memory is at risk.

>>> import gzip
>>> chain = DecoderChain.for_header("gzip")
>>> b"".join(chain.decode(gzip.compress(b"hello"), step=2)) + b"".join(chain.finish(step=2))
b'hello'
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from typing import Protocol

import brotli
import httpx
import zstandard

STEP = 64 * 1024
_ZSTD_SLICE = 32  # at most ~8 RLE blocks (1 MiB) of output per slice fed to zstd, which has no output limit


class UnsupportedEncoding(ValueError):
    """The Content-Encoding names a coding this crawler cannot decode."""


class BodyLimitExceeded(ValueError):
    """The decoded body grew past the limit; reading stopped there."""


class CorruptEncoding(ValueError):
    """The body is not valid data in its declared Content-Encoding."""


class _Layer(Protocol):
    def feed(self, data: bytes) -> None: ...

    def read(self, limit: int) -> bytes: ...


class _Identity:
    def __init__(self) -> None:
        self._buffer = b""

    def feed(self, data: bytes) -> None:
        self._buffer += data

    def read(self, limit: int) -> bytes:
        out, self._buffer = self._buffer[:limit], self._buffer[limit:]
        return out


class _Zlib:
    """gzip or deflate (zlib-wrapped, or raw deflate as some servers send)."""

    def __init__(self, wbits: int) -> None:
        self._wbits = wbits
        self._decompressor = zlib.decompressobj(wbits)
        self._pending = b""
        self._started = False

    def feed(self, data: bytes) -> None:
        self._pending += data

    def read(self, limit: int) -> bytes:
        if not self._pending or self._decompressor.eof:
            return b""
        data, self._pending = self._pending, b""
        try:
            out = self._decompressor.decompress(data, limit)
        except zlib.error as exc:
            if self._wbits == zlib.MAX_WBITS and not self._started:
                self._wbits = -zlib.MAX_WBITS  # some servers send raw deflate without the zlib header
                self._decompressor = zlib.decompressobj(self._wbits)
                self._pending = data
                return self.read(limit)
            raise CorruptEncoding(f"invalid compressed data ({exc})") from exc
        self._started = True
        self._pending = self._decompressor.unconsumed_tail
        return out


class _Brotli:
    def __init__(self) -> None:
        self._decompressor = brotli.Decompressor()
        self._pending = b""

    def feed(self, data: bytes) -> None:
        self._pending += data

    def read(self, limit: int) -> bytes:
        try:
            if not self._decompressor.can_accept_more_data():
                return bytes(self._decompressor.process(b"", output_buffer_limit=limit))
            if not self._pending:
                return b""
            data, self._pending = self._pending, b""
            return bytes(self._decompressor.process(data, output_buffer_limit=limit))
        except brotli.error as exc:
            raise CorruptEncoding(f"invalid brotli data ({exc})") from exc


class _Zstd:
    def __init__(self) -> None:
        self._decompressor = zstandard.ZstdDecompressor().decompressobj()
        self._pending = b""
        self._position = 0

    def feed(self, data: bytes) -> None:
        self._pending = self._pending[self._position :] + data
        self._position = 0

    def read(self, limit: int) -> bytes:
        while self._position < len(self._pending):
            piece = self._pending[self._position : self._position + _ZSTD_SLICE]
            self._position += len(piece)
            out = self._decompress(piece)
            if out:
                return out
        return b""

    def _decompress(self, piece: bytes) -> bytes:
        try:
            if self._decompressor.eof:  # a new frame follows the previous one
                leftover = self._decompressor.unused_data
                self._decompressor = zstandard.ZstdDecompressor().decompressobj()
                piece = leftover + piece
            return bytes(self._decompressor.decompress(piece))
        except zstandard.ZstdError as exc:
            raise CorruptEncoding(f"invalid zstd data ({exc})") from exc


def _layer(coding: str) -> _Layer:
    match coding:
        case "gzip" | "x-gzip":
            return _Zlib(zlib.MAX_WBITS | 16)
        case "deflate":
            return _Zlib(zlib.MAX_WBITS)
        case "br":
            return _Brotli()
        case "zstd":
            return _Zstd()
        case "identity" | "":
            return _Identity()
    raise UnsupportedEncoding(f"unsupported Content-Encoding {coding!r}")


class DecoderChain:
    """The decoders for one Content-Encoding header, applied in reverse order of listing.

    >>> chain = DecoderChain.for_header(None)
    >>> list(chain.decode(b"abc", step=2))
    [b'ab', b'c']
    """

    def __init__(self, layers: list[_Layer]) -> None:
        self._layers: list[_Layer] = [_Identity(), *layers]

    @classmethod
    def for_header(cls, content_encoding: str | None) -> DecoderChain:
        """Decoders for a header like "gzip" or "gzip, br" (the last listed is undone first)."""
        codings = [part.strip().lower() for part in (content_encoding or "").split(",")]
        return cls([_layer(coding) for coding in reversed(codings) if coding not in ("", "identity")])

    def decode(self, raw: bytes, *, step: int = STEP) -> Iterator[bytes]:
        """Feed raw body bytes; yield decoded pieces of at most about `step` bytes each."""
        self._layers[0].feed(raw)
        while piece := self._pull(len(self._layers) - 1, step):
            yield piece

    def finish(self, *, step: int = STEP) -> Iterator[bytes]:
        """Yield what is still buffered once the body has ended."""
        yield from self.decode(b"", step=step)

    def _pull(self, index: int, step: int) -> bytes:
        layer = self._layers[index]
        while not (out := layer.read(step)):
            if index == 0:
                return b""
            upstream = self._pull(index - 1, step)
            if not upstream:
                return b""
            layer.feed(upstream)
        return out


async def read_decoded(
    response: httpx.Response, limit: int, *, truncate: bool = False, raw_parts: list[bytes] | None = None
) -> bytes:
    """The response body with its Content-Encoding undone, read only until it exceeds `limit` bytes.

    Over the limit: BodyLimitExceeded, or with `truncate` the first `limit` bytes. `raw_parts`, when given,
    collects the body as received (before content decoding): the evidence of what the server sent.

    >>> import asyncio
    >>> asyncio.run(read_decoded(httpx.Response(200, content=b"abcdef"), 4, truncate=True))
    b'abcd'
    """
    if response.is_stream_consumed:  # built in memory (httpx.MockTransport): httpx already decoded it
        return _within_limit([response.content], limit, truncate)
    chain = DecoderChain.for_header(response.headers.get("content-encoding"))
    parts: list[bytes] = []
    size = 0
    async for raw in response.aiter_raw():
        if raw_parts is not None:
            raw_parts.append(raw)
        for piece in chain.decode(raw):
            parts.append(piece)
            size += len(piece)
            if size > limit:
                return _within_limit(parts, limit, truncate)
    for piece in chain.finish():
        parts.append(piece)
        size += len(piece)
        if size > limit:
            return _within_limit(parts, limit, truncate)
    return b"".join(parts)


def _within_limit(parts: list[bytes], limit: int, truncate: bool) -> bytes:
    body = b"".join(parts)
    if len(body) > limit and not truncate:
        raise BodyLimitExceeded(f"the decoded body exceeds {limit} bytes")
    return body[:limit]
