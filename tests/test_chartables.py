"""The shipped character classes are those the installed Unicode, regex and OpenCC databases give."""

from __future__ import annotations

import pytest

from rules import charclasses, chartables
from rules.chartables_build import TARGET, source, tables


def test_the_shipped_tables_are_what_the_generator_writes_now() -> None:
    assert TARGET.read_text(encoding="utf-8") == source(), "run: python -m rules.chartables_build"


def test_the_tables_are_computed_where_the_databases_differ(monkeypatch: pytest.MonkeyPatch) -> None:
    assert charclasses.shipped("HARD") == chartables.HARD
    monkeypatch.setattr(chartables, "VERSIONS", ("0.0.0", "0", "0"))
    assert charclasses.shipped("HARD") is None
    charclasses.hard.cache_clear()
    try:
        computed = charclasses.hard().pattern
    finally:
        charclasses.hard.cache_clear()
    assert computed == f"[{charclasses.class_of_ranges(chartables.HARD)}]"
    assert tables()["HARD"] == chartables.HARD
