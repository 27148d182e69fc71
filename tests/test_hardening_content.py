"""Issue 11, item 4: alert content is bounded, shows hidden direction tricks, and pings no one."""

from __future__ import annotations

import pytest

from crawler.extract.cleanup import MAX_TITLE_CHARS, clean_article
from crawler.extract.page import extract
from rules.render import AlertView, render_alert, render_digest, render_template
from rules.safetext import TITLE_CHARS

FORMATS = ("text", "markdown", "html")
HIDDEN = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200b\u200d\u2060\ufeff"


def view(title: str, body: str = "Taiwan signs an AI pact.") -> AlertView:
    start = body.find("AI")
    evidence = ({"field": "body", "start": start, "end": start + 2, "term": "AI"},) if start >= 0 else ()
    return AlertView(rule="ai", kind="new", title=title, url="https://x.tw/1", source="cna", language="en",
                     published=None, body=body, evidence=evidence)


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_huge_title_and_body_are_capped(fmt: str) -> None:
    message = render_alert(view("T" * 1_000_000, "AI " + "x" * 1_000_000), fmt)  # type: ignore[arg-type]
    assert len(message.title) < TITLE_CHARS + 40 and len(message.body) < 3 * TITLE_CHARS + 1000
    digest = render_digest([view("T" * 1_000_000)] * 3, fmt)  # type: ignore[arg-type]
    assert len(digest.body) < 3 * (TITLE_CHARS + 200)


@pytest.mark.parametrize("fmt", FORMATS)
def test_bidi_and_zero_width_controls_never_reach_a_channel(fmt: str) -> None:
    title = "invoice \u202egpj.exe \u2066x\u2069 zero\u200bwidth"
    message = render_alert(view(title, f"AI pact \u202e{HIDDEN} done"), fmt)  # type: ignore[arg-type]
    templated = render_template("{{ title }} {{ snippet }}", view(title, f"AI {HIDDEN}"), fmt)  # type: ignore[arg-type]
    for text in (message.title, message.body, templated.body):
        assert not set(HIDDEN) & set(text), text
    assert "[U+202E]gpj.exe" in message.title


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("mention", ["@everyone", "@here", "@channel", "@Everyone", "<!channel>", "<!here>"])
def test_mass_mentions_are_neutralised(fmt: str, mention: str) -> None:
    message = render_alert(view(f"Hello {mention}", f"AI news {mention} today"), fmt)  # type: ignore[arg-type]
    templated = render_template("{{ title }}: {{ snippet }}", view(f"{mention}", f"AI {mention}"), fmt)  # type: ignore[arg-type]
    for text in (message.title, message.body, templated.body):
        assert "@everyone" not in text.lower() and "@here" not in text and "@channel" not in text
        assert "<!channel" not in text and "<!here" not in text


def test_extraction_strips_direction_controls_and_caps_the_title() -> None:
    article = clean_article("\u202eabc" + "t" * 2_000_000, ["Body \u2066text\u2069."], rules=None, url="https://x/1",
                            published=None, updated=None, language="en", author=None)
    assert article.title is not None and len(article.title) == MAX_TITLE_CHARS and "\u202e" not in article.title
    assert article.paragraphs == ("Body text.",)


def test_a_page_with_a_megabyte_title_stores_a_bounded_title() -> None:
    html = f"<html><head><title>{'A' * 1_000_000}</title></head><body><article><h1>{'B' * 1_000_000}</h1>" \
           f"{'<p>Some real paragraph text for the article body here.</p>' * 5}</article></body></html>"
    article = extract(html, "https://blog.example/p/1", None).article
    assert article.title is not None and len(article.title) <= MAX_TITLE_CHARS
