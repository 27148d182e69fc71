"""nspp.mofa.gov.tw, the New Southbound Policy portal: /nspp/ (zh), /nsppe/ (en), /nsppid/ (id)."""

from __future__ import annotations

from ..catalog import NSPP_ROOT, Catalog
from ..model import TPE, Article
from ..web import Request, Response, esc, not_found, to_int
from .common import article_response, page_modified

SWAPS = [
    ('class="news_title"', 'class="headline-box"'),
    ('class="news_content"', 'class="story"'),
    ('class="editor"', 'class="story-body"'),
    ("<h2>", '<h2 class="headline">'),
]
LIST_SIZE = 10
ROOT_SITE = {v: k for k, v in NSPP_ROOT.items()}
UNITS = {
    "nspp-zh": {"255": "政府要聞"},
    "nspp-en": {"370": "Government News"},
    "nspp-id": {"434": "Berita Utama", "433": "Agenda Kebijakan"},
}
SKIP = {"nspp-zh": "跳到主要內容區塊", "nspp-en": "Jump to main content", "nspp-id": "Kembali ke konten utama"}
LANG = {"nspp-zh": "zh-Hant-TW", "nspp-en": "en", "nspp-id": "id"}
PREFIX = "New Southbound Policy。"


def leaks(site: str, title: str) -> tuple[str, str]:
    """(img alt, link title) whose text leaks into naive extraction."""
    if site == "nspp-en":
        return f"{title}Photos - New Southbound Policy", f"Enlarge {title} Photos"
    if site == "nspp-zh":
        return f"{title}圖片 - 新南向政策", f"放大檢視 {title} 圖片"
    return title, f"Perbesar {title}"


def img_url(req: Request, a: Article) -> str:
    t = a.published.astimezone(TPE)
    return f"{req.base}/image.taiwantoday.tw/images/content/img{t:%Y%m%d}{a.id[-4:]}.jpg"


def chrome(site: str, title: str, inner: str) -> str:
    home = {"nspp-zh": "新南向政策", "nspp-en": "New Southbound Policy", "nspp-id": "New Southbound Policy"}[site]
    return f"""<!DOCTYPE html>
<html lang="{LANG[site]}"><head><meta charset="utf-8"><title>{esc(title)} - {home}</title></head><body>
<a class="skip" href="#main" title="{SKIP[site]}">{SKIP[site]}</a>
<header id="header"><div class="logo"><a href="index.php"><img src="data:," alt=""></a></div></header>
<main id="main">{inner}</main>
<footer id="footer"><div class="copyright"><img src="data:," alt=""></div></footer>
</body></html>
"""


def render(a: Article, req: Request) -> str:
    alt, enlarge = leaks(a.site, a.title)
    lede = a.extra.get("lede", a.paragraphs[0] if a.paragraphs else "")
    body = "<p>&nbsp;</p>\n".join(f"<p>{esc(p)}</p>\n" for p in a.paragraphs)
    inner = f"""<div class="news_title"><h2>{esc(a.title)}</h2></div>
<div class="news_pic"><figure class="photo"><a href="{img_url(req, a)}" title="{esc(enlarge)}">\
<img src="{img_url(req, a)}" alt="{esc(alt)}" title="{esc(enlarge)}"></a>
<figcaption>{esc(PREFIX + lede)}</figcaption></figure></div>
<div class="summary"><p>{esc(lede)}</p></div>
<div class="news_content"><div class="editor">
{body}</div></div>
<div class="share"><a href="print.php?post={a.id}&amp;unit={a.channel}" class="print" title="print">\
<i class="icon-print"></i></a></div>"""
    return chrome(a.site, a.title, inner)


def print_view(cat: Catalog, req: Request, site: str) -> Response:
    a = cat.get(site, req.query.get("post", ""))
    if a is None:
        return not_found()
    body = "\n".join(f"<p>{esc(p)}</p>" for p in a.paragraphs)
    text = f"""<!DOCTYPE html>
<html lang="{LANG[site]}"><head><meta charset="utf-8"><title>New Southbound Policy Portal</title></head><body>
<div class="print_header">New Southbound Policy Portal</div>
<div class="print_content">{body}</div>
</body></html>
"""
    return Response(body=text.encode("utf-8"), last_modified=page_modified(cat.sites[site], a))


def list_page(cat: Catalog, req: Request, site: str) -> Response:
    unit = req.query.get("unit", "")
    if unit not in UNITS[site]:
        return not_found()
    page = max(1, to_int(req.query.get("page"), 1))
    st = cat.sites[site]
    items = []
    for a in st.page((page - 1) * LIST_SIZE, LIST_SIZE, unit):
        alt, enlarge = leaks(site, a.title)
        href = esc(f"news.php?post={a.id}&unit={unit}")
        lede = a.extra.get("lede", a.paragraphs[0] if a.paragraphs else "")
        caption = f'<p class="caption">{esc(PREFIX + lede)}</p>' if site == "nspp-id" else ""
        items.append(f"""<li><div class="pic"><a href="{href}" title="{esc(a.title)}">\
<img src="{img_url(req, a)}" alt="{esc(alt)}"><span class="alt">{esc(alt)}</span></a>
<span class="enlarge">{esc(enlarge)}</span></div>{caption}
<div class="txt"><h3><a href="{href}">{esc(a.title)}</a></h3>
<span class="date">{a.published.astimezone(TPE):%Y-%m-%d}</span>
<p>{esc(lede)}</p></div></li>""")
    pages = max(1, -(-st.total(unit) // LIST_SIZE))
    nxt = f'<a class="next" href="list_tt.php?unit={unit}&amp;page={page + 1}">&gt;</a>' if page < pages else ""
    inner = f"""<div class="ptitle"><h2>{UNITS[site][unit]}</h2></div>
<div class="list_tt"><ul>
{chr(10).join(items)}
</ul></div><div class="page">{nxt}</div>"""
    return Response(body=chrome(site, UNITS[site][unit], inner).encode("utf-8"), last_modified=st.changed_at)


def handle(cat: Catalog, req: Request) -> Response | None:
    parts = req.path.strip("/").split("/")
    if len(parts) != 2 or parts[0] not in ROOT_SITE or req.method not in ("GET", "HEAD"):
        return not_found()
    site = ROOT_SITE[parts[0]]
    if parts[1] == "list_tt.php":
        return list_page(cat, req, site)
    if parts[1] == "news.php":
        return article_response(cat, req, site, req.query.get("post", ""), render, SWAPS)
    if parts[1] == "print.php":
        return print_view(cat, req, site)
    return not_found()
