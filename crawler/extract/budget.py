"""What one page may cost: bounded nesting, bounded input to the slow extractor, a wall-clock budget.

A hostile (or broken) page must not stall a source or the daemon: 100,000 nested elements are flattened to
`MAX_DEPTH` levels before parsing (the text stays), a page over `SLOW_PATH_MAX_CHARS` skips trafilatura for the
linear block reader, and `pipeline.page` runs each extraction in a worker thread under `PAGE_SECONDS`.

>>> flatten_deep_nesting("<div>" * 3 + "x" + "</div>" * 3, max_depth=1)
'<div>x</div>'
"""

from __future__ import annotations

import re

MAX_DEPTH = 200  # libxml2 (under trafilatura) gives up at 256 levels; real pages stay well under 100
SLOW_PATH_MAX_CHARS = 1_500_000  # larger pages are read by the linear block reader, not trafilatura
PAGE_SECONDS = 20.0  # the wall-clock budget of one page's extraction
# closing slash, name, self-closing slash (written so that the regex engine never backtracks over attributes)
_TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)\b(?:[^>]*[^/>])?(/?)>")
# Elements that are void or whose end tag is optional: they do not count as nesting.
_UNCOUNTED = frozenset((
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr",
    "p", "li", "dt", "dd", "option", "optgroup", "tr", "td", "th", "thead", "tbody", "tfoot", "colgroup",
    "rp", "rt", "html", "head", "body",
))


def flatten_deep_nesting(html: str, max_depth: int = MAX_DEPTH) -> str:
    """`html` with every tag deeper than `max_depth` removed (its text kept), in one linear pass.

    A page nested no deeper than `max_depth` comes back unchanged (the same object), after one quick scan.
    """
    if not _too_deep(html, max_depth):
        return html
    depth, cut_from, pieces, last = 0, None, list[str](), 0
    for match in _TAG.finditer(html):
        closing, name, self_closing = match.groups()
        if self_closing or name.lower() in _UNCOUNTED:
            continue
        if not closing:
            depth += 1
        too_deep = depth > max_depth
        if closing:
            depth = max(0, depth - 1)
        if too_deep:
            pieces.append(html[last:match.start()])
            last = match.end()
            cut_from = cut_from or match.start()
    if cut_from is None:
        return html
    pieces.append(html[last:])
    return "".join(pieces)


def _too_deep(html: str, max_depth: int) -> bool:
    """Whether any element sits deeper than `max_depth` (the same count as `flatten_deep_nesting`'s, faster)."""
    depth = 0
    for closing, name, self_closing in _TAG.findall(html):
        if self_closing or name.lower() in _UNCOUNTED:
            continue
        if closing:
            depth = depth - 1 if depth else 0
        else:
            depth += 1
            if depth > max_depth:
                return True
    return False
