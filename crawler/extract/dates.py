"""Dates in the forms the target sites use, as timezone-aware values in the site's zone.

>>> ArticleDate(datetime(2025, 12, 2, 20, 18, tzinfo=ZoneInfo("Asia/Taipei")), has_time=True).iso()
'2025-12-02T20:18+08:00'
>>> parse_date("2026/3/28 下午 04:32:00").iso()
'2026-03-28T16:32+08:00'
>>> parse_date("115-06-22").iso()
'2026-06-22'
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from zoneinfo import ZoneInfo

ROC_OFFSET = 1911


@dataclass(frozen=True)
class ArticleDate:
    """A point in time as a page shows it: with a time of day, or only the day."""

    value: datetime  # always timezone-aware, in the site's zone
    has_time: bool

    def iso(self) -> str:
        """The seed-schema form: `2025-12-02T20:18+08:00`, or `2025-12-02` for a day."""
        if not self.has_time:
            return self.value.date().isoformat()
        offset = self.value.strftime("%z")
        return self.value.strftime("%Y-%m-%dT%H:%M") + offset[:3] + ":" + offset[3:]


MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("january", "jan", "januari"),
            ("february", "feb", "februari", "pebruari"),
            ("march", "mar", "maret"),
            ("april", "apr"),
            ("may", "mei"),
            ("june", "jun", "juni"),
            ("july", "jul", "juli"),
            ("august", "aug", "agustus", "agu", "agt"),
            ("september", "sep", "sept"),
            ("october", "oct", "oktober", "okt"),
            ("november", "nov", "nopember"),
            ("december", "dec", "desember", "des"),
        ),
        start=1,
    )
    for name in names
}
_MONTH = r"(?P<month>[A-Za-z]{3,9})\.?"
_AMPM = r"上午|下午|[AaPp]\.?[Mm]\.?"
_TIME = (
    rf"(?:[T\s,]+(?P<ampm1>{_AMPM})?\s*(?P<hour>\d{{1,2}})[:.](?P<minute>\d{{2}})"
    rf"(?::(?P<second>\d{{2}}))?\s*(?P<ampm2>{_AMPM})?)?"
)
_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (kind, re.compile(pattern))
    for kind, pattern in (
        ("ymd", r"民國\s*(?P<year>\d{2,3})\s*年\s*(?P<month>\d{1,2})\s*月\s*(?P<day>\d{1,2})\s*日" + _TIME),
        ("ymd", r"(?<!\d)(?P<year>\d{2,4})\s*年\s*(?P<month>\d{1,2})\s*月\s*(?P<day>\d{1,2})\s*日" + _TIME),
        ("ymd", r"(?<!\d)(?P<year>\d{4})[-/.](?P<month>\d{1,2})[-/.](?P<day>\d{1,2})(?!\d)" + _TIME),
        ("mdy", r"(?<!\d)(?P<month>\d{1,2})/(?P<day>\d{1,2})/(?P<year>\d{4})(?!\d)" + _TIME),
        ("ymd", r"(?<![\d/])(?P<year>\d{2,3})[-/](?P<month>\d{1,2})[-/](?P<day>\d{1,2})(?![\d/])" + _TIME),
        ("named", _MONTH + r"\s+(?P<day>\d{1,2}),?\s+(?P<year>\d{4})" + _TIME),
        ("named", r"(?<!\d)(?P<day>\d{1,2})\s+" + _MONTH + r",?\s+(?P<year>\d{4})" + _TIME),
    )
)
_ISO = re.compile(r"(?<!\d)\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?(?![\d:])")
_RFC822 = re.compile(r"\b\d{1,2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}(?::\d{2})? (?:[+-]\d{4}|GMT|UT|[A-Z]{3})")
_UPDATE = re.compile(
    r"[(（]\s*(?:(?P<year>\d{4})/)?(?P<month>\d{1,2})/(?P<day>\d{1,2})\s+(?P<hour>\d{1,2}):(?P<minute>\d{2})\s*更新\s*[)）]"
)


def parse_date(
    text: str, *, tz: str = "Asia/Taipei", formats: Sequence[str] = (), languages: Sequence[str] = ()
) -> ArticleDate | None:
    """The first date in `text`, in zone `tz`; `formats` (strptime) are tried first, dateparser last.

    >>> parse_date("12/02/2025 08:18 PM", formats=["%m/%d/%Y %I:%M %p"]).iso()
    '2025-12-02T20:18+08:00'
    >>> parse_date("Selasa, 20 Januari 2026").iso()
    '2026-01-20'
    """
    zone = ZoneInfo(tz)
    cleaned = " ".join(text.split())
    if not cleaned:
        return None
    parsers: tuple[Callable[[str, ZoneInfo], ArticleDate | None], ...] = (
        lambda value, zone: _with_formats(value, zone, formats),
        _iso,
        _rfc822,
        _patterns,
        lambda value, zone: _dateparser(value, zone, languages),
    )
    for parser in parsers:
        found = parser(cleaned, zone)
        if found is not None:
            return found
    return None


def parse_exact(text: str, *, tz: str = "Asia/Taipei", formats: Sequence[str] = ()) -> ArticleDate | None:
    """`text` (whitespace folded) parsed by one of the strptime `formats`, or None; no guessing.

    >>> parse_exact("2016/03/19 10:48", formats=["%Y/%m/%d %H:%M"]).iso()
    '2016-03-19T10:48+08:00'
    """
    return _with_formats(" ".join(text.split()), ZoneInfo(tz), formats)


def parse_published_updated(
    text: str, *, tz: str = "Asia/Taipei", formats: Sequence[str] = ()
) -> tuple[ArticleDate | None, ArticleDate | None]:
    """A published date and an optional `(M/D HH:MM 更新)` update date (its year from the published one).

    >>> [d.iso() for d in parse_published_updated("2020/3/5 13:55(3/5 14:16 更新)")]
    ['2020-03-05T13:55+08:00', '2020-03-05T14:16+08:00']
    """
    update = _UPDATE.search(text)
    published = parse_date(text[: update.start()] if update else text, tz=tz, formats=formats)
    if update is None or published is None:
        return published, None
    return published, _update_date(update, published)


def _update_date(update: re.Match[str], published: ArticleDate) -> ArticleDate | None:
    year = int(update["year"] or published.value.year)
    month, day = int(update["month"]), int(update["day"])
    if update["year"] is None and month < published.value.month:
        year += 1
    return _build(published.value.tzinfo, year, month, day, int(update["hour"]), int(update["minute"]))


def _build(
    zone: object, year: int, month: int, day: int, hour: int | None = None, minute: int = 0, second: int = 0
) -> ArticleDate | None:
    assert isinstance(zone, ZoneInfo)
    try:
        value = datetime(year, month, day, hour or 0, minute, second, tzinfo=zone)
    except ValueError:
        return None
    return ArticleDate(value, has_time=hour is not None)


def _in_zone(value: datetime, zone: ZoneInfo, has_time: bool) -> ArticleDate:
    if value.tzinfo is None:
        return ArticleDate(value.replace(tzinfo=zone), has_time)
    return ArticleDate(value.astimezone(zone), has_time)


def _with_formats(text: str, zone: ZoneInfo, formats: Sequence[str]) -> ArticleDate | None:
    english = _english_ampm(text)
    for fmt in formats:
        try:
            value = datetime.strptime(english, fmt)
        except ValueError:
            continue
        return _in_zone(value, zone, has_time=any(code in fmt for code in ("%H", "%I", "%M")))
    return None


def _english_ampm(text: str) -> str:
    return text.replace("上午", "AM").replace("下午", "PM")


def _iso(text: str, zone: ZoneInfo) -> ArticleDate | None:
    match = _ISO.search(text)
    if match is None:
        return None
    raw = match.group(0).replace(" ", "T").replace("Z", "+00:00")
    try:
        value = datetime.fromisoformat(raw)
    except ValueError:
        return None
    return _in_zone(value, zone, has_time="T" in raw)


def _rfc822(text: str, zone: ZoneInfo) -> ArticleDate | None:
    match = _RFC822.search(text)
    if match is None:
        return None
    try:
        return _in_zone(parsedate_to_datetime(match.group(0)), zone, has_time=True)
    except (TypeError, ValueError):
        return None


def _patterns(text: str, zone: ZoneInfo) -> ArticleDate | None:
    for kind, pattern in _PATTERNS:
        for match in pattern.finditer(text):
            found = _from_match(kind, match, zone)
            if found is not None:
                return found
    return None


def _from_match(kind: str, match: re.Match[str], zone: ZoneInfo) -> ArticleDate | None:
    month = MONTHS.get(match["month"].lower()) if kind == "named" else int(match["month"])
    if month is None:
        return None
    year = int(match["year"])
    if year < 1000:
        year += ROC_OFFSET
    hour = _hour(match)
    minute = int(match["minute"]) if hour is not None else 0
    second = int(match["second"] or 0) if hour is not None else 0
    return _build(zone, year, month, int(match["day"]), hour, minute, second)


def _hour(match: re.Match[str]) -> int | None:
    if match["hour"] is None:
        return None
    hour = int(match["hour"])
    marker = (match["ampm1"] or match["ampm2"] or "").lower().replace(".", "")
    if marker in ("pm", "下午") and hour < 12:
        return hour + 12
    if marker in ("am", "上午") and hour == 12:
        return 0
    return hour


def _dateparser(text: str, zone: ZoneInfo, languages: Sequence[str]) -> ArticleDate | None:
    import dateparser  # slow to import: only when every own parser failed

    settings = {
        "TIMEZONE": zone.key,
        "RETURN_AS_TIMEZONE_AWARE": True,
        "PARSERS": ["custom-formats", "absolute-time"],
        "REQUIRE_PARTS": ["day", "month", "year"],
        "STRICT_PARSING": True,
    }
    value = dateparser.parse(text[:200], languages=list(languages) or None, settings=settings)
    if value is None:
        return None
    return _in_zone(value, zone, has_time=bool(re.search(r"\d:\d\d", text)))


EARLIEST = datetime(1990, 1, 1, tzinfo=UTC)  # no source publishes earlier; 0001-01-01 and 1970-01-01 are placeholders


def plausible(found: ArticleDate | None, *, now: datetime | None = None) -> ArticleDate | None:
    """`found` if it can be an article's date: from 1990 to tomorrow; placeholders and future dates are refused.

    >>> plausible(parse_date("0001-01-01")), plausible(parse_date("1970-01-01")), plausible(parse_date("2099-01-01"))
    (None, None, None)
    >>> plausible(parse_date("2025-12-02")).iso()
    '2025-12-02'
    """
    if found is None:
        return None
    latest = (now or datetime.now(UTC)) + timedelta(days=1)
    return found if EARLIEST <= found.value <= latest else None


_URL_DATES = (
    re.compile(r"/(?P<year>(?:19|20)\d\d)/(?P<month>[01]?\d)/(?P<day>[0-3]?\d)(?:/|$)"),  # /2025/10/09/
    re.compile(r"/(?P<year>(?:19|20)\d\d)-(?P<month>[01]\d)-(?P<day>[0-3]\d)(?:/|$|[-_.])"),  # /2025-10-09/
    re.compile(r"[?&](?:date|d|day|pubdate|published)=(?P<year>(?:19|20)\d\d)-?(?P<month>[01]\d)-?(?P<day>[0-3]\d)\b"),
    re.compile(r"/(?P<year>(?:19|20)\d\d)(?P<month>[01]\d)(?P<day>[0-3]\d)(?:\d{4})?(?:$|[/?#.])"),  # /202510090017
)


def date_from_url(url: str, *, tz: str = "Asia/Taipei") -> ArticleDate | None:
    """The day an article URL names (`/2025/10/09/`, `/2025-10-09-`, `?date=2025-10-09`, CNA's `/202510090017`):
    the last resort when neither the page nor its listing shows a date. Only real days in 1990-2099 count.

    >>> date_from_url("https://www.cna.com.tw/news/aipl/202510090017.aspx").iso()
    '2025-10-09'
    >>> date_from_url("https://blog.example/2026/01/27/a-post/").iso()
    '2026-01-27'
    >>> date_from_url("https://x.tw/list?date=2025-12-02&page=3").iso()
    '2025-12-02'
    >>> date_from_url("https://moda.gov.tw/press/press-releases/49993") is None
    True
    """
    zone = ZoneInfo(tz)
    for pattern in _URL_DATES:
        for match in pattern.finditer(url):
            year = int(match["year"])
            if 1990 <= year <= 2099 and (found := _build(zone, year, int(match["month"]), int(match["day"]))):
                return found
    return None
