"""The generic path's two readings: record streams cut, side boxes skipped, chunked articles continued, a link
that swallows the page, and trafilatura's reading replaced when it settled on a side box."""

from __future__ import annotations

import pytest

from crawler.extract import generic
from crawler.extract.blocks import Block
from crawler.extract.page import extract

SENTENCES = [
    f"Paragraph {n}: officials from Taiwan and its partners met on Tuesday to discuss chips, drones and AI, "
    f"and they agreed to meet again next month in Taipei, the ministry said in a statement on its website."
    for n in range(1, 9)
]


def page(body: str) -> str:
    return f"<html><head><title>A story</title></head><body><h1>A story</h1>{body}</body></html>"


def paragraphs(html: str) -> tuple[str, ...]:
    return extract(html, "https://x.test/story", None).article.paragraphs


def test_forum_replies_after_the_post_are_not_the_article() -> None:
    replies = "".join(
        f"<div class=row><p>Reply {n} by user{n} 2005-08-1{n} 16:0{n}</p>"
        f"<p>Reply {n}: I agree with this post, and I have seen the same thing happen, many times, sadly.</p></div>"
        for n in range(1, 6)
    )
    text = paragraphs(page(f"<div><p>Posted by admin 2005-08-10 15:00</p>"
                           f"<p>{SENTENCES[0]}</p><p>{SENTENCES[1]}</p>{replies}</div>"))
    assert SENTENCES[0] in text and SENTENCES[1] in text
    assert not any(line.startswith("Reply") for line in text)


def test_one_stamp_after_the_article_ends_nothing() -> None:
    text = paragraphs(page(f"<article><p>{SENTENCES[0]}</p><p>Updated 2019-11-18 10:30</p>"
                           f"<p>{SENTENCES[1]}</p></article>"))
    assert SENTENCES[1] in text


def test_an_article_in_chunks_around_an_advert_is_read_whole() -> None:
    chunk = "<div class='grid'><div class='body chunk'>{}</div></div>"
    first = chunk.format("".join(f"<p>{line}</p>" for line in SENTENCES[:4]))
    second = chunk.format("".join(f"<p>{line}</p>" for line in SENTENCES[4:]))
    advert = "<div class='row ad'><div class='ad-label'>Advertisement</div><iframe></iframe></div>"
    text = paragraphs(page(f"<main><article><div class='chunks'>{first}{advert}{second}</div></article></main>"
                           "<footer><p>About us. Contact. Careers. Terms of use.</p></footer>"))
    assert all(line in text for line in SENTENCES)


def test_an_unclosed_link_does_not_make_the_article_a_link_list() -> None:
    html = page("<div><a href=/u>user name<a></div><div>" + "".join(f"<p>{line}</p>" for line in SENTENCES[:3])
                + "</div><div>Footer notice, all rights reserved, contact the webmaster by email.</div>")
    assert SENTENCES[0] in paragraphs(html)


def test_the_page_wins_when_trafilatura_settles_on_a_side_box(monkeypatch: pytest.MonkeyPatch) -> None:
    side_box = "Night mode is an automatic setting on the new phones, and it works well in the dark, they say."
    monkeypatch.setattr(generic, "_trafilatura_blocks", lambda html, url: [Block(side_box)])
    html = page("<div class='post'>" + "".join(f"<p>{line}</p>" for line in SENTENCES) + "</div>"
                f"<div class='box'><p>{side_box}</p></div>")
    text = paragraphs(html)
    assert all(line in text for line in SENTENCES)


def test_trafilatura_is_kept_when_the_page_holds_little_more(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(generic, "_trafilatura_blocks", lambda html, url: [Block(line) for line in SENTENCES[:6]])
    first, other = ("".join(f"<p>{line}</p>" for line in lines) for lines in (SENTENCES[:6], SENTENCES[6:]))
    text = paragraphs(page(f"<div class=story>{first}</div><div class=more>{other}</div>"))
    assert text == tuple(SENTENCES[:6])  # the rest is in another container: not a continuation
