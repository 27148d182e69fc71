"""Days a text mentions, as ISO dates, in Chinese, English, Indonesian, Spanish and Tagalog forms.

A date without a year takes the year that puts it closest before the reference day (an article reports what
happened, or what is due within weeks); a Chinese day alone (``今（20）日``, ``昨（14）日``, ``20日``) takes the
reference day's month, or the month before when the day is later than the reference day. ROC years (``111年``,
``民國111年``, ``本(111)年``) are converted.

>>> ref = date(2026, 1, 21)
>>> sorted(mentioned_dates("Selasa, 20 Januari 2026 dan 1月19日, 昨（20）日, Jan. 18", ref))
['2026-01-18', '2026-01-19', '2026-01-20']
>>> sorted(mentioned_dates("on Nov. 22 in Taipei", date(2026, 11, 21), partial=True))
['--11-22', '2026-11-22']
"""

from __future__ import annotations

import functools
from collections.abc import Iterator, Sequence
from datetime import date, datetime, timedelta

import regex

_MONTHS = {
    1: "january jan januari enero", 2: "february feb februari febrero pebrero",
    3: "march mar maret marzo marso", 4: "april apr abril", 5: "may mei mayo",
    6: "june jun juni junio hunyo", 7: "july jul juli julio hulyo",
    8: "august aug agustus agosto", 9: "september sep sept septiembre setiembre setyembre",
    10: "october oct oktober octubre oktubre okt", 11: "november nov noviembre nobyembre",
    12: "december dec desember diciembre disyembre des dic",
}
_MONTH_OF = {name: number for number, names in _MONTHS.items() for name in names.split()}
_MONTH = "|".join(sorted(_MONTH_OF, key=len, reverse=True))
_YEAR = r"(?:19|20)\d\d"
_DAY = r"[0-3]?\d"
_ISO = regex.compile(rf"(?<!\d)({_YEAR})[-/.](1[0-2]|0?[1-9])[-/.]({_DAY})(?!\d)")
# "January 20, 2026", "Jan. 20", "Nov. 30 (CNA)", "Jan. 10 to 13"
_MONTH_DAY = regex.compile(
    rf"(?<!\p{{L}})({_MONTH})\.?\s+({_DAY})(?:st|nd|rd|th)?(?:\s*(?:-|–|to|and)\s*({_DAY}))?(?!\d)"
    rf"(?:,?\s+({_YEAR}))?",
    regex.IGNORECASE,
)
# "20 Januari 2026", "30 de noviembre de 2024", "25-30 Agustus 2025", "Setyembre 4, 2025" is _MONTH_DAY
# "(?=\d)": every match starts with a digit; saying so first lets the engine pass over every other position at
# once instead of trying the optional leading day there (~200 µs on a 400-character text before, 14 µs so; the
# same lookahead slows the other patterns, whose first characters are less rare).
_DAY_MONTH = regex.compile(
    rf"(?=\d)(?<!\d)(?:({_DAY})\s*(?:-|–|s\.d\.|sampai|hingga|al|y)\s*)?({_DAY})(?:st|nd|rd|th)?\s+(?:de\s+)?"
    rf"({_MONTH})(?!\p{{L}})\.?(?:,?\s+(?:de\s+)?({_YEAR}))?",
    regex.IGNORECASE,
)
_ZH_NUM = r"[0-9〇零一二两兩三四五六七八九十]{1,3}"
_ZH_YEAR = rf"(?:({_YEAR})|(?:民国|民國|本|今|去|明)?[(（]?(\d{{2,3}})[)）]?)\s*年"
_ZH_DATE = regex.compile(
    rf"(?:{_ZH_YEAR})?\s*({_ZH_NUM})\s*月\s*({_ZH_NUM})\s*[日号號](?:\s*(?:至|到|-|–|~)\s*({_ZH_NUM})\s*[日号號])?"
)
_ZH_DAY = regex.compile(rf"(?<![月\d])(?:今|昨|前|本月|同|于|於)?\s*[(（]?\s*({_ZH_NUM})\s*[)）]?\s*[日号號](?!本|元)")
_WEEKDAYS = {
    "Monday": 0, "Tuesday": 1, "Wednesday": 2, "Thursday": 3, "Friday": 4, "Saturday": 5, "Sunday": 6,
    "Senin": 0, "Selasa": 1, "Rabu": 2, "Kamis": 3, "Jumat": 4, "Sabtu": 5, "Minggu": 6,
    "lunes": 0, "martes": 1, "miércoles": 2, "jueves": 3, "viernes": 4, "sábado": 5, "domingo": 6,
}
_WEEKDAY = regex.compile(rf"(?<!\p{{L}})({'|'.join(_WEEKDAYS)})(?!\p{{L}})")
_ZH_WEEKDAY = regex.compile(r"(?:星期|週|周|礼拜|禮拜)([一二三四五六日天])")
_ZH_WEEKDAY_OF = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6}
_ZH_DIGITS = {"〇": 0, "零": 0, "一": 1, "二": 2, "两": 2, "兩": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7,
              "八": 8, "九": 9}


