"""The replica's data model: articles, per-site state, time formats and O(page) paging over lazy streams."""

from __future__ import annotations

import bisect
import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta, timezone
from email.utils import format_datetime

TPE = timezone(timedelta(hours=8), "Asia/Taipei")

SITE_IDS = (
    "mofa-en",
    "mofa-zh",
    "nspp-zh",
    "nspp-en",
    "nspp-id",
    "moda-en",
    "moda-zh",
    "focustaiwan",
    "cna",
    "blog",
)
LANG = {
    "mofa-en": "en",
    "mofa-zh": "zh",
    "nspp-zh": "zh",
    "nspp-en": "en",
    "nspp-id": "id",
    "moda-en": "en",
    "moda-zh": "zh",
    "focustaiwan": "en",
    "cna": "zh",
    "blog": "en",
}


@dataclass(frozen=True)
class Article:
    """One article. `paragraphs` is the article text as tidings must extract it (one line each)."""

    site: str
    id: str
    channel: str
    title: str
    paragraphs: tuple[str, ...]
    published: datetime
    modified: datetime
    topic: str = "none"
    seed: str | None = None
    updated: datetime | None = None
    index: int | None = None  # generated articles only
    extra: dict[str, str] = field(default_factory=dict, hash=False, compare=False)

    def with_text(self, paragraphs: tuple[str, ...], now: datetime) -> Article:
        return replace(self, paragraphs=paragraphs, modified=now, updated=now)


def rfc1123(dt: datetime) -> str:
    return format_datetime(dt.astimezone(UTC).replace(microsecond=0), usegmt=True)


def rfc822_tpe(dt: datetime) -> str:
    """`Fri, 05 Jun 2026 20:28:02 +0800`."""
    return format_datetime(dt.astimezone(TPE).replace(microsecond=0))


def iso(dt: datetime) -> str:
    return dt.astimezone(TPE).isoformat(timespec="seconds")


def ampm_zh(dt: datetime) -> str:
    """`2026/3/28 下午 04:32:00` (MOFA open data)."""
    t = dt.astimezone(TPE)
    half = "上午" if t.hour < 12 else "下午"
    h12 = t.hour % 12 or 12
    return f"{t.year}/{t.month}/{t.day} {half} {h12:02d}:{t.minute:02d}:{t.second:02d}"


def etag_of(body: bytes) -> str:
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


@dataclass
class Generator:
    """A lazy, deterministic stream of generated articles, newest first (index 0 = newest)."""

    count: int
    base: datetime
    step: timedelta
    channels: tuple[str, ...]
    make: Callable[[int], Article]

    def date(self, i: int) -> datetime:
        jitter = (i * 7919) % int(self.step.total_seconds() // 2)
        return self.base - self.step * i - timedelta(seconds=jitter)

    def channel(self, i: int) -> str:
        return self.channels[i % len(self.channels)]

    def newer_than(self, d: datetime) -> int:
        """How many generated articles are strictly newer than d."""
        lo, hi = 0, self.count
        while lo < hi:
            mid = (lo + hi) // 2
            if self.date(mid) > d:
                lo = mid + 1
            else:
                hi = mid
        return lo

    def in_channel(self, m: int, channel: str | None) -> int:
        """How many of the first m generated articles belong to channel (None: all)."""
        if channel is None:
            return m
        if channel not in self.channels:
            return 0
        c, n = self.channels.index(channel), len(self.channels)
        return max(0, (m - c + n - 1) // n)

    def nth(self, k: int, channel: str | None) -> int:
        if channel is None:
            return k
        return k * len(self.channels) + self.channels.index(channel)


@dataclass
class SiteState:
    site: str
    gen: Generator
    fixed: list[Article] = field(default_factory=list)  # seeds, corpus, published, newest first
    overrides: dict[int, Article] = field(default_factory=dict)  # edited generated articles
    by_id: dict[str, Article] = field(default_factory=dict)
    changed_at: datetime = field(default_factory=lambda: datetime(2026, 1, 1, tzinfo=UTC))
    redesign: bool = False
    redesign_at: datetime | None = None
    next_id: int = 0
    removed: dict[str, str] = field(default_factory=dict)  # article id -> how it answers: "404", "410", "home"
    unlisted: dict[str, Article] = field(default_factory=dict)  # removed fixed articles, kept for a restore

    def add_fixed(self, a: Article) -> None:
        self.by_id[a.id] = a
        self.fixed = sorted([*self.fixed, a], key=lambda x: x.published, reverse=True)

    def replace_fixed(self, a: Article) -> None:
        self.by_id[a.id] = a
        self.fixed = [a if (x.id == a.id) else x for x in self.fixed]

    def generated(self, i: int) -> Article:
        return self.overrides.get(i) or self.gen.make(i)

    def total(self, channel: str | None = None) -> int:
        f = sum(1 for a in self.fixed if channel is None or a.channel == channel)
        return f + self.gen.in_channel(self.gen.count, channel)

    def page(self, offset: int, limit: int, channel: str | None = None) -> list[Article]:
        """Articles [offset, offset+limit) of the merged newest-first stream, in O(#fixed + limit)."""
        fixed = [a for a in self.fixed if channel is None or a.channel == channel]
        positions = [self.gen.in_channel(self.gen.newer_than(a.published), channel) + j for j, a in enumerate(fixed)]
        total = len(fixed) + self.gen.in_channel(self.gen.count, channel)
        out: list[Article] = []
        j = bisect.bisect_left(positions, offset)
        k = offset - j
        for p in range(max(0, offset), min(total, offset + limit)):
            if j < len(fixed) and positions[j] == p:
                out.append(fixed[j])
                j += 1
            else:
                out.append(self.generated(self.gen.nth(k, channel)))
                k += 1
        return out

    def newest_date(self) -> datetime:
        first = self.page(0, 1)
        return first[0].published if first else datetime(2026, 1, 1, tzinfo=UTC)
