"""www.cna.com.tw (中央社), modelled on the real page in corpus/cna-real; the real capture is served verbatim."""

from __future__ import annotations

from pathlib import Path

from ..catalog import CNA_CATS, CNA_NAMES, Catalog
from ..model import TPE, Article
from ..web import Request, Response, esc, json_response, not_found, to_int
from .common import abs_url, article_response, page_modified

SWAPS = [
    ('class="article"', 'class="news-story"'),
    ('class="centralContent"', 'class="story-wrap"'),
    ('class="paragraph"', 'class="story-body"'),
    ('class="updatetime"', 'class="story-time"'),
    ('class="timeBox"', 'class="story-meta"'),
    ("<h1>", '<h1 class="headline">'),
]


def render(a: Article, req: Request) -> str:
    t = a.published.astimezone(TPE)
    url = abs_url(req, a)
    name = CNA_NAMES.get(a.channel, "即時")
    upd = a.updated.astimezone(TPE) if a.updated else None
    upd_text = f"({upd.month}/{upd.day} {upd:%H:%M} 更新)" if upd and upd > a.published else ""
    desc = esc(a.paragraphs[0] if a.paragraphs else "")
    body = "".join(f"<p>{esc(p)}</p>" for p in a.paragraphs)
    share = (
        f'<div class="fbShareBox"><div class="fb-like" data-href="{esc(url)}"></div></div>'
        f'<div class="toolBox"><a class="btn_fb fb-color" aria-label="FB分享" href="javascript:" '
        f'data-href="{esc(url)}"><i class="icon-fb"></i></a><a class="btn_line line-color" '
        f'aria-label="LINE分享" href="javascript:" data-title="{esc(a.title)}"><i class="icon-line"></i>'
        f'</a><a class="btn_copy copy-color" aria-label="複製連結" href="javascript:" '
        f'data-clipboard-text="{esc(url)}"><i class="icon-link"></i></a></div>'
    )
    modified = (upd or a.published).astimezone(TPE)
    return f"""<!DOCTYPE html><html lang="zh-Hant-TW"><head><meta charset="utf-8"><title>
	{esc(a.title)} | {name} | 中央社 CNA
</title><meta name="description" content="{desc}" /><link href="{esc(url)}" rel="canonical" />\
<meta property="og:url" content="{esc(url)}" />\
<meta property="og:title" content="{esc(a.title)} | {name} | 中央社 CNA" />\
<meta property="og:description" content="{desc}" /><meta property="og:type" content="article" />\
<meta itemprop="dateModified" content="{modified:%Y/%m/%d %H:%M}" />\
<meta itemprop="datePublished" content="{t:%Y/%m/%d %H:%M}" /></head>
<body>
<div class="privacy-box"><p>本網站使用相關技術提供更好的閱讀體驗，同時尊重使用者隱私，點這裡瞭解中央社隱私聲明\
當您關閉此視窗，代表您同意上述規範。</p></div>
<div class="lang-tip"><p>Your browser does not appear to support Traditional Chinese. Would you like to go to \
CNA’s English website, “Focus Taiwan" ?</p>
<p>こちらのページは繁体字版です。日本語版「フォーカス台湾」に移動しますか。</p></div>
<div class="app-download"><span><img alt="中央社一手新聞APP Icon" src="data:,">中央社一手新聞APP</span>
<a href="#">下載</a></div>
<div class="wrapper"><div class="main-area">
<article class="article" data-origin-type-name="{name}" data-title="{esc(a.title)}" data-canonical-url="{esc(url)}">\
<div class="centralContent"><h1><span>{esc(a.title)}</span></h1>\
<div class="timeBox"><div class="updatetime"><span>{t:%Y/%m/%d %H:%M}</span>{upd_text}</div></div>\
<div class="mbBtnGroup">{share}<a class="fontSizeBtn" aria-label="切換字級大小" href="javascript:"></a></div>\
<div class="listen"><p>請同意我們的隱私權規範，才能啟用聽新聞的功能。</p></div>
<div class="listen"><p>請同意我們的隱私權規範，才能啟用聽新聞的功能。</p></div>
<div class="paragraph">{body}</div>
<div class="paragraph BtnShareGroup">{share}</div>
<div class="SubscriptionInner"><p>訂閱中央社電子報，每日新聞不漏接</p><a href="#">立即訂閱</a></div>
<div class="gmailNews"><a href="#">中央社新聞 Google 新聞訂閱</a></div>
<div class="paragraph articleADbox"><div class="advertiseBox"></div></div>
</div></article>
</div></div>
</body></html>
"""


def real_page(cat: Catalog, req: Request, a: Article) -> Response:
    body = Path(a.extra["verbatim"]).read_bytes()
    return Response(body=body, last_modified=page_modified(cat.sites["cna"], a))


def news_list(cat: Catalog, req: Request) -> Response:
    f = req.form()
    category = str(f.get("category", "aall") or "aall")
    page, size = max(1, to_int(f.get("pageidx"), 1)), min(100, max(1, to_int(f.get("pagesize"), 20)))
    channel = category if category in CNA_CATS else None
    st = cat.sites["cna"]
    items = [
        {
            "HeadLine": a.title,
            "PageUrl": abs_url(req, a),
            "CreateTime": f"{a.published.astimezone(TPE):%Y/%m/%d %H:%M}",
            "ClassName": CNA_NAMES.get(a.channel, a.channel),
            "Category": a.channel,
        }
        for a in st.page((page - 1) * size, size, channel)
    ]
    return json_response({"Result": "Y", "ResultData": {"Items": items, "PageIdx": page, "Total": st.total(channel)}})


def handle(cat: Catalog, req: Request) -> Response | None:
    if req.path == "/cna2018api/api/WNewsList" and req.method == "POST":
        return news_list(cat, req)
    parts = req.path.strip("/").split("/")
    if len(parts) == 3 and parts[0] == "news" and parts[2].endswith(".aspx") and req.method in ("GET", "HEAD"):
        id = parts[2].removesuffix(".aspx")
        a = cat.get("cna", id)
        if a is None or a.channel != parts[1]:
            return not_found()
        if "verbatim" in a.extra and not cat.sites["cna"].redesign:
            return real_page(cat, req, a)
        return article_response(cat, req, "cna", id, render, SWAPS)
    return not_found()
