"""HTML to `Article`: a profile's selectors first, the generic path when they fail, then one clean-up pass.

>>> rules = PageRules(title=("h1",), body=("div.text",))
>>> page = "<html><body><h1>Title</h1><div class=text><p>One.</p><p>Two.</p></div></body></html>"
>>> extract(page, "https://x.test/1", rules).article.paragraphs
('One.', 'Two.')
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Literal

from selectolax.lexbor import LexborHTMLParser, LexborNode

from crawler.errors import ExtractError
from crawler.extract.article import Article
from crawler.extract.blocks import block_paragraphs
from crawler.extract.budget import flatten_deep_nesting
from crawler.extract.cleanup import (
    clean_article,
    clean_paragraphs,
    drop_repeats,
    fold,
    strip_generic_boilerplate,
)
from crawler.extract.dates import ArticleDate, parse_date, parse_exact, parse_published_updated, plausible
from crawler.extract.generic import extract_generic
from crawler.extract.links import AttachmentLink
from crawler.extract.profile import PageRules
from crawler.extract.template import TemplateMemory

__all__ = ["Extraction", "NotAnArticle", "clean_article", "extract", "html_fragment_paragraphs"]

# <noscript> stays: on some pages it holds the content (the block reader skips it unless the generic path asks)
ALWAYS_REMOVED = ("script:not([type='application/ld+json'])", "style", "template")
DATE_LIKE_ELEMENTS = "time, span, div, p, li, td, small"
MAX_DATE_CHARS = 40


_Dates = tuple[ArticleDate | None, ArticleDate | None]  # published, updated


class NotAnArticle(ExtractError):
    """The document is not HTML or holds no text at all."""


@dataclass(frozen=True)
class Extraction:
    """The article, how it was found, and what went wrong on the way (a degraded profile)."""

    article: Article
    method: Literal["profile", "generic"]
    degraded: bool
    problems: tuple[str, ...] = ()
    links: tuple[AttachmentLink, ...] = ()  # the page's attachment links (set by the caller that has the page)


@dataclass(frozen=True)
class _Found:
    title: str | None
    paragraphs: tuple[str, ...]
    published: ArticleDate | None
    updated: ArticleDate | None
    author: str | None
    problems: tuple[str, ...]


def extract(
    html: str,
    url: str,
    rules: PageRules | None,
    *,
    language: str | None = None,
    memory: TemplateMemory | None = None,
    keep: frozenset[str] = frozenset(),
) -> Extraction:
    """Extract the article at `url` from its decoded `html` with `rules` (None: the generic path).

    `memory` holds the source's recent pages: on the generic path, lines that other pages of the source carry
    are its template and go (and this page's lines are remembered); without it no line goes for being repeated
    elsewhere, except the lines in `keep` (a re-checked page's stored text: what its first look kept stays, so
    that what the process saw in between makes no edit). A profile's selectors already isolate the article, so
    its text never depends on other pages: a sentence many of the source's articles share stays.
    """
    html = flatten_deep_nesting(html)
    tree = _parse_page(html, url)
    lang = language or (rules.language if rules else None)
    if rules is None:
        return _generic(html, url, tree, None, lang, memory, keep, degraded=False)
    found = _by_profile(tree, rules)
    if found.problems:
        return _generic(html, url, tree, rules, lang, memory, keep, degraded=True, partial=found)
    article = _article(found, rules, url, lang, None, frozenset())
    return Extraction(article, "profile", degraded=False)


def html_fragment_paragraphs(html: str) -> list[str]:
    """Block paragraphs of an HTML fragment (open-data `Text`, feed descriptions), cleaned.

    >>> html_fragment_paragraphs("<p>One&nbsp; two</p><p>Go Top</p><div>Three<br>Four</div>")
    ['One two', 'Three', 'Four']
    """
    tree = LexborHTMLParser(f"<html><body>{html}</body></html>")
    return drop_repeats(clean_paragraphs(block_paragraphs(tree.body), title=None))


def _parse_page(html: str, url: str) -> LexborHTMLParser:
    if not html.strip() or "<" not in html:
        raise NotAnArticle(url, "not HTML")
    tree = LexborHTMLParser(html)
    _remove(tree, ALWAYS_REMOVED)
    if tree.body is None or not fold(tree.body.text()):
        raise NotAnArticle(url, "no text at all")
    return tree


def _remove(tree: LexborHTMLParser, selectors: Sequence[str]) -> None:
    for selector in selectors:
        for node in tree.css(selector):
            node.decompose()


def _article(
    found: _Found,
    rules: PageRules | None,
    url: str,
    language: str | None,
    memory: TemplateMemory | None,
    keep: frozenset[str],
) -> Article:
    template = memory.lines_elsewhere(url) - keep if memory is not None else frozenset()
    if memory is not None:
        memory.remember(url, map(fold, found.paragraphs))
    return clean_article(
        found.title,
        found.paragraphs,
        rules=rules,
        url=url,
        published=found.published,
        updated=found.updated,
        language=language,
        author=found.author,
        template=template,
    )


def _generic(
    html: str,
    url: str,
    tree: LexborHTMLParser,
    rules: PageRules | None,
    language: str | None,
    memory: TemplateMemory | None,
    keep: frozenset[str],
    *,
    degraded: bool,
    partial: _Found | None = None,
) -> Extraction:
    generic = extract_generic(html, url, tree=tree, tz=rules.timezone if rules else "Asia/Taipei")
    generic_paragraphs, byline = strip_generic_boilerplate(generic.paragraphs)
    if not generic_paragraphs and (partial is None or not partial.paragraphs):
        raise NotAnArticle(url, "no article text found")
    found = _Found(
        title=(partial.title if partial else None) or generic.title,
        paragraphs=(partial.paragraphs if partial else ()) or tuple(generic_paragraphs),
        published=(partial.published if partial else None)
        or generic.published
        or (_date_by_format(tree, rules) if rules else None),
        updated=partial.updated if partial else None,
        author=(partial.author if partial else None) or generic.author or byline,
        problems=partial.problems if partial else (),
    )
    return Extraction(_article(found, rules, url, language, memory, keep), "generic", degraded, found.problems)


def _by_profile(tree: LexborHTMLParser, rules: PageRules) -> _Found:
    # Dates first on the whole page: a profile often removes the very element that shows them (an info box).
    whole_page_dates = _dates(tree, rules)
    _remove(tree, rules.remove)
    title = _first_text(tree, rules.title)
    paragraphs = _body(tree, rules.body)
    published, updated = _prefer_kept(_dates(tree, rules), whole_page_dates)
    problems = []
    if not paragraphs:
        problems.append(f"body selectors matched no text: {', '.join(rules.body) or '(none)'}")
    if rules.expects_title and title is None:
        problems.append(f"title selectors matched nothing: {', '.join(rules.title) or '(none)'}")
    author = _author(tree, rules, paragraphs)
    return _Found(title, tuple(paragraphs), published, updated, author, tuple(problems))


def _first_text(tree: LexborHTMLParser, selectors: Sequence[str]) -> str | None:
    for node in _first_matches(tree, selectors):
        if text := fold(node.text()):
            return text
    return None


def _first_matches(tree: LexborHTMLParser, selectors: Sequence[str]) -> Iterator[LexborNode]:
    for selector in selectors:
        yield from tree.css(selector)


def _body(tree: LexborHTMLParser, selectors: Sequence[str]) -> list[str]:
    for selector in selectors:
        nodes = _outermost(tree.css(selector))
        paragraphs = [line for node in nodes for line in block_paragraphs(node)]
        if paragraphs:
            return paragraphs
    return []


def _outermost(nodes: list[LexborNode]) -> list[LexborNode]:
    inner = {node.mem_id for node in nodes for other in nodes if other is not node and _inside(node, other)}
    return [node for node in nodes if node.mem_id not in inner]


def _inside(node: LexborNode, ancestor: LexborNode) -> bool:
    parent = node.parent
    while parent is not None:
        if parent.mem_id == ancestor.mem_id:
            return True
        parent = parent.parent
    return False


def _dates(tree: LexborHTMLParser, rules: PageRules) -> _Dates:
    published, updated = _date_from_text(tree, rules.date, rules)
    published = plausible(published) or plausible(_date_from_meta(tree, rules.date_meta, rules))
    published = published or plausible(_date_from_regex(tree, rules.date_regex, rules))
    updated = (
        _date_from_text(tree, rules.updated, rules)[0]
        or _date_from_meta(tree, rules.updated_meta, rules)
        or _date_from_regex(tree, rules.updated_regex, rules)
        or updated
    )
    return published, updated


def _prefer_kept(kept: _Dates, whole_page: _Dates) -> _Dates:
    """Dates found in what the profile keeps win; those only in removed elements fill the gaps."""
    return kept[0] or whole_page[0], kept[1] or whole_page[1]


def _date_from_text(
    tree: LexborHTMLParser, selectors: Sequence[str], rules: PageRules
) -> tuple[ArticleDate | None, ArticleDate | None]:
    for node in _first_matches(tree, selectors):
        published, updated = parse_published_updated(fold(node.text()), tz=rules.timezone, formats=rules.date_formats)
        if published is not None:
            return published, updated
    return None, None


def _date_from_meta(tree: LexborHTMLParser, selectors: Sequence[str], rules: PageRules) -> ArticleDate | None:
    for node in _first_matches(tree, selectors):
        content = node.attributes.get("content") or node.attributes.get("datetime")
        if content and (found := _parse_date(content, rules)) is not None:
            return found
    return None


def _date_from_regex(tree: LexborHTMLParser, patterns: Sequence[str], rules: PageRules) -> ArticleDate | None:
    if not patterns or tree.body is None:
        return None
    text = fold(tree.body.text(separator=" "))
    for pattern in patterns:
        match = re.search(pattern, text)
        if match and (found := _parse_date(match.group(1), rules)) is not None:
            return found
    return None


def _date_by_format(tree: LexborHTMLParser, rules: PageRules) -> ArticleDate | None:
    """A redesigned page: the first short element whose whole text fits one of the profile's date formats."""
    for node in tree.css(DATE_LIKE_ELEMENTS):
        text = fold(node.text())
        if len(text) <= MAX_DATE_CHARS and (found := parse_exact(text, tz=rules.timezone, formats=rules.date_formats)):
            return found
    return None


def _parse_date(text: str, rules: PageRules) -> ArticleDate | None:
    return parse_date(text, tz=rules.timezone, formats=rules.date_formats)


def _author(tree: LexborHTMLParser, rules: PageRules, paragraphs: Sequence[str]) -> str | None:
    if by_selector := _first_text(tree, rules.author):
        return by_selector
    body = "\n".join(paragraphs)
    for pattern in rules.author_patterns:
        match = re.search(pattern, body)
        if match and match.groupdict().get("author"):
            return match["author"]
    meta = tree.css_first('meta[name="author"]')
    return (meta.attributes.get("content") or None) if meta is not None else None