def as_day(value: date | datetime | str | None) -> date | None:
    """The calendar day of a published value (a date, a datetime or an ISO string), else None.

    >>> as_day("2025-12-02T20:18+08:00"), as_day("soon")
    (datetime.date(2025, 12, 2), None)
    """
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(value.strip()[:10])
    except ValueError:
        return None


def small_zh_number(text: str) -> int | None:
    """Arabic or Chinese numerals up to 99: ``"20"``, ``"二十"``, ``"十四"``, ``"〇九"``.

    >>> small_zh_number("二十四"), small_zh_number("十"), small_zh_number("14")
    (24, 10, 14)
    """
    if text.isdigit():
        return int(text)
    if "十" in text:
        tens, _, ones = text.partition("十")
        high = _ZH_DIGITS.get(tens, -100) if tens else 1
        low = _ZH_DIGITS.get(ones, -100) if ones else 0
        value = high * 10 + low
        return value if value >= 0 else None
    digits = [_ZH_DIGITS.get(char) for char in text]
    if any(digit is None for digit in digits):
        return None
    return int("".join(str(digit) for digit in digits))


def _make(year: int | None, month: int | None, day: int | None, ref: date) -> date | None:
    if month is None or day is None or not 1 <= month <= 12 or not 1 <= day <= 31:
        return None
    if year is not None:
        return _safe(year, month, day)
    best: date | None = None
    for candidate_year in (ref.year + 1, ref.year, ref.year - 1):
        candidate = _safe(candidate_year, month, day)
        if candidate is not None and candidate <= ref + timedelta(days=45):
            best = candidate
            break
    return best


