"""The generic path: main text without boilerplate, the title from the page, dates only from metadata."""

from __future__ import annotations

import pytest
from selectolax.lexbor import LexborHTMLParser

from crawler.extract.generic import extract_generic, metadata_published, page_title
from crawler.extract.page import extract

BODY = "".join(
    f"<p>Paragraph {i}. Senior representatives from Taiwan and the United States convened for a strategic "
    f"dialogue on artificial intelligence, semiconductors and drones, officials said on Tuesday.</p>"
    for i in range(1, 7)
)


def blog_page(head: str = "", article_extra: str = "") -> str:
    return f"""<html><head><title>Taiwan and U.S. deepen tech ties - Tech Blog</title>{head}</head><body>
<div class="topbar"><span>Wednesday, January 28, 2026</span></div>
<nav><a>Home</a><a>News/Blog</a></nav>
<div class="breadcrumb">HomeNews/BlogTaiwan and U.S. deepen tech ties</div>
<article>{article_extra}<h1>Taiwan and U.S. deepen tech ties</h1>{BODY}<p>source</p></article>
<div class="related"><h4>RELATED ARTICLES</h4><ul><li><a>Another story</a></li></ul></div>
<div id="respond"><h3>LEAVE A REPLY</h3><p>Please enter your comment!</p><form><textarea></textarea></form></div>
<aside><h4>Most Popular</h4><h4>Recent Comments</h4></aside>
<footer>Blogarama - Blog Directory 8e3055d3-6131-49a1-9717-82ccecc4bb7a</footer></body></html>"""


def test_generic_text_is_the_article_only() -> None:
    text = extract(blog_page(), "https://blog.example/2026/01/27/ties/", None).article.to_text()
    lines = text.splitlines()
    assert lines[0] == "Taiwan and U.S. deepen tech ties"
    assert lines[1].startswith("Paragraph 1.") and lines[6].startswith("Paragraph 6.")
    for junk in ("RELATED ARTICLES", "LEAVE A REPLY", "Most Popular", "8e3055d3", "HomeNews", "January 28"):
        assert junk not in text


def test_a_site_wide_today_date_is_never_the_article_date() -> None:
    assert extract(blog_page(), "https://blog.example/a/", None).article.published is None


@pytest.mark.parametrize(
    ("head", "extra"),
    [
        ('<meta property="article:published_time" content="2026-01-27T09:30:00+00:00">', ""),
        ('<meta itemprop="datePublished" content="2026-01-27T17:30:00+08:00">', ""),
        (
            '<script type="application/ld+json">{"@graph": [{"datePublished": "2026-01-27T17:30:00+08:00"}]}</script>',
            "",
        ),
        ("", '<time datetime="2026-01-27T17:30:00+08:00">Jan 27</time>'),
    ],
)
def test_the_date_comes_from_article_metadata(head: str, extra: str) -> None:
    article = extract(blog_page(head, extra), "https://blog.example/a/", None).article
    assert article.published is not None and article.published.iso() == "2026-01-27T17:30+08:00"


def test_metadata_date_ignores_broken_json_ld() -> None:
    page = LexborHTMLParser('<script type="application/ld+json">{broken</script><p>x</p>')
    assert metadata_published(page) is None


def test_title_prefers_a_single_h1_then_og_title() -> None:
    assert page_title(LexborHTMLParser("<title>T - Site</title><h1>Head</h1>")) == "Head"
    two = '<meta property="og:title" content="OG"><title>T - Site</title><h1>A</h1><h1>B</h1>'
    assert page_title(LexborHTMLParser(two)) == "OG"
    assert page_title(LexborHTMLParser("<title> Only  title </title><p>x</p>")) == "Only title"


def test_short_precise_result_is_widened_by_recall() -> None:
    page = (
        "<html><body><div><p>Short lead sentence of an item.</p><div>More text follows here in a div "
        "without paragraph markup that a precise extractor might skip entirely.</div></div></body></html>"
    )
    result = extract_generic(page, "https://x.test/short")
    assert any("Short lead sentence" in paragraph for paragraph in result.paragraphs)


@pytest.mark.parametrize("placeholder", ["0001-01-01T00:00:00Z", "1-01-01T08:06+08:06", "1970-01-01", "2999-05-05"])
def test_placeholder_and_future_dates_are_refused(placeholder: str) -> None:
    page = (f'<html><head><meta property="article:published_time" content="{placeholder}">'
            '<meta itemprop="datePublished" content="2025-12-02T10:00:00+08:00"></head>'
            "<body><h1>T</h1><article><p>" + "Words here. " * 30 + "</p></article></body></html>")
    published = extract_generic(page, "https://x.test/a").published
    assert published is not None and published.iso() == "2025-12-02T10:00+08:00"  # the next, real one
