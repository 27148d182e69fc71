"""moda.gov.tw (數位發展部): press-release lists, the www-api list API, articles (zh, en), the ipfs mirror."""

from __future__ import annotations

from ..catalog import Catalog
from ..model import TPE, Article
from ..web import Request, Response, esc, not_found, to_int
from .common import abs_url, article_response

SWAPS = [
    ('class="pageTitle"', 'class="headline-box"'),
    ('class="article1 cpArticle"', 'class="story-body"'),
    ('class="articleInfo"', 'class="story-info"'),
    ("<h2>", '<h2 class="headline">'),
]
LIST_SIZE = 15


def list_items(req: Request, arts: list[Article]) -> str:
    out = []
    for a in arts:
        tags = "".join(
            f'\n          <a href="javascript:;" class="btn tagclick btn-color2" role="button">{esc(t)}</a>'
            for t in a.extra.get("tags", "").split("|")
            if t
        )
        out.append(f"""      <li class="list-group-item d-block bg-transparent px-0">
        <a href="{esc(abs_url(req, a))}" class="listCon d-flex w-100 justify-content-md-between align-items-top \
flex-wrap" title="移至{esc(a.title)}">
          <div class="listDate me-2 pe-1 me-md-0 pe-md-0 ms-md-3 order-1 order-md-3">\
{a.published.astimezone(TPE):%Y-%m-%d}</div>
          <div class="listUnit ms-md-3 order-2">{esc(a.extra.get("unit", ""))}</div>
          <div class="col-12 col-md mb-0 order-3 order-md-1">
            <b class="title5 fw-normal">
              {esc(a.title)}
            </b>
          </div>
        </a>
        <div class="listTag2">{tags}
        </div>
      </li>""")
    return '    <ul class="list4-2 list-group divider mb-5" id="ListTable">\n' + "\n".join(out) + "\n    </ul>\n"


def chrome(en: bool, title: str, inner: str) -> str:
    skip = "To the central content area" if en else "跳到主要內容區塊"
    return f"""<!DOCTYPE html>
<html lang="{"en" if en else "zh-Hant-TW"}"><head><meta charset="utf-8">
<title>{esc(title)} - {"Ministry of Digital Affairs" if en else "數位發展部"}</title></head><body>
<a href="#C" class="skipToContent" title="{skip}">{skip}</a>
<header class="header"><nav class="navbar"><a class="navbar-brand" href="#"><img src="data:," alt=""></a>
<button type="button" class="btn darkModeToggle">Toggle Dark/Light Mode Dark Mode</button></nav></header>
<main id="main"><a accesskey="C" href="#C" id="C" title="{"Central content" if en else "中央內容區塊"}">:::</a>
{inner}
</main>
<a href="#top" class="goTop">Go Top</a>
</body></html>
"""


def render(a: Article, req: Request) -> str:
    en = a.site == "moda-en"
    heads = {int(h) for h in a.extra.get("headings", "").split(",") if h}
    body = "\n".join(f"<h3>{esc(p)} </h3>" if i in heads else f"<p>{esc(p)}</p>" for i, p in enumerate(a.paragraphs))
    info = ""
    if not en:
        upd = (a.updated or a.published).astimezone(TPE)
        info = f"""<div class="articleInfo"><ul>
<li>發布單位:{esc(a.extra.get("unit", "數位發展部"))}</li>
<li>建立日期:{a.published.astimezone(TPE):%Y-%m-%d}</li>
<li>更新日期:{upd:%Y-%m-%d}</li></ul></div>"""
    inner = f"""<div class="pageTitle"><h2>{esc(a.title)}</h2></div>
{info}
<div class="article1 cpArticle">
{body}
</div>
<div class="share"><a href="#" title="Facebook"><i class="icon-fb"></i></a></div>"""
    return chrome(en, a.title, inner)


def list_page(cat: Catalog, req: Request, site: str) -> Response:
    st = cat.sites[site]
    en = site == "moda-en"
    inner = f'<div class="pageTitle"><h2>{"Press Releases" if en else "新聞稿"}</h2></div>\n' + list_items(
        req, st.page(0, LIST_SIZE, "372")
    )
    return Response(
        body=chrome(en, "Press Releases" if en else "新聞稿", inner).encode("utf-8"), last_modified=st.changed_at
    )


def news_api(cat: Catalog, req: Request) -> Response:
    f = req.form()
    site = "moda-en" if str(f.get("Lang", "zh-tw")).lower().startswith("en") else "moda-zh"
    page = max(1, to_int(f.get("P"), 1))
    size = min(100, max(1, to_int(f.get("DisplayCount"), LIST_SIZE)))
    main = str(f.get("MainSN", "372"))
    arts = cat.sites[site].page((page - 1) * size, size, "372") if main == "372" else []
    return Response(body=list_items(req, arts).encode("utf-8"), last_modified=cat.sites[site].changed_at)


def handle(cat: Catalog, req: Request) -> Response | None:
    if req.host == "www-api.moda.gov.tw":
        return news_api(cat, req) if req.path == "/WebsiteList/NewsList" and req.method == "POST" else not_found()
    if req.method not in ("GET", "HEAD"):
        return not_found()
    p = req.path
    en = p.startswith("/en/")
    rest = p.removeprefix("/en")
    if rest.rstrip("/") == "/press/press-releases/372" and req.host == "moda.gov.tw":
        return list_page(cat, req, "moda-en" if en else "moda-zh")
    if rest.startswith("/press/press-releases/"):
        id = rest.removeprefix("/press/press-releases/")
        if req.host == "ipfs.moda.gov.tw":
            if not id.endswith(".html"):
                return not_found()
            id = id.removesuffix(".html")
        return article_response(cat, req, "moda-en" if en else "moda-zh", id, render, SWAPS)
    if p == "/press/clarification/2510.html" and req.host == "moda.gov.tw":
        return article_response(cat, req, "moda-zh", "2510", render, SWAPS)
    return not_found()
