"""Golden tests: each seed page, served by the local replica, extracts to exactly `seeds/clean/<file>`."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import httpx
import pytest

from crawler.extract.decode import decode_html
from crawler.extract.page import extract
from crawler.extract.profile import PageRules, builtin_profiles
from tests.shared import SEEDS as SHARED_SEEDS
from tests.shared import needs_shared

SEEDS = SHARED_SEEDS / "clean"
SEED_PROFILES = {"000": "nspp-id", "001": "nspp-id", "002": "moda-en", "003": None, "004": "focustaiwan"}

pytestmark = needs_shared


@dataclass(frozen=True)
class GoldenCase:
    seed: str
    url: str
    html: str
    expected: str
    rules: PageRules | None


def clean_seed(seed: str) -> str:
    (path,) = SEEDS.glob(f"{seed}_*.txt")
    return path.read_text(encoding="utf-8")


def rules_for(seed: str, url: str) -> PageRules | None:
    profile_id = SEED_PROFILES[seed]
    return builtin_profiles()[profile_id].page_rules(url) if profile_id else None


@cache
def golden_cases() -> tuple[GoldenCase, ...]:
    """Every seed page fetched from the replica over HTTP and decoded; shared with the benchmark."""
    from tests.sites import ReplicaServer

    cases = []
    with ReplicaServer(port=0) as server, httpx.Client() as client:
        for seed, url in sorted(server.seeds().items()):
            response = client.get(url)
            response.raise_for_status()
            html = decode_html(response.content, url=url, http_charset=response.charset_encoding).text
            cases.append(GoldenCase(seed, url, html, clean_seed(seed), rules_for(seed, url)))
    return tuple(cases)


def golden_case(seed: str) -> GoldenCase:
    for case in golden_cases():
        if case.seed == seed:
            return case
    raise AssertionError(f"the replica serves no page for seed {seed}")


@pytest.mark.parametrize("seed", sorted(SEED_PROFILES))
def test_seed_page_extracts_to_the_clean_seed(seed: str) -> None:
    case = golden_case(seed)
    extraction = extract(case.html, case.url, case.rules)
    assert extraction.article.to_text().splitlines() == case.expected.splitlines()
    assert extraction.method == ("generic" if case.rules is None else "profile")
    assert not extraction.degraded, extraction.problems


def test_clean_seed_files_end_with_one_newline_like_to_text() -> None:
    for seed in SEED_PROFILES:
        text = clean_seed(seed)
        assert text.endswith("\n") and not text.endswith("\n\n")
