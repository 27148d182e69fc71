"""What story linking reads of an entry (``StoryDoc``), what it computes once per entry (``Anchors``, storable as
JSON) and what it says about a pair (``LinkEvidence``)."""

from __future__ import annotations

import base64
import functools
import json
import struct
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Literal

LinkReason = Literal["near_duplicate", "alternate_link", "parallel_url", "anchors"]


@dataclass(frozen=True, slots=True)  # one per candidate scored: slots build faster
class StoryDoc:
    """One stored entry as linking needs it; ``text`` is the body in the seed schema (one paragraph a line).

    ``first_seen`` is read by :func:`rules.stories.anchors_of` (the day of an entry without a publication day);
    a stored candidate, scored from its stored anchors, may leave it out (None).
    """

    entry_id: int
    language: str | None
    title: str | None
    text: str
    published: date | datetime | str | None
    first_seen: datetime | None
    url: str
    source_id: str
    alternates: tuple[str, ...] = ()


@dataclass(frozen=True)
class Anchors:
    """Language-independent evidence of one entry.

    ``numbers``: normalised numbers ("5.7%", "1.442e10", "77"); ``dates``: ISO days the text mentions;
    ``names``: Latin-script names and acronyms (lower case), gazetteer ids (``p:lin-chia-lung``), Chinese names
    given beside a Latin form (``zh:林佳龙``, Simplified); ``concepts``: concept groups hit; ``day``: the
    publication day (else the first-seen day); ``sketch``: bottom-k hashes of the text's shingles and ``size``
    the number of shingles (same-language near-duplicates); ``script``: "han" or "latin" (what the shingles are).
    """

    numbers: frozenset[str] = frozenset()
    dates: frozenset[str] = frozenset()
    names: frozenset[str] = frozenset()
    concepts: frozenset[str] = frozenset()
    day: str | None = None
    published: bool = False
    sketch: tuple[int, ...] = ()
    size: int = 0
    script: str = "latin"
    language: str | None = None

    def to_json(self) -> str:
        """A compact JSON object; :meth:`from_json` gives back an equal value."""
        data: dict[str, Any] = {
            "numbers": sorted(self.numbers), "dates": sorted(self.dates), "names": sorted(self.names),
            "concepts": sorted(self.concepts), "day": self.day, "published": self.published,
            "sketch": _pack(self.sketch), "size": self.size, "script": self.script, "language": self.language,
        }
        return json.dumps(data, ensure_ascii=False, separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str) -> Anchors:
        """The anchors :meth:`to_json` wrote; one value per text while it is among the last
        :data:`DECODED_KEPT` decoded (a candidate is decoded for every new entry near it in time, and the
        scoring's per-anchors facts are then found by identity)."""
        return _decoded(text)


DECODED_KEPT = 4096


@functools.lru_cache(maxsize=DECODED_KEPT)
def _decoded(text: str) -> Anchors:
    data = json.loads(text)
    return Anchors(
        numbers=frozenset(data["numbers"]), dates=frozenset(data["dates"]), names=frozenset(data["names"]),
        concepts=frozenset(data["concepts"]), day=data["day"], published=bool(data["published"]),
        sketch=_unpack(data["sketch"]), size=int(data["size"]), script=str(data["script"]),
        language=data["language"],
    )


def _pack(sketch: tuple[int, ...]) -> str:
    """The sketch as base64 of big-endian unsigned 64-bit integers: a third of the JSON list's size, and
    decoding it is one ``struct`` call (candidates' anchors are decoded for every link)."""
    return base64.b64encode(struct.pack(f">{len(sketch)}Q", *sketch)).decode("ascii")


def _unpack(value: str | list[int]) -> tuple[int, ...]:
    """:func:`_pack` reversed; anchors stored before it hold a JSON list of integers."""
    if isinstance(value, list):
        return tuple(int(v) for v in value)
    raw = base64.b64decode(value)
    return struct.unpack(f">{len(raw) // 8}Q", raw)


@dataclass(frozen=True)
class LinkEvidence:
    """Why two entries are one story: a score in [0, 1], the kind of evidence and which anchors matched."""

    score: float
    reason: LinkReason
    shared: dict[str, list[str]] = field(default_factory=dict)

    def to_json(self) -> str:
        data = {"score": round(self.score, 4), "reason": self.reason, "shared": self.shared}
        return json.dumps(data, ensure_ascii=False, separators=(",", ":"), sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> LinkEvidence:
        data = json.loads(text)
        shared = {str(k): [str(v) for v in values] for k, values in data["shared"].items()}
        return cls(float(data["score"]), data["reason"], shared)
