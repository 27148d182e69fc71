"""Where the article ends and a stream of records begins: comments, replies, forum posts, a blog's older posts.

Such a stream is a run of short header lines each carrying a date *with a time* (`2005-03-18 01:58:01`,
`08-11 16:06`, `2004年12月27日 12:40`, `November 19, 2019 at 12:28 pm`) or an age (`2 days ago`, `3小时前`),
one per record. A page that shows two or more of them after its first article paragraph (article-like and at
least `ANCHOR_WORDS` long: not a title or a header line) is the article followed by records: the article ends at
the first such line after it. A single stamp (the article's own "posted at" line) ends nothing.

>>> from crawler.extract.blocks import Block
>>> post = "The post, long enough to be a paragraph, " * 4 + "with commas, and a full stop."
>>> lines = ["Title 2005-03-21 01:20:44", post, "Older post 2005-03-18 01:58:01", "Its text.",
...          "Another 2005-03-15 16:47:37", "More."]
>>> [block.text[:8] for block in before_record_stream([Block(line) for line in lines])]
['Title 20', 'The post']
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from crawler.extract.blocks import Block
from crawler.extract.density import value

MAX_STAMP_LINE_CHARS = 120  # a record's header line: a title, a name, the stamp, a count
MIN_RECORDS = 2  # stamp lines after the article that make a stream
ANCHOR_WORDS = 25.0  # the article's first paragraph: article-like and this long (a title or a header line is not)
_TIME = r"\d{1,2}:\d{2}(?::\d{2})?"
_MONTHS = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?"
RECORD_STAMP = re.compile(
    rf"(?:\d{{4}}[-/.年]\s*)?\d{{1,2}}[-/.月]\s*\d{{1,2}}日?\s*(?:[,，]?\s*(?:at\s+)?){_TIME}"
    rf"|(?i:{_MONTHS}\s+\d{{1,2}},?\s+\d{{4}},?\s+(?:at\s+)?{_TIME}\s*(?:[ap]\.?m\.?)?)"
    rf"|(?i:\b(?:\d+|an?)\s+(?:minutes?|hours?|days?|weeks?|months?|years?)\s+ago\b)|\d+\s*(?:分钟|小时|天)前"
)


def is_stamp_line(text: str) -> bool:
    """A short line with a date and a time of day in it: a record's header.

    >>> is_stamp_line("# re: 很高兴入住博客堂 2004-12-27 12:46 flyingbirds"), is_stamp_line("In 2004, 12 men left.")
    (True, False)
    """
    return len(text) <= MAX_STAMP_LINE_CHARS and RECORD_STAMP.search(text) is not None


def before_record_stream(blocks: Sequence[Block]) -> list[Block]:
    """`blocks` up to the first record header after the first article paragraph, when a stream follows."""
    first_text = next((index for index, block in enumerate(blocks) if _anchor(block)), None)
    if first_text is None:
        return list(blocks)
    stamps = [index for index in range(first_text + 1, len(blocks)) if is_stamp_line(blocks[index].text)]
    if len(stamps) < MIN_RECORDS:
        return list(blocks)
    return list(blocks[: stamps[0]])


def _anchor(block: Block) -> bool:
    return value(block) >= ANCHOR_WORDS and not is_stamp_line(block.text)
