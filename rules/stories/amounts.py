"""Numbers that survive translation, normalised: amounts with their scale, percentages, counts and ordinals.

``US$14.42 billion`` = ``USD 14,42 miliar`` = ``144.2億美元`` (``1.442e+10``); ``5.7 percent`` = ``5.7%``; ``77th``
= ``77週年`` = ``ke-77`` = ``七十七`` (``77``). Amounts also give a rounded form (``~1.4e+10``) so that "over US$14
billion" meets "US$14.42 billion". Indonesian and Spanish read ``,`` as the decimal mark and ``.`` before three
digits as a thousands separator. Dates are taken out first (see ``dates.strip_dates``).

>>> sorted(numbers_in("USD 14,42 miliar, 2.000 perusahaan, ke-13", "id"))
['1.442e+10', '13', '2000', '~1.4e+10']
>>> sorted(numbers_in("144.2億美元，成長5.7%，第七十七屆", "zh"))
['1.442e+10', '5.7%', '77', '~1.4e+10']
"""

from __future__ import annotations

import regex

_COMMA_DECIMAL = frozenset({"id", "ms", "es", "pt", "fr", "de", "it", "nl", "tr", "vi", "ru", "pl", "lt", "cs"})
_SCALE = {
    "thousand": 1e3, "ribu": 1e3, "mil": 1e3, "million": 1e6, "millones": 1e6, "millón": 1e6, "juta": 1e6,
    "mn": 1e6, "m": 1e6, "billion": 1e9, "bn": 1e9, "miliar": 1e9, "milyar": 1e9, "mil millones": 1e9,
    "trillion": 1e12, "triliun": 1e12, "萬": 1e4, "万": 1e4, "億": 1e8, "亿": 1e8, "兆": 1e12, "千": 1e3,
}
_PERCENT = r"%|percent|per cent|persen|por ciento|percentage points?|個百分點|个百分点"
_LATIN_SCALE = r"thousand|ribu|mil millones|millones|millón|million|juta|mn|billion|bn|miliar|milyar|trillion|triliun"
_ZH_SCALE = r"[十百千]?[萬万億亿兆]|[百千](?![萬万億亿兆])"
"""After digits: ``785百萬`` is 785 million, ``3千萬`` 30 million, ``2千`` 2,000."""
_NUMBER = regex.compile(
    rf"(?<![\p{{Latin}}\d.,])(\d{{1,3}}(?:[.,]\d{{3}})+(?:[.,]\d+)?|\d+(?:[.,]\d+)?)"
    rf"(?:\s?({_PERCENT})|\s?({_LATIN_SCALE})(?!\p{{L}})|\s?({_ZH_SCALE})|(?:st|nd|rd|th)(?!\p{{L}}))?"
    rf"(?![\p{{Latin}}\d])",
    regex.IGNORECASE,
)
_ZH_NUMERAL = regex.compile(  # not right after digits: that is a scale (``785百萬``), read with the digits
    r"(?<=第)[〇零一二两兩三四五六七八九十百千]+|(?<!\d\s?)[〇零一二两兩三四五六七八九十百千萬万億亿]{2,}"
)
_MONTH_DAY = r"(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])"
_COMPACT_DATE = regex.compile(rf"(?:1\d\d|(?:19|20)\d\d){_MONTH_DAY}")
"""A bare ``1150620`` (ROC year 115, June 20: the stamp CNA ends its articles with) or ``20260620`` is a day, not
an amount: two reports of one day would share it as if it were a figure they both give."""
_ZH_NOT_NUMBERS = ("十分", "一一", "万一", "萬一", "千万", "千萬", "一千零一", "三三两两", "一二")
_ZH_DIGIT = {"〇": 0, "零": 0, "一": 1, "二": 2, "两": 2, "兩": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7,
             "八": 8, "九": 9}
_ZH_UNIT = {"十": 10, "百": 100, "千": 1000}
_ZH_BIG = {"萬": 10**4, "万": 10**4, "億": 10**8, "亿": 10**8}


