"""Template lines go only on evidence from the source's other pages; the article's own repeats and <noscript> stay."""

from __future__ import annotations

import pytest

from crawler.extract.page import extract
from crawler.extract.template import TemplateMemories, TemplateMemory

SENTENCE = "Officials from Taiwan and its partners met on Tuesday to discuss chips, drones and AI, the ministry said."


def page(body: str) -> str:
    return f"<html><head><title>A story</title></head><body><h1>A story</h1>{body}</body></html>"


def story(n: int, *extra: str) -> str:
    lines = "".join(f"<p>{line}</p>" for line in extra)
    return page(f"<article><p>Story {n}. {SENTENCE}</p><p>{SENTENCE} Part {n}.</p>{lines}</article>")


def test_a_line_on_other_pages_of_the_source_is_template_and_goes() -> None:
    memory = TemplateMemory()
    follow = "Follow us for more news from the region every day, on every platform we have."
    for n in range(3):
        extract(story(n, follow), f"https://x.test/{n}", None, memory=memory)
    article = extract(story(9, follow), "https://x.test/9", None, memory=memory).article
    assert follow not in article.paragraphs
    assert article.paragraphs[0].startswith("Story 9.")


def test_a_recheck_keeps_the_lines_its_stored_text_has() -> None:
    """A page first read before the process had seen other pages keeps a shared line; read again later, the
    same line would go as the template's and make an edit the page never had: lines in `keep` stay."""
    memory = TemplateMemory()
    follow = "Follow us for more news from the region every day, on every platform we have."
    first = extract(story(1, follow), "https://x.test/1", None, memory=memory).article
    assert follow in first.paragraphs
    for n in range(2, 5):
        extract(story(n, follow), f"https://x.test/{n}", None, memory=memory)
    assert follow not in extract(story(1, follow), "https://x.test/1", None, memory=memory).article.paragraphs
    again = extract(story(1, follow), "https://x.test/1", None, memory=memory, keep=frozenset(first.paragraphs))
    assert again.article.paragraphs == first.paragraphs


def test_a_profile_reading_never_depends_on_other_pages() -> None:
    from crawler.extract.profile import PageRules

    rules = PageRules(title=("h1",), body=("article",))
    memory = TemplateMemory()
    shared = "Further details will be released on the ministry's website, officials added."
    readings = [extract(story(n, shared), f"https://x.test/{n}", rules, memory=memory).article for n in range(5)]
    assert all(shared in article.paragraphs for article in readings)


def test_without_cross_page_evidence_no_line_goes() -> None:
    follow = "Follow us for more news from the region every day, on every platform we have."
    assert follow in extract(story(1, follow), "https://x.test/1", None).article.paragraphs
    memory = TemplateMemory()
    extract(story(1, follow), "https://x.test/1", None, memory=memory)  # the same URL again is no evidence
    assert follow in extract(story(1, follow), "https://x.test/1", None, memory=memory).article.paragraphs


def test_the_articles_own_repeated_lines_stay() -> None:
    chorus = "We will keep building, together, one chip at a time."
    html = page(f"<article><p>{SENTENCE}</p><p>{chorus}</p><p>{SENTENCE} Again.</p><p>{chorus}</p></article>")
    paragraphs = extract(html, "https://x.test/song", None, memory=TemplateMemory()).article.paragraphs
    assert paragraphs.count(chorus) == 2


def test_noscript_content_is_read_when_it_is_the_page() -> None:
    html = page(f"<div id=app></div><noscript><div><p>{SENTENCE}</p><p>Second. {SENTENCE}</p></div></noscript>")
    assert SENTENCE in extract(html, "https://x.test/spa", None).article.paragraphs


def test_memory_bounds_are_checked() -> None:
    with pytest.raises(ValueError, match="min_pages"):
        TemplateMemory(pages=2, min_pages=3)


def test_each_source_and_each_owner_has_its_own_memory() -> None:
    follow = "Follow us for more news from the region every day, on every platform we have."
    daemon, other = TemplateMemories(), TemplateMemories()
    for n in range(3):
        extract(story(n, follow), f"https://x.test/{n}", None, memory=daemon.for_source("a"))
    assert daemon.for_source("a") is daemon.for_source("a")
    for memory in (daemon.for_source("b"), other.for_source("a")):  # another source; another daemon or test
        assert follow in extract(story(9, follow), "https://x.test/9", None, memory=memory).article.paragraphs
    assert follow not in extract(story(9, follow), "https://x.test/9", None,
                                 memory=daemon.for_source("a")).article.paragraphs


def test_memories_check_their_bounds_at_once() -> None:
    with pytest.raises(ValueError, match="min_pages"):
        TemplateMemories(pages=2, min_pages=3)
