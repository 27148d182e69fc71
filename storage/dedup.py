"""Canonical URLs, content hashes and near-duplicate fingerprints (pure functions, no database)."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache
from urllib.parse import unquote, urlsplit, urlunsplit

_DEFAULT_PORTS = {"http": 80, "https": 443}
_TRACKING_PARAMS = frozenset({"fbclid", "gclid", "mc_cid", "mc_eid", "igshid", "ref_src", "spm"})
_CJK = (
    r"\u3040-\u30ff\u3100-\u312f\u31a0-\u31bf\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff"
    r"\U00020000-\U0002fa1f"
)
_CJK_RUN = re.compile(f"[{_CJK}]+")
_LATIN_WORD = re.compile(f"[^\\W{_CJK}]+")
_MASK64 = (1 << 64) - 1


def canonical_url(url: str) -> str:
    """Normalise ``url`` so that the same article has one key: see DESIGN.md "Data model"."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    netloc = _canonical_netloc(scheme, parts.netloc)
    path = parts.path or "/"
    return urlunsplit((scheme, netloc, path, _canonical_query(parts.query), ""))


def _canonical_netloc(scheme: str, netloc: str) -> str:
    userinfo, _, hostport = netloc.rpartition("@")
    host, port = _split_host_port(hostport)
    host = _idna(host.lower().rstrip("."))
    if ":" in host:
        host = f"[{host}]"
    if port is not None and _DEFAULT_PORTS.get(scheme) != port:
        host = f"{host}:{port}"
    return f"{userinfo}@{host}" if userinfo else host


def _split_host_port(hostport: str) -> tuple[str, int | None]:
    if hostport.startswith("["):
        host, _, rest = hostport[1:].partition("]")
        port_text = rest[1:] if rest.startswith(":") else ""
    else:
        host, _, port_text = hostport.partition(":")
    return host, int(port_text) if port_text.isdigit() else None


def _idna(host: str) -> str:
    if host.isascii():
        return host
    try:
        return host.encode("idna").decode("ascii")
    except UnicodeError:
        return host


def _canonical_query(query: str) -> str:
    pairs = [p for p in query.split("&") if p and not _is_tracking(p.partition("=")[0])]
    return "&".join(sorted(pairs))


def _is_tracking(raw_key: str) -> bool:
    key = unquote(raw_key).lower()
    return key.startswith("utm_") or key in _TRACKING_PARAMS


def url_key(url: str) -> str:
    """The first 16 hex digits of the SHA-256 of the canonical URL (export file names)."""
    return hashlib.sha256(canonical_url(url).encode("utf-8")).hexdigest()[:16]


def content_hash(text: str) -> str:
    """SHA-256 (hex) of the UTF-8 text, exactly as stored."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def shingles(text: str) -> set[str]:
    """Word 3-shingles of Latin-script text plus character 2-grams of CJK runs (case-folded).

    >>> sorted(shingles("Taiwan and Poland sign 台灣波蘭"))
    ['and poland sign', 'taiwan and poland', '台灣', '波蘭', '灣波']
    """
    folded = unicodedata.normalize("NFKC", text).casefold()
    result: set[str] = set()
    runs = _CJK_RUN.findall(folded)
    for run in runs:
        if len(run) < 3:
            result.add(run)  # a run of one or two characters is its own gram
        else:
            result.update(map(str.__add__, run, run[1:]))
    words = _LATIN_WORD.findall(_CJK_RUN.sub(" ", folded) if runs else folded)
    if 0 < len(words) < 3:
        result.add(" ".join(words))
    result.update(map(" ".join, zip(words, words[1:], words[2:], strict=False)))
    return result


_BLAKE2B_8 = hashlib.blake2b(digest_size=8)  # an empty hash, copied per gram: a third cheaper than constructing one


def _digests(grams: Iterable[str]) -> bytes:
    """The 8-byte BLAKE2b digests of ``grams`` (UTF-8), joined in iteration order."""
    copy = _BLAKE2B_8.copy
    out: list[bytes] = []
    for data in map(str.encode, grams):
        digest = copy()
        digest.update(data)
        out.append(digest.digest())
    return b"".join(out)


def simhash(text: str) -> int:
    """64-bit SimHash over :func:`shingles`, as a signed integer (fits a BIGINT).

    Each shingle's 8-byte BLAKE2b digest votes on the 64 bits; a bit is set when more than half the digests have it.
    The votes are counted column by column: the digests' byte ``i`` of every shingle as one integer, masked to one
    bit of each byte and counted with ``int.bit_count``, 64 C-level counts whatever the number of shingles (no
    numpy: it cost a process ~15 MiB and ~120 ms to import, for this alone).

    >>> simhash("") == 0 and simhash("Taiwan and Poland sign") == simhash("TAIWAN and Poland sign")
    True
    """
    grams = shingles(text)
    if not grams:
        return 0
    digests = _digests(grams)
    half = len(grams) // 2  # more than half: count > n / 2, i.e. count > n // 2
    unsigned, position = 0, 63
    for byte in range(8):
        column = int.from_bytes(digests[byte::8], "big")
        for mask in _bit_masks(len(grams)):
            if (column & mask).bit_count() > half:
                unsigned |= 1 << position
            position -= 1
    return unsigned - (1 << 64) if unsigned >= 1 << 63 else unsigned


@lru_cache(maxsize=256)
def _bit_masks(count: int) -> tuple[int, ...]:
    """For ``count`` bytes read as one big-endian integer: the masks of each byte's bit 7, 6, ..., 0."""
    return tuple(int.from_bytes(bytes([1 << (7 - bit)]) * count, "big") for bit in range(8))


def hamming(a: int, b: int) -> int:
    """Number of differing bits between two 64-bit fingerprints (signed or unsigned)."""
    return ((a ^ b) & _MASK64).bit_count()
