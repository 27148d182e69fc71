"""How much one shared anchor says: rare ones (a personal name, an exact amount) weigh more than common ones
(a country, "AI", a small number). Weights are static so a link can be scored from two entries alone."""

from __future__ import annotations

import functools

COMMON_ACRONYMS = frozenset({
    "AI", "US", "USA", "UN", "EU", "ROC", "PRC", "MOFA", "CNA", "NT", "USD", "NTD", "GDP", "CEO", "TV", "ICT",
    "IT", "PM", "VP", "MP", "NGO", "OK", "UK", "AM", "COVID", "COVID-19", "ID", "DPP", "KMT", "TPP",
    "NSP", "NSPP", "MODA", "MOEA", "TAIPEI", "TAIWAN", "ASEAN", "APEC", "G7", "G20", "WHO", "AIT",
})
PERSON = 3.0
NAME = 2.5
WORD = 1.0
ACRONYM = 1.2
COMMON = 0.3
PLACE = 0.4
ORGANISATION = 0.8
CONCEPT = 0.3
DATE = 1.2
ROUNDED = 1.5
"""An amount one entry states at the precision the other's rounds to ("over US$14 billion" / "US$14.42
billion", ``≈1.4e+10``): the same figure, less exact than an equal one."""
KEY_WEIGHT = 1.2
"""Anchors at least this heavy are blocking keys."""
MONTH_DAY_KEY_WEIGHT = 2.5
"""Month-day keys (undated entries, any year) use only the rarest anchors: names of people, exact amounts."""


@functools.lru_cache(maxsize=65536)
def name_weight(name: str) -> float:
    """``p:`` gazetteer people and ``zh:`` names weigh most, then multi-word names, acronyms, single words."""
    if name.startswith(("p:", "zh:")):
        return PERSON
    if name.startswith("c:"):
        return PLACE
    if name.startswith("o:"):
        return ORGANISATION
    if name != name.lower():
        return COMMON if name in COMMON_ACRONYMS else ACRONYM
    return NAME if " " in name else WORD


@functools.lru_cache(maxsize=65536)
def number_weight(number: str) -> float:
    """Percentages and exact large amounts weigh most; years and small counts little."""
    if number.endswith("%"):
        return 2.0
    if number.startswith("≈"):
        return ROUNDED
    if number.startswith("~"):
        return 0.6
    if "e+" in number or "." in number:
        return 2.0 if "e+" in number else 1.5
    value = int(number)
    if 1900 <= value <= 2100:
        return 0.6
    if value <= 10:
        return 0.15
    if value <= 31:
        return 0.4
    return 2.0 if value >= 1000 else 1.2