def canonical_number(value: float) -> str:
    """One spelling per value: integers as digits (below ten million), others in 4 significant digits.

    >>> canonical_number(2000.0), canonical_number(14.42e9), canonical_number(5.70)
    ('2000', '1.442e+10', '5.7')
    """
    if value == int(value) and abs(value) < 1e7:
        return str(int(value))
    return f"{value:.4g}"


def parse_digits(text: str, language: str | None) -> float | None:
    """``"14,42"`` in Indonesian is 14.42; ``"2,000"`` in English is 2000; ``"1.234,5"`` is 1234.5.

    >>> parse_digits("14,42", "id"), parse_digits("2,000", "en"), parse_digits("2.000", "id")
    (14.42, 2000.0, 2000.0)
    """
    comma_decimal = (language or "").lower()[:2] in _COMMA_DECIMAL
    if "," in text and "." in text:
        decimal = "," if text.rfind(",") > text.rfind(".") else "."
    elif "," in text or "." in text:
        mark = "," if "," in text else "."
        groups = text.split(mark)
        thousands = len(groups) > 2 or (len(groups[-1]) == 3 and (mark == ",") != comma_decimal)
        decimal = "" if thousands else mark
    else:
        decimal = ""
    separator = {",": ".", ".": ","}.get(decimal, ",.")
    cleaned = "".join(char for char in text if char not in separator)
    try:
        return float(cleaned.replace(",", ".")) if decimal else float(cleaned)
    except ValueError:
        return None


def zh_numeral(text: str) -> int | None:
    """A Chinese numeral (``七十七``, ``一百二十``, ``三千五百萬``, ``二〇二五``) as an integer.

    >>> zh_numeral("七十七"), zh_numeral("一百二十"), zh_numeral("三千五百萬"), zh_numeral("二〇二五")
    (77, 120, 35000000, 2025)
    """
    if all(char in _ZH_DIGIT for char in text):
        return int("".join(str(_ZH_DIGIT[char]) for char in text))
    total = section = digit = 0
    for char in text:
        if char in _ZH_DIGIT:
            digit = _ZH_DIGIT[char]
        elif char in _ZH_UNIT:
            section += (digit or 1) * _ZH_UNIT[char]
            digit = 0
        elif char in _ZH_BIG:
            total = (total + section + digit) * _ZH_BIG[char]
            section = digit = 0
        else:
            return None
    return total + section + digit


def numbers_in(text: str, language: str | None) -> frozenset[str]:
    """Normalised numbers of a text whose dates were already blanked out."""
    found: set[str] = set()
    for m in _NUMBER.finditer(text):
        value = parse_digits(m[1], language)
        if value is None:
            continue
        if m[2]:
            found.add(f"{canonical_number(value)}%")
            continue
        if not (m[3] or m[4]) and _COMPACT_DATE.fullmatch(m[1]):
            continue
        scale = _scale(m[3], m[4])
        _add_amount(found, value * scale, scaled=scale > 1)
    for m in _ZH_NUMERAL.finditer(text):
        if any(word in m.group() for word in _ZH_NOT_NUMBERS):
            continue
        number = zh_numeral(m.group())
        if number is not None and number > 0:
            _add_amount(found, float(number), scaled=number >= 10_000)
    return frozenset(found)


def _scale(latin: str | None, han: str | None) -> float:
    """The multiplier a scale word after digits gives: ``million`` 1e6, ``億`` 1e8, ``百萬`` 1e6 (100 x 1e4)."""
    if latin:
        return _SCALE.get(latin.lower(), 1.0)
    if not han:
        return 1.0
    value = 1.0
    for char in han:
        value *= _SCALE.get(char, float(_ZH_UNIT.get(char, 1)))
    return value


def _add_amount(found: set[str], value: float, scaled: bool) -> None:
    found.add(canonical_number(value))
    if scaled or value >= 10_000:
        found.add(f"~{value:.2g}")
