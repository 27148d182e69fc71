"""Helpers shared by the site modules."""

from __future__ import annotations

from datetime import datetime

from ..catalog import Catalog, paths_for
from ..model import Article, SiteState
from ..web import Request, Response, html_page, not_found


def page_modified(st: SiteState, a: Article) -> datetime:
    return max(a.modified, st.redesign_at) if st.redesign_at else a.modified


def redesigned(text: str, swaps: list[tuple[str, str]]) -> str:
    """The same page with other class names, so that the profile selectors stop matching."""
    for old, new in swaps:
        text = text.replace(old, new)
    return text


def article_response(
    cat: Catalog, req: Request, site: str, id: str, render: object, swaps: list[tuple[str, str]]
) -> Response:
    a = cat.get(site, id)
    if a is None:
        return not_found()
    st = cat.sites[site]
    text = render(a, req)  # type: ignore[operator]
    if st.redesign:
        text = redesigned(text, swaps)
    return html_page(text, page_modified(st, a))


def abs_url(req: Request, a: Article) -> str:
    return req.base + paths_for(a)
