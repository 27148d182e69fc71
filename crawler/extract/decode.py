"""Bytes to text without mojibake: BOM, HTTP charset, in-document declaration, then detection.

>>> decode_html("<meta charset=big5><p>中央社".encode("big5"), url="https://x.test/").text[-3:]
'中央社'
>>> decode_html(b"\\xef\\xbb\\xbfhi", url="https://x.test/").source
'bom'
"""

from __future__ import annotations

import codecs
import logging
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from crawler.errors import ExtractError

if TYPE_CHECKING:  # charset-normalizer (~1.6 MiB) loads for the first page that is not UTF-8 or has no label
    from charset_normalizer import CharsetMatch

log = logging.getLogger(__name__)
Source = Literal["bom", "http", "meta", "detected"]
SCAN_BYTES = 4096
REPLACEMENT = "\ufffd"
MAX_LITERAL_REPLACEMENTS = 3
MAX_MESS = 0.25  # charset-normalizer's measure of mojibake (symbols, mixed scripts); 0 for clean text
MESS_SAMPLE_CHARS = 50_000
DETECT_BYTES = 200_000
CJK_FALLBACKS = ("utf-8", "gb18030", "big5hkscs")
_UTF8_SEQUENCE = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}")
WHATWG_ALIASES = {
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "gb_2312-80": "gb18030",
    "big5": "big5hkscs",
    "big5-hkscs": "big5hkscs",
    "x-x-big5": "big5hkscs",
    "latin-1": "cp1252",
    "latin1": "cp1252",
    "iso-8859-1": "cp1252",
    "iso8859-1": "cp1252",
    "us-ascii": "cp1252",
    "ascii": "cp1252",
    "utf8": "utf-8",
}
BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
UTF16_WITHOUT_BOM = ((b"<\x00", "utf-16-le"), (b"\x00<", "utf-16-be"))
_META = re.compile(
    rb"""<meta[^>]+?charset\s*=\s*["']?\s*([A-Za-z0-9._:-]+)""",
    re.IGNORECASE,
)
_XML_DECLARATION = re.compile(rb"""^\s*<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._-]+)""", re.IGNORECASE)


@dataclass(frozen=True)
class Decoded:
    """Decoded text, the codec used, and where the choice came from."""

    text: str
    encoding: str
    source: Source


class DecodeError(ExtractError):
    """The bytes decode cleanly under no plausible encoding; the page is not stored."""


def decode_html(content: bytes, *, url: str, http_charset: str | None = None) -> Decoded:
    """Decode an HTML page: BOM, HTTP charset, `<meta>` charset, then charset-normalizer."""
    return _first_clean(content, url, _candidates(content, http_charset, _meta_charset))


def decode_text(content: bytes, *, url: str, http_charset: str | None = None) -> Decoded:
    """Decode XML or JSON: BOM, UTF-16 without BOM, HTTP charset, the XML declaration, then detection.

    >>> decode_text('<?xml version="1.0" encoding="utf-16"?><a/>'.encode("utf-16-le"), url="u").text[:5]
    '<?xml'
    """
    return _first_clean(content, url, _candidates(content, http_charset, _xml_charset))


def normalise_charset(name: str | None) -> str | None:
    """The codec Python should use for a declared charset label, or None when unknown.

    >>> normalise_charset("GB2312"), normalise_charset("ISO-8859-1"), normalise_charset("nonsense")
    ('gb18030', 'cp1252', None)
    """
    if not name:
        return None
    label = name.strip().strip("\"'").lower()
    try:
        return codecs.lookup(WHATWG_ALIASES.get(label, label)).name
    except LookupError:
        return None


Candidate = tuple[str, Source]


def _candidates(
    content: bytes, http_charset: str | None, declared: Callable[[bytes], str | None]
) -> Iterator[Candidate]:
    """Labelled choices, in order: the first that decodes strictly (and plausibly) wins."""
    yield from ((encoding, "bom") for bom, encoding in BOMS if content.startswith(bom))
    yield from ((name, "detected") for prefix, name in UTF16_WITHOUT_BOM if content.startswith(prefix))
    labelled: tuple[tuple[str | None, Source], ...] = ((http_charset, "http"), (declared(content), "meta"))
    for charset, source in labelled:
        if (encoding := normalise_charset(charset)) is not None:
            yield from _declared(content, encoding, source)
    yield "utf-8", "detected"


def _declared(content: bytes, encoding: str, source: Source) -> Iterator[Candidate]:
    if not encoding.startswith("utf") and _is_utf8_with_non_ascii(content):
        yield "utf-8", "detected"  # valid multi-byte UTF-8 is never an accident; the label is wrong
    yield encoding, source


def _is_utf8_with_non_ascii(content: bytes) -> bool:
    return not content.isascii() and _strict(content, "utf-8") is not None


