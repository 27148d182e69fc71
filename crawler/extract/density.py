"""Which paragraphs of a reading are article text: link density, text weight and sentence punctuation per block.

A reading (trafilatura's, or the page's own blocks) runs from the site's header to its footer more often than it
should, most of all on table-laid-out pages. Each block gets a value: article-like blocks (long enough, with
sentence punctuation, few links) count for their weight, link lists against it, short unlinked lines a tenth of
theirs, short linked lines and headings nothing; the
article is the contiguous run with the highest total (a maximum-sum span), widened over the neutral lines at its
edges, so captions, table rows and list items stay and the menus and link lists around them go. Weights are
CJK-aware: a Han character carries about half a word, and `。，` are sentence punctuation like `.,`.

>>> from crawler.extract.blocks import Block
>>> menu = [Block("Home News Sport", 15), Block("About Contact", 13)]
>>> body = [Block("A sentence that is long enough to be article text, with commas, and a full stop."), Block("Short.")]
>>> [block.text for block in article_span([*menu, *body, Block("More stories here today", 23)])][-1]
'Short.'
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

from crawler.extract.blocks import Block

HAN = re.compile(r"[\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff\u3040-\u30ff]")
WORD = re.compile(r"[^\W\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff\u3040-\u30ff]+")
SENTENCE_PUNCTUATION = re.compile(r"[.,;:!?。，、；：！？]")
HAN_WORDS = 0.5  # one Han character is about half a word (Chinese words are 1-3 characters)
ARTICLE_WORDS = 10.0  # a block of at least this many words (with punctuation, few links) is article-like
MAX_LINK_DENSITY = 0.5  # above it, a block is a link list (a menu, related stories)
LINKED_PARAGRAPH_WORDS = 25.0  # ... unless it is a sentence this long in at most this many links
MAX_PARAGRAPH_LINKS = 2
# A short unlinked line (a list item, a table row, a caption) counts a tenth of its weight: an article that is
# all such lines (a calendar, a schedule) still outweighs a lone notice beside it, and a paragraph still
# outweighs any run of them.
NEUTRAL_WEIGHT = 0.1


def words(text: str) -> float:
    """The text's weight in words: Latin-script words, plus half a word per Han, kana or hangul character.

    >>> words("Taiwan 和美國")
    2.5
    """
    if text.isascii():
        return float(len(WORD.findall(text)))
    return len(WORD.findall(text)) + HAN_WORDS * len(HAN.findall(text))


@lru_cache(maxsize=8192)  # the same blocks are valued by the span, the stream cut and the readings' weights
def value(block: Block) -> float:
    """What a block adds to an article span: + its weight if article-like, - its weight if a link list."""
    weight = words(block.text)
    sentence = weight >= ARTICLE_WORDS and not block.heading and SENTENCE_PUNCTUATION.search(block.text)
    if block.link_density > MAX_LINK_DENSITY:
        # a paragraph that is one long link (a deal, a teaser) reads as text; many short links are a menu
        linked_text = sentence and weight >= LINKED_PARAGRAPH_WORDS and block.links <= MAX_PARAGRAPH_LINKS
        return 0.0 if linked_text else -weight
    if sentence:
        return weight * (1.0 - block.link_density)
    return NEUTRAL_WEIGHT * weight if block.links == 0 and not block.heading else 0.0


def article_span(blocks: Sequence[Block]) -> list[Block]:
    """The contiguous run of blocks with the highest total value, without the link lists inside it.

    A reading with no article-like block at all is returned whole: nothing says which part is the article.
    """
    values = [value(block) for block in blocks]
    start, end = _best_span(values)
    if end <= start:
        return list(blocks)
    while start > 0 and values[start - 1] == 0:  # neutral lines (captions, table rows, list items) at the edges
        start -= 1  # stay, up to the first link list: only a link list marks where the article ends
    while end < len(values) and values[end] == 0:
        end += 1
    return [block for block, item in zip(blocks[start:end], values[start:end], strict=True) if item >= 0]


def _best_span(values: Sequence[float]) -> tuple[int, int]:
    """Kadane's maximum-sum subarray: (start, end) of the best run, (0, 0) when no value is positive."""
    best, best_start, best_end = 0.0, 0, 0
    total, start = 0.0, 0
    for index, item in enumerate(values):
        if total <= 0:
            total, start = 0.0, index
        total += item
        if total > best:
            best, best_start, best_end = total, start, index + 1
    return best_start, best_end


def reading_words(blocks: Sequence[Block]) -> float:
    """The article-like weight of a reading: how much article text it holds."""
    return sum(max(0.0, value(block)) for block in blocks)
