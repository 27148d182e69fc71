"""Attachment links of an article page: the files (PDF, DOCX, ODT, XLSX/ODS, plain text) its body links to.

A link counts when its URL names a document type (`.pdf`, `.docx`, ...), when its `type` attribute does, or when
the profile's `attachments` selectors pick it (MOFA and MODA list their 附件 in a box of their own, often behind
download URLs without an extension; the Content-Type decides after the fetch).

>>> page = '<div class=b><p>See <a href="/f/mou.pdf">the MOU</a> and <a href="/n/2">more</a>.</p></div>'
>>> [(link.url, link.name) for link in attachment_links(page, "https://x.tw/n/1", body=("div.b",))]
[('https://x.tw/f/mou.pdf', 'the MOU')]
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from urllib.parse import unquote, urljoin, urlsplit

from selectolax.lexbor import LexborHTMLParser, LexborNode

MAX_ATTACHMENTS = 20  # per page: a listing of hundreds of files is not one article's attachments
DOCUMENT_EXTENSIONS = {
    ".pdf": "application/pdf",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".odt": "application/vnd.oasis.opendocument.text",
    ".ods": "application/vnd.oasis.opendocument.spreadsheet",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".txt": "text/plain",
}
DOCUMENT_TYPES = frozenset(DOCUMENT_EXTENSIONS.values())


@dataclass(frozen=True)
class AttachmentLink:
    """One linked file: its absolute URL and the link's text (or the file name when the link has none)."""

    url: str
    name: str


def attachment_links(
    html: str, page_url: str, *, body: Sequence[str] = (), selectors: Sequence[str] = ()
) -> tuple[AttachmentLink, ...]:
    """The attachment links of a page: document links inside the `body` selectors (the whole page when none
    matches) and every link the `selectors` pick, in page order, each URL once."""
    tree = LexborHTMLParser(html)
    picked = [anchor for node in _select(tree, selectors) for anchor in _anchors(node)]
    regions = list(_select(tree, body)) or ([tree.body] if tree.body is not None else [])
    in_body = [anchor for node in regions for anchor in _anchors(node) if _names_document(anchor)]
    found: dict[str, AttachmentLink] = {}
    for anchor in [*in_body, *picked]:
        link = _link(anchor, page_url)
        if link is not None and link.url not in found:
            found[link.url] = link
    return tuple(found.values())[:MAX_ATTACHMENTS]


def fragment_links(html: str, page_url: str) -> tuple[AttachmentLink, ...]:
    """Document links of an HTML fragment (an open-data `Text`, a feed's content)."""
    return attachment_links(f"<html><body>{html}</body></html>", page_url)


def document_type(url: str) -> str | None:
    """The media type a URL's file extension names, or None.

    >>> document_type("https://x.tw/a/MOU%20final.PDF?v=2")
    'application/pdf'
    """
    path = unquote(urlsplit(url).path).lower()
    for extension, media_type in DOCUMENT_EXTENSIONS.items():
        if path.endswith(extension):
            return media_type
    return None


def _select(tree: LexborHTMLParser, selectors: Iterable[str]) -> Iterable[LexborNode]:
    for selector in selectors:
        yield from tree.css(selector)


def _anchors(node: LexborNode) -> list[LexborNode]:
    if node.tag == "a":
        return [node]
    return list(node.css("a[href]"))


def _names_document(anchor: LexborNode) -> bool:
    href = anchor.attributes.get("href") or ""
    declared = (anchor.attributes.get("type") or "").split(";")[0].strip().lower()
    return document_type(href) is not None or declared in DOCUMENT_TYPES


def _link(anchor: LexborNode, page_url: str) -> AttachmentLink | None:
    href = (anchor.attributes.get("href") or "").strip()
    if not href or href.startswith(("#", "javascript:", "mailto:")):
        return None
    url = urljoin(page_url, href).split("#", 1)[0]
    if urlsplit(url).scheme not in ("http", "https"):
        return None
    name = " ".join(anchor.text().split()) or unquote(urlsplit(url).path.rsplit("/", 1)[-1]) or url
    return AttachmentLink(url, name[:200])
