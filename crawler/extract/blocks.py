"""HTML (selectolax) and trafilatura (lxml) trees to block paragraphs: one string per block-level element.

>>> from selectolax.lexbor import LexborHTMLParser
>>> block_paragraphs(LexborHTMLParser("<div><p>a <b>b</b></p>c<br>d<ul><li>e</li></ul></div>").body)
['a b', 'c', 'd', 'e']
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from selectolax.lexbor import LexborNode

_BLOCK_NAMES = (
    "p div h1 h2 h3 h4 h5 h6 li ul ol dl dt dd blockquote pre table tr thead tbody tfoot figure figcaption "
    "section article header footer aside nav main form hr address details summary caption center fieldset "
    "legend body html"
)
BLOCK_TAGS = frozenset(_BLOCK_NAMES.split())
CELL_TAGS = frozenset(("td", "th"))
LINE_BREAK_TAGS = frozenset(("br",))
_SKIPPED_NAMES = "script style noscript template head iframe svg select option textarea object embed canvas"
SKIPPED_TAGS = frozenset(_SKIPPED_NAMES.split())
# trafilatura's XML: <p>, <head>, <item>, <row>/<cell>, <quote>, <code>, <list>, <table>, <lb/>
TRAFILATURA_BLOCKS = frozenset(("p", "head", "item", "row", "list", "table", "quote", "code", "body", "div"))
TRAFILATURA_CELLS = frozenset(("cell",))
LINK_TAGS = frozenset(("a", "ref"))
HEADING_TAGS = frozenset(("h1", "h2", "h3", "h4", "h5", "h6", "head"))


@dataclass(frozen=True)
class Block:
    """One paragraph and what the density reading needs of it: how much of its text is link text, and its kind."""

    text: str
    link_chars: int = 0
    heading: bool = False
    links: int = 0
    container: str = ""  # the page's own reading: the tags and classes of the block elements around it

    @property
    def link_density(self) -> float:
        return min(1.0, self.link_chars / len(self.text)) if self.text else 0.0


class _Lines:
    """Collects text runs and closes a paragraph at each block boundary, counting the link text in it.

    A link that spans paragraphs (an unclosed `<a>` swallowing the rest of a page, a whole post wrapped in one
    link) is link text only in the paragraph it opened in: past a paragraph boundary its text is the page's text.
    """

    def __init__(self) -> None:
        self.blocks: list[Block] = []
        self.current: list[str] = []
        self.link_chars = 0
        self.links = 0
        self.in_link = 0
        self.link_opened_at = 0  # how many paragraphs were closed when the outermost open link began
        self.heading = 0
        self.path: list[str] = []
        self.container = ""

    @property
    def done(self) -> list[str]:
        return [block.text for block in self.blocks]

    def add(self, text: str) -> None:
        if not self.current:
            self.container = "/".join(self.path)
        self.current.append(text)
        if self.in_link and self.link_opened_at == len(self.blocks):
            self.link_chars += len(text.strip())

    def open_link(self) -> None:
        if not self.in_link:
            self.link_opened_at = len(self.blocks)
        self.in_link += 1
        self.links += 1

    def close(self) -> None:
        text = " ".join("".join(self.current).split())
        if text:
            self.blocks.append(Block(text, self.link_chars, self.heading > 0, self.links, self.container))
        self.current = []
        self.link_chars = self.links = 0


def block_paragraphs(node: LexborNode | None) -> list[str]:
    """Split `node`'s text at block elements and `<br>`; inline text is joined, whitespace folded."""
    return [block.text for block in html_blocks(node)]


NodeFilter = Callable[[LexborNode], bool]


def html_blocks(
    node: LexborNode | None, *, skipped: frozenset[str] = SKIPPED_TAGS, skip: NodeFilter | None = None
) -> list[Block]:
    """`block_paragraphs` with each paragraph's link text and kind; `skipped` elements (and those `skip` says
    True for) are not read."""
    lines = _Lines()
    if node is not None:
        _read_html(lines, node, skipped, skip)
    lines.close()
    return lines.blocks


def _read_html(lines: _Lines, root: LexborNode, skipped: frozenset[str], skip: NodeFilter | None) -> None:
    """The page's tree into `lines`, depth first, without recursion (one loop: this is the hot path)."""
    stack: list[tuple[LexborNode, bool]] = [(root, True)]
    while stack:
        node, entering = stack.pop()
        tag = node.tag or ""
        if not entering:
            _leave(lines, tag)
            continue
        if node.is_text_node:
            lines.add(node.text_content or "")
            continue
        if tag in skipped or not node.is_element_node:
            continue
        if skip is not None and tag in BLOCK_TAGS and skip(node):  # what a template marks is a block element
            continue
        if tag in LINE_BREAK_TAGS:
            lines.close()
            continue
        _enter(lines, tag, node)
        stack.append((node, False))
        children = []
        child = node.child
        while child is not None:
            children.append((child, True))
            child = child.next
        stack.extend(reversed(children))


def _enter(lines: _Lines, tag: str, node: LexborNode) -> None:
    if tag in BLOCK_TAGS:
        lines.close()
        lines.path.append(f"{tag}.{node.attributes.get('class') or ''}")
    elif tag in CELL_TAGS:
        lines.add(" ")
    if tag in LINK_TAGS:
        lines.open_link()
    elif tag in HEADING_TAGS:
        lines.heading += 1


def _leave(lines: _Lines, tag: str) -> None:
    if tag in BLOCK_TAGS:
        lines.close()
        lines.path.pop()
    elif tag in CELL_TAGS:
        lines.add(" ")
    if tag in LINK_TAGS:
        lines.in_link -= 1
    elif tag in HEADING_TAGS:
        lines.heading -= 1


def trafilatura_blocks(body: Any) -> list[Block]:
    """The paragraphs of trafilatura's result tree (`Document.body`, an lxml element), each with its link text
    (`<ref>`, with `include_links`) and kind."""
    lines = _Lines()
    _read_xml(lines, body)
    lines.close()
    return lines.blocks


def _read_xml(lines: _Lines, element: Any) -> None:
    """trafilatura's tree into `lines` (recursive: its tree is shallow, the page was flattened before)."""
    tag = element.tag if isinstance(element.tag, str) else ""
    if tag == "lb":
        lines.close()
    else:
        _open_xml(lines, tag)
        if element.text:
            lines.add(element.text)
        for child in element:
            _read_xml(lines, child)
        _close_xml(lines, tag)
    if element.tail:
        lines.add(element.tail)


def _open_xml(lines: _Lines, tag: str) -> None:
    if tag in TRAFILATURA_BLOCKS:
        lines.close()
    elif tag in TRAFILATURA_CELLS:
        lines.add(" ")
    if tag in LINK_TAGS:
        lines.open_link()
    elif tag in HEADING_TAGS:
        lines.heading += 1


def _close_xml(lines: _Lines, tag: str) -> None:
    if tag in TRAFILATURA_BLOCKS:
        lines.close()
    elif tag in TRAFILATURA_CELLS:
        lines.add(" ")
    if tag in LINK_TAGS:
        lines.in_link -= 1
    elif tag in HEADING_TAGS:
        lines.heading -= 1
