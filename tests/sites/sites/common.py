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
    if (how := cat.removed_as(site, id)) is not None:
        return gone_response(how, req, site)
    text = render(a, req)  # type: ignore[operator]
    if st.redesign:
        text = redesigned(text, swaps)
    return html_page(text, page_modified(st, a))


HOMES = {"focustaiwan": "focustaiwan.tw/", "cna": "www.cna.com.tw/", "mofa-en": "en.mofa.gov.tw/",
         "mofa-zh": "www.mofa.gov.tw/", "nspp-zh": "nspp.mofa.gov.tw/nspp/", "nspp-en": "nspp.mofa.gov.tw/nsppe/",
         "nspp-id": "nspp.mofa.gov.tw/nsppid/", "moda-en": "moda.gov.tw/", "moda-zh": "moda.gov.tw/",
         "blog": "blog.example/"}


def gone_response(how: str, req: Request, site: str) -> Response:
    """A taken-down page as the sites answer it: 404, 410, or a redirect to the site's home page."""
    if how == "home":
        return Response(302, "text/plain; charset=utf-8", b"", headers={"Location": f"{req.base}/{HOMES[site]}"})
    status = int(how)
    return Response(status, "text/plain; charset=utf-8", f"{status} Not Found".encode())


def abs_url(req: Request, a: Article) -> str:
    return req.base + paths_for(a)
