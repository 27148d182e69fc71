"""Issue 11, item 10: a per-page budget. Deep nesting keeps its text, declared UTF-8 with bad bytes shows U+FFFD,
90,000 identical paragraphs are one, and extraction that overruns its wall-clock budget is cut off."""

from __future__ import annotations

import threading

import pytest

import crawler.pipeline.page as page_module
from crawler.errors import ExtractError
from crawler.extract.budget import MAX_DEPTH, flatten_deep_nesting
from crawler.extract.decode import decode_html
from crawler.extract.page import extract
from crawler.fetch.values import Fetched
from crawler.pipeline.page import extract_within_budget

SENTENCE = "Deep text that must survive the nesting, a whole real sentence of the article."


def test_text_nested_100000_levels_deep_keeps_its_text() -> None:
    html = "<html><body>" + "<div>" * 100_000 + f"<p>{SENTENCE}</p>" + "</div>" * 100_000 + "</body></html>"
    assert SENTENCE in extract(html, "https://blog.example/deep", None).article.paragraphs


def test_flattening_leaves_ordinary_pages_alone() -> None:
    html = "<html><body>" + "<div><p>a<br>b</p><ul><li>x<li>y</ul></div>" * 1000 + "</body></html>"
    assert flatten_deep_nesting(html) is html
    deep = "<section>" * (MAX_DEPTH + 50) + "t" + "</section>" * (MAX_DEPTH + 50)
    assert flatten_deep_nesting(deep).count("<section>") == MAX_DEPTH


@pytest.mark.parametrize("http_charset", [None, "utf-8"])
def test_declared_utf8_with_invalid_bytes_shows_replacement_characters(http_charset: str | None) -> None:
    body = "<p>Café 台灣 señor naïve — “quoted” text with some accents and 中文字 in it.</p>".encode()
    content = b'<html><head><meta charset="utf-8"></head><body>' + body + b"<p>bad \xff\xfe\xc3 bytes</p></body></html>"
    text = decode_html(content, url="https://blog.example/u", http_charset=http_charset).text
    assert "Café 台灣 señor" in text and "\ufffd" in text


def test_90000_identical_paragraphs_are_one() -> None:
    paragraph = "<p>The same paragraph of text, said again and again and again.</p>"
    html = "<html><body><article><h1>Same</h1>" + paragraph * 90_000 + "<p>One other line of real text here.</p>" \
           "</article></body></html>"
    article = extract(html, "https://blog.example/same", None).article
    assert article.paragraphs.count("The same paragraph of text, said again and again and again.") == 1


async def test_an_extraction_over_its_budget_is_cut_off(monkeypatch: pytest.MonkeyPatch) -> None:
    release = threading.Event()

    def stuck(fetched: Fetched, source: object, *, memory: object = None, keep: object = None) -> object:
        release.wait(10)
        raise AssertionError("never reached in time")

    monkeypatch.setattr(page_module, "extract_page", stuck)
    with pytest.raises(ExtractError, match="per-page budget"):  # not the stub's AssertionError 10 s later
        await extract_within_budget(Fetched.example(), None, seconds=0.2)
    release.set()
