"""What an element is for, from its tag and its class and id words: the page's own reading skips comment
threads, navigation, sidebars, share bars, subscription boxes and related-story lists before it scores any text.

The words are the ones page templates everywhere begin those parts' class names with (the idea of readability's
"unlikely candidates", kept narrow): a class or id token that *starts* with one of them (`comment-list`,
`sidebar-widget`, `newsletter_signup`), not one that merely mentions it (`has-sidebar`, `penci_sidebar` on a
container that holds the article too). `<body>`, `<main>` and `<article>` are never skipped: their classes
describe the page, not the element.

>>> from selectolax.lexbor import LexborHTMLParser
>>> page = LexborHTMLParser('<div class="has-sidebar">a</div><div id="comments">b</div><div class="related-x">c</div>')
>>> [not_article(node) for node in page.css("div")]
[False, True, True]
"""

from __future__ import annotations

import re

from selectolax.lexbor import LexborNode

NOT_ARTICLE_TAGS = frozenset(("nav", "aside", "footer"))
NEVER_SKIPPED = frozenset(("body", "html", "main", "article"))
NOT_ARTICLE_TOKEN = re.compile(
    r"(?:comment|disqus|respond|replies|sidebar|related|recommend|newsletter|subscri|signup|sign-up|share|sharing|"
    r"social|promo|advert|sponsor|breadcrumb|pagination|pager|menu|navbar|navigation|popup|modal|cookie|outbrain|"
    r"taboola|more-stories|most-popular|trending)"
)


def not_article(node: LexborNode) -> bool:
    """True for an element whose tag or class/id words say it is not the article (see the module docstring)."""
    tag = node.tag or ""
    if tag in NOT_ARTICLE_TAGS:
        return True
    if tag in NEVER_SKIPPED:
        return False
    attributes = node.attributes
    if not attributes:
        return False
    words = f"{attributes.get('class') or ''} {attributes.get('id') or ''}".lower().split()
    return any(NOT_ARTICLE_TOKEN.match(word) for word in words)