def _detected(content: bytes) -> list[str]:
    """charset-normalizer's guesses: least chaos, most coherent, windows-1252 first on a tie (WHATWG)."""
    from charset_normalizer import from_bytes

    matches = sorted(from_bytes(content[:DETECT_BYTES]), key=_detection_rank)
    return [encoding for match in matches if (encoding := normalise_charset(match.encoding)) is not None]


def _detection_rank(match: CharsetMatch) -> tuple[float, float, bool]:
    return round(match.chaos, 2), -round(match.coherence, 2), match.encoding != "cp1252"


def _meta_charset(content: bytes) -> str | None:
    found = _META.search(content[:SCAN_BYTES])
    return found.group(1).decode("ascii") if found else None


def _xml_charset(content: bytes) -> str | None:
    found = _XML_DECLARATION.search(content[:SCAN_BYTES])
    if found is None:
        return _meta_charset(content)
    label = found.group(1).decode("ascii").lower()
    return None if label.startswith("utf-16") else label  # ASCII-readable bytes cannot be UTF-16


def _first_clean(content: bytes, url: str, candidates: Iterator[Candidate]) -> Decoded:
    tried: list[str] = []
    declared_utf8: Source | None = None
    for encoding, source in candidates:
        if encoding == "utf-8" and source in ("http", "meta"):
            declared_utf8 = declared_utf8 or source
        if encoding in tried:
            continue
        tried.append(encoding)
        text = _strict(content, encoding)
        if text is not None and (source == "bom" or encoding == "utf-8" or _plausible(text)):
            return Decoded(_without_replacements(text, url).removeprefix("\ufeff"), encoding, source)
    # As a browser does: a page declared UTF-8 whose bytes mostly are UTF-8 shows U+FFFD for the bad ones.
    if declared_utf8 is not None and _looks_like_broken_utf8(content, share=0.5):
        log.warning("%s: invalid UTF-8 bytes shown as U+FFFD", url)
        return Decoded(content.decode("utf-8", errors="replace").removeprefix("\ufeff"), "utf-8", declared_utf8)
    guesses = ["utf-8"] if _looks_like_broken_utf8(content) else [*tried, *_detected(content), *CJK_FALLBACKS]
    if (best := _least_messy(content, guesses)) is not None:
        return Decoded(_without_replacements(best[1], url).removeprefix("\ufeff"), best[0], "detected")
    raise DecodeError(url, f"undecodable bytes; not stored (tried {', '.join(dict.fromkeys(guesses))})")


def _least_messy(content: bytes, encodings: Iterable[str]) -> tuple[str, str] | None:
    """The codec whose text is least like mojibake, allowing a few stray invalid bytes (a cut character)."""
    allowed = max(MAX_LITERAL_REPLACEMENTS, len(content) // 2_000)
    best: tuple[tuple[float, int], str, str] | None = None
    for encoding in dict.fromkeys(encodings):
        text = content.decode(encoding, errors="replace")
        errors, mess = text.count(REPLACEMENT), _mess(text)
        rank = (round(mess, 2), errors)
        if errors <= allowed and mess < MAX_MESS and (best is None or rank < best[0]):
            best = (rank, encoding, text)
    return (best[1], best[2]) if best else None


def _mess(text: str) -> float:
    from charset_normalizer.md import mess_ratio

    return float(mess_ratio(text[:MESS_SAMPLE_CHARS], 1.0))  # a lower bound would stop it early


def _plausible(text: str) -> bool:
    """False for mojibake: the text of the wrong legacy codec is full of mixed scripts and symbols."""
    return _mess(text) < MAX_MESS


def _looks_like_broken_utf8(content: bytes, share: float = 0.8) -> bool:
    """Mostly well-formed UTF-8 with some invalid bytes: damaged UTF-8, not some legacy encoding.

    `share` is the part of the high bytes that must form UTF-8 sequences (lower when the page declares UTF-8).
    """
    if content.isascii() or _strict(content, "utf-8") is not None:
        return False
    high_bytes = sum(1 for byte in content if byte >= 0x80)
    in_sequences = sum(len(match) for match in _UTF8_SEQUENCE.findall(content))
    return in_sequences >= high_bytes * share


def _strict(content: bytes, encoding: str) -> str | None:
    """The text, or None when the bytes are invalid or the result holds more than a few U+FFFD."""
    try:
        text = content.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        return None
    replaced = text.count(REPLACEMENT)
    return None if replaced > max(MAX_LITERAL_REPLACEMENTS, len(text) // 10_000) else text


def _without_replacements(text: str, url: str) -> str:
    """A few stray invalid bytes, or U+FFFD in the page itself: drop them, and say so in the log."""
    if REPLACEMENT in text:
        log.warning("%s: dropped %d invalid or U+FFFD characters", url, text.count(REPLACEMENT))
    return text.replace(REPLACEMENT, "")
