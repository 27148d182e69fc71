"""The language of articles from sources that do not name one."""

from __future__ import annotations

import pytest

from crawler.extract.language import article_language, declared_language, detect_language
from tests.shared import SEEDS, needs_shared

CLEAN = SEEDS / "clean"


@needs_shared
@pytest.mark.parametrize(
    ("seed", "language"), [("000", "id"), ("001", "id"), ("002", "en"), ("003", "en"), ("004", "en")]
)
def test_the_seed_articles_are_detected_in_their_language(seed: str, language: str) -> None:
    text = next(CLEAN.glob(f"{seed}_*.txt")).read_text(encoding="utf-8")
    assert detect_language(text) == language


def test_chinese_is_detected() -> None:
    assert detect_language("桃園市平鎮區一家輪胎行今天清晨發生大火，7人從火場中疏散。") == "zh"


def test_the_page_declaration_wins_and_short_text_is_undetermined() -> None:
    assert declared_language('<html lang="zh-TW"><body>AI</body></html>') == "zh-TW"
    assert article_language('<html lang="zh-TW"><body></body></html>', "Taiwan and Japan agreed.") == "zh-TW"
    assert article_language("<html><body></body></html>", "short") == "und"
