"""Dates in every form the target sites show (SITES.md), as aware values in the site's zone."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from crawler.extract.dates import ArticleDate, parse_date, parse_exact, parse_published_updated

CASES = [
    ("2026/3/28 下午 04:32:00", (), "2026-03-28T16:32+08:00"),
    ("2026/3/28 上午 09:05:00", (), "2026-03-28T09:05+08:00"),
    ("2026/3/28 下午 12:10:00", (), "2026-03-28T12:10+08:00"),
    ("2026/3/28 上午 12:10:00", (), "2026-03-28T00:10+08:00"),
    ("2026/3/28 下午 04:32:00", ("%Y/%m/%d %p %I:%M:%S",), "2026-03-28T16:32+08:00"),
    ("12/02/2025 08:18 PM", ("%m/%d/%Y %I:%M %p",), "2025-12-02T20:18+08:00"),
    ("12/02/2025 08:18 PM", (), "2025-12-02T20:18+08:00"),
    ("2016/03/19 10:48", ("%Y/%m/%d %H:%M",), "2016-03-19T10:48+08:00"),
    ("2016/03/19 10:48", (), "2016-03-19T10:48+08:00"),
    ("June 10, 2026", (), "2026-06-10"),
    ("June 10, 2026", ("%B %d, %Y",), "2026-06-10"),
    ("115-06-22", (), "2026-06-22"),
    ("民國113年5月1日", (), "2024-05-01"),
    ("113年5月1日", (), "2024-05-01"),
    ("2024年5月1日", (), "2024-05-01"),
    ("20 Januari 2026", (), "2026-01-20"),
    ("Selasa, 20 Januari 2026", (), "2026-01-20"),
    ("3 Mei 2025", (), "2025-05-03"),
    ("17 Agustus 2025", (), "2025-08-17"),
    ("25 Desember 2025", (), "2025-12-25"),
    ("Fri, 05 Jun 2026 20:28:02 +0800", (), "2026-06-05T20:28+08:00"),
    ("Fri, 05 Jun 2026 12:28:02 GMT", (), "2026-06-05T20:28+08:00"),
    ("2026-06-05T12:28:02Z", (), "2026-06-05T20:28+08:00"),
    ("2026-06-05T20:28:02+08:00", (), "2026-06-05T20:28+08:00"),
    ("2026-06-05T20:28:02", (), "2026-06-05T20:28+08:00"),
    ("2026-06-05", (), "2026-06-05"),
    ("• Date:2011-03-14 • Data Source:Department of Policy Planning", (), "2011-03-14"),
    ("• 發布時間:2022-03-08 • 資料來源:公眾外交協調會", (), "2022-03-08"),
]


@pytest.mark.parametrize(("text", "formats", "expected"), CASES)
def test_every_site_form_parses(text: str, formats: tuple[str, ...], expected: str) -> None:
    found = parse_date(text, formats=formats)
    assert found is not None
    assert found.iso() == expected
    assert found.value.tzinfo is not None


def test_day_only_dates_have_no_time() -> None:
    found = parse_date("2026-06-05")
    assert found is not None and not found.has_time


def test_aware_inputs_are_converted_into_the_site_zone() -> None:
    found = parse_date("2026-06-05T12:00:00+00:00", tz="Asia/Jakarta")
    assert found is not None
    assert found.value.utcoffset() is not None and found.iso() == "2026-06-05T19:00+07:00"


@pytest.mark.parametrize("text", ["today", "2 days ago", "yesterday", "", "hello world", "No. 260"])
def test_relative_words_and_noise_give_no_date(text: str) -> None:
    assert parse_date(text) is None


def test_update_date_takes_its_year_from_the_published_date() -> None:
    published, updated = parse_published_updated("2020/3/5 13:55(3/5 14:16 更新)")
    assert published is not None and updated is not None
    assert (published.iso(), updated.iso()) == ("2020-03-05T13:55+08:00", "2020-03-05T14:16+08:00")


def test_update_across_new_year_rolls_the_year() -> None:
    _, updated = parse_published_updated("2020/12/31 23:55（1/1 00:16 更新）")
    assert updated is not None and updated.iso() == "2021-01-01T00:16+08:00"


def test_no_update_marker_gives_none() -> None:
    published, updated = parse_published_updated("2016/03/19 10:48", formats=["%Y/%m/%d %H:%M"])
    assert published is not None and updated is None


def test_parse_exact_only_accepts_the_formats() -> None:
    assert parse_exact("12/02/2025 08:18 PM", formats=["%m/%d/%Y %I:%M %p"]) is not None
    assert parse_exact("Updated 12/02/2025", formats=["%m/%d/%Y %I:%M %p"]) is None


@given(st.datetimes(min_value=datetime(1950, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)))
def test_iso_round_trips(moment: datetime) -> None:
    # From a UTC instant, so that only wall times that exist in Taipei are built (none inside its 1970s DST gaps).
    value = moment.astimezone(ZoneInfo("Asia/Taipei")).replace(second=0, microsecond=0)
    text = ArticleDate(value, has_time=True).iso()
    found = parse_date(text)
    assert found is not None and found.iso() == text
