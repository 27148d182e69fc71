"""Canonical URLs, content hashes and near-duplicate fingerprints (pure functions, no database)."""

from __future__ import annotations

import hashlib
import re
import unicodedata
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
    """Word 3-shingles of Latin-script text plus character 2-grams of CJK runs (case-folded)."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    result: set[str] = set()
    for run in _CJK_RUN.findall(folded):
        result.update(run[i : i + 2] for i in range(max(1, len(run) - 1)))
    words = _LATIN_WORD.findall(_CJK_RUN.sub(" ", folded))
    if 0 < len(words) < 3:
        result.add(" ".join(words))
    result.update(" ".join(words[i : i + 3]) for i in range(len(words) - 2))
    return result


def simhash(text: str) -> int:
    """64-bit SimHash over :func:`shingles`, as a signed integer (fits a BIGINT).

    One vectorised pass: the shingles' 8-byte BLAKE2b digests as one array of bits, counted per column.
    """
    import numpy as np  # here: only storing an article needs it (numpy comes with py3langid)

    grams = shingles(text)
    if not grams:
        return 0
    blake2b = hashlib.blake2b
    digests = b"".join([blake2b(gram.encode("utf-8"), digest_size=8).digest() for gram in grams])
    bits = np.unpackbits(np.frombuffer(digests, dtype=np.uint8).reshape(len(grams), 8), axis=1)
    majority = np.packbits(2 * bits.sum(axis=0, dtype=np.int64) > len(grams))
    unsigned = int.from_bytes(majority.tobytes(), "big")
    return unsigned - (1 << 64) if unsigned >= 1 << 63 else unsigned


def hamming(a: int, b: int) -> int:
    """Number of differing bits between two 64-bit fingerprints (signed or unsigned)."""
    return ((a ^ b) & _MASK64).bit_count()