def _safe(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _roc_or_ad(ad: str | None, roc: str | None) -> int | None:
    if ad:
        return int(ad)
    if roc:
        value = int(roc)
        return value + 1911 if value < 200 else None
    return None


Matches = Sequence["regex.Match[str]"]


def _latin_dates(iso: Matches, month_day: Matches, day_month: Matches, ref: date) -> Iterator[tuple[date | None, bool]]:
    """The days of the Latin-script patterns' matches (``_ISO``, ``_MONTH_DAY``, ``_DAY_MONTH``) in one text."""
    for m in iso:
        yield _make(int(m[1]), int(m[2]), int(m[3]), ref), True
    for m in month_day:
        year = int(m[4]) if m[4] else None
        month = _MONTH_OF[m[1].lower()]
        for day in (m[2], m[3]):
            if day:
                yield _make(year, month, int(day), ref), year is not None
    for m in day_month:
        year = int(m[4]) if m[4] else None
        month = _MONTH_OF[m[3].lower()]
        for day in (m[1], m[2]):
            if day:
                yield _make(year, month, int(day), ref), year is not None


def _chinese_dates(zh_date: Matches, zh_day: Matches, ref: date) -> Iterator[tuple[date | None, bool]]:
    """The days of ``_ZH_DATE``'s and ``_ZH_DAY``'s matches in one text (a day inside a full date is not one)."""
    spans: list[tuple[int, int]] = []
    for m in zh_date:
        spans.append(m.span())
        year, month = _roc_or_ad(m[1], m[2]), small_zh_number(m[3])
        for day in (m[4], m[5]):
            if day:
                yield _make(year, month, small_zh_number(day), ref), year is not None
    for m in zh_day:
        if any(start <= m.start() < end for start, end in spans):
            continue
        day = small_zh_number(m[1])
        if day is None or not 1 <= day <= 31:
            continue
        month_ref = ref if day <= ref.day + 1 else (ref.replace(day=1) - timedelta(days=1))
        yield _safe(month_ref.year, month_ref.month, day), False


def _weekdays(text: str, ref: date) -> Iterator[date]:
    """"on Thursday", "Selasa", "週四": the last such day on or before the reference day."""
    numbers = [_WEEKDAYS[m[1]] for m in _WEEKDAY.finditer(text)]
    if has_han(text):
        numbers.extend(_ZH_WEEKDAY_OF[m[1]] for m in _ZH_WEEKDAY.finditer(text))
    for weekday in set(numbers):
        yield ref - timedelta(days=(ref.weekday() - weekday) % 7)


def mentioned_dates(text: str, ref: date, partial: bool = False) -> frozenset[str]:
    """ISO days mentioned in ``text``, relative to the reference day ``ref`` for dates without a year and for
    weekdays. With ``partial`` (the reference day is not a publication day, so a year taken from it may be
    wrong), a month and day written without a year also give ``--MM-DD``, and weekdays are left out."""
    latin = tuple(list(pattern.finditer(text)) for pattern in _LATIN)
    han = (list(_ZH_DATE.finditer(text)), list(_ZH_DAY.finditer(text))) if has_han(text) else None
    return _mentioned(text, ref, partial, latin, han)


def _mentioned(
    text: str, ref: date, partial: bool, latin: Sequence[Matches], han: tuple[Matches, Matches] | None
) -> frozenset[str]:
    """:func:`mentioned_dates` from the patterns' matches in ``text``: ``latin`` those of ``_ISO``,
    ``_MONTH_DAY``, ``_DAY_MONTH``; ``han`` those of ``_ZH_DATE``, ``_ZH_DAY`` (None for a text without Han)."""
    found: set[str] = set()
    iso, month_day, day_month = latin
    dated = list(_latin_dates(iso, month_day, day_month, ref))
    if han is not None:
        dated.extend(_chinese_dates(han[0], han[1], ref))
    for day, has_year in dated:
        if day is None:
            continue
        found.add(day.isoformat())
        if partial and not has_year:
            found.add(f"--{day.month:02d}-{day.day:02d}")
    if not partial:
        found.update(day.isoformat() for day in _weekdays(text, ref))
    return frozenset(found)


_HAN = regex.compile(r"\p{Han}")
_LATIN = (_ISO, _MONTH_DAY, _DAY_MONTH)


@functools.lru_cache(maxsize=1024)
def has_han(text: str) -> bool:
    """Whether ``text`` has a Han character (cached: one text is asked several times)."""
    return _HAN.search(text) is not None


def dates_and_rest(text: str, ref: date, partial: bool = False) -> tuple[frozenset[str], str]:
    """``mentioned_dates(text, ref, partial)`` and ``strip_dates(text)`` in fewer passes of the date patterns.

    :func:`strip_dates` runs each pattern on the text the patterns before it blanked; while none of them matched,
    that text is ``text`` itself, so the matches are those :func:`mentioned_dates` needs (which reads every
    pattern on ``text``): each pattern runs once, and again on ``text`` only after an earlier one blanked
    something. ``_ZH_DATE`` and ``_ZH_DAY`` cannot match a text without Han (``月``, ``日`` are) and are not run.
    """
    han = has_han(text)
    blanked = text
    latin: list[Matches] = []
    for pattern in _LATIN:
        matches = list(pattern.finditer(blanked))
        latin.append(matches if blanked is text else list(pattern.finditer(text)))
        blanked = _blank(blanked, matches)
    if not han:
        return _mentioned(text, ref, partial, latin, None), blanked
    zh_date = list(_ZH_DATE.finditer(blanked))
    zh_date_on_text = zh_date if blanked is text else list(_ZH_DATE.finditer(text))
    blanked = _blank(blanked, zh_date)
    zh_day: Matches = list(_ZH_DAY.finditer(blanked)) if has_han(blanked) else []
    zh_day_on_text = zh_day if blanked is text else list(_ZH_DAY.finditer(text))
    return _mentioned(text, ref, partial, latin, (zh_date_on_text, zh_day_on_text)), _blank(blanked, zh_day)


def _blank(text: str, matches: Matches) -> str:
    """``text`` with each match replaced by as many spaces (what ``pattern.sub`` of :func:`strip_dates` gives)."""
    if not matches:
        return text
    pieces: list[str] = []
    end = 0
    for m in matches:
        start, stop = m.span()
        pieces.append(text[end:start])
        pieces.append(" " * (stop - start))
        end = stop
    pieces.append(text[end:])
    return "".join(pieces)


_URL_DAY = regex.compile(r"/((?:19|20)\d\d)[/-]?(1[0-2]|0[1-9])[/-]?([0-3]\d)(?:\d{4,6})?(?=[/._?#-]|$)")


def url_day(url: str) -> date | None:
    """A publication day written in a URL path (``/20260115/``, ``/2022/10/07/``, ``/202412010011``).

    >>> url_day("https://www.ettoday.net/news/20260115/3101855.htm")
    datetime.date(2026, 1, 15)
    """
    m = _URL_DAY.search(url)
    if m is None:
        return None
    return _safe(int(m[1]), int(m[2]), int(m[3]))


def reference_day(published: date | datetime | str | None, first_seen: datetime, url: str) -> tuple[date, bool]:
    """The day an entry speaks from, and whether it is a publication day (not just when it was first seen)."""
    day = as_day(published) or url_day(url)
    if day is not None:
        return day, True
    return first_seen.date(), False


def strip_dates(text: str) -> str:
    """``text`` with every date form blanked out (so its digits are not read as numbers)."""
    for pattern in (_ISO, _MONTH_DAY, _DAY_MONTH, _ZH_DATE):
        text = pattern.sub(lambda m: " " * len(m.group()), text)
    return _ZH_DAY.sub(lambda m: " " * len(m.group()), text) if has_han(text) else text
