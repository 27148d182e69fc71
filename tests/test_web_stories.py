"""The stories pages: the newest stories with their languages and sources, one story with every member grouped
by language and why it is in, paging, and the links to them from the article page and the navigation."""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.webdata import NOW, Web, build_app, fill

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient


@pytest.fixture
def web(store: Any, tmp_path: Path) -> Iterator[tuple[TestClient, Web, int]]:
    app, holder = build_app(store, tmp_path / "tidings.toml")
    holder.ids = fill(store)
    story_id = store.split_entry(holder.ids["zh"], now=NOW)  # the Chinese entry starts a story ...
    store.join_entry(holder.ids["en"], story_id, now=NOW)  # ... and a person joins the English one to it
    store.split_entry(holder.ids["other"], now=NOW)  # a story of one entry
    with TestClient(app) as client:  # type: ignore[arg-type]
        yield client, holder, story_id


def titles(html: str) -> list[str]:
    return re.findall(r'class="title" href="/stories/\d+" dir="auto">([^<]+)<', html)


def test_the_story_list_shows_languages_sources_and_filters_stories_of_several_articles(
    web: tuple[TestClient, Web, int],
) -> None:
    client, _, story_id = web
    every = client.get("/stories")
    assert every.status_code == 200
    assert titles(every.text) == ["Minister meets Paraguayan delegation", "臺灣與日本簽署AI合作備忘錄"]
    several = client.get("/stories?min=2").text
    assert titles(several) == ["臺灣與日本簽署AI合作備忘錄"]
    assert f'href="/stories/{story_id}"' in several and f'href="/feeds/stories/{story_id}.atom"' in several
    assert re.findall(r'<span class="lang">([^<]+)</span>', several) == ["en", "zh"]  # oldest member first
    assert "2 articles" in several and "focustaiwan, cna" in several
    assert client.get("/stories?min=0").status_code == 400
    assert client.get("/stories?min=x").status_code == 400


def test_the_story_list_pages_with_a_cursor(web: tuple[TestClient, Web, int]) -> None:
    client, _, _ = web
    first = client.get("/stories?limit=1").text
    link = re.search(r'rel="next" href="/stories\?([^"]+)"', first)
    assert link, first
    second = client.get("/stories?" + link.group(1).replace("&amp;", "&")).text
    assert titles(first) + titles(second) == titles(client.get("/stories").text)
    assert 'rel="next"' not in second


def test_a_story_page_groups_its_members_by_language_with_why_each_is_in(web: tuple[TestClient, Web, int]) -> None:
    client, holder, story_id = web
    html = client.get(f"/stories/{story_id}").text
    assert '<h1 dir="auto">臺灣與日本簽署AI合作備忘錄</h1>' in html
    assert html.index("English") < html.index("中文")  # in the order the languages were first seen
    assert f'href="/entries/{holder.ids["zh"]}"' in html and f'href="/entries/{holder.ids["en"]}"' in html
    assert "Taiwan and Japan deepen AI cooperation" in html
    assert "joined by a person" in html  # the person's join, as `tidings stories show` says it
    feed_link = (f'<link rel="alternate" type="application/atom+xml" title="臺灣與日本簽署AI合作備忘錄 (Atom)" '
                 f'href="/feeds/stories/{story_id}.atom">')
    assert feed_link in html
    assert client.get("/stories/999999").status_code == 404


def test_the_article_page_links_its_story_page_and_every_page_links_the_stories(
    web: tuple[TestClient, Web, int],
) -> None:
    client, holder, story_id = web
    html = client.get(f"/entries/{holder.ids['en']}").text
    assert f'<a href="/stories/{story_id}">story {story_id}</a>' in html
    assert '<a href="/stories">Stories</a>' in client.get("/").text


def test_the_search_box_holds_a_search_not_the_timeline_filters(web: tuple[TestClient, Web, int]) -> None:
    client, _, _ = web
    html = client.get("/?source=focustaiwan&language=en&limit=1").text
    assert 'name="q" value=""' in html
    older = client.get("/?limit=1").text  # three entries: the next page's link carries the filters, not the box
    assert 'name="q" value=""' in older and 'href="/?limit=1&amp;cursor=' in older
