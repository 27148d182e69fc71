"""focustaiwan.tw (CNA English news) and its FeedBurner RSS feed."""

from __future__ import annotations

from ..catalog import FT_CATS, Catalog
from ..model import TPE, Article, rfc822_tpe
from ..web import Request, Response, cdata, esc, json_response, not_found, to_int, xml_response
from .common import abs_url, article_response

SWAPS = [
    ('class="PrimarySide"', 'class="main-column"'),
    ('class="centralContent"', 'class="story"'),
    ('class="paragraph"', 'class="story-body"'),
    ('class="updatetime"', 'class="story-time"'),
    ('class="author"', 'class="story-credit"'),
    ("<h1>", '<h1 class="headline">'),
]
CAT_NAME = {
    "politics": "Politics",
    "cross-strait": "Cross-Strait",
    "business": "Business",
    "society": "Society",
    "sci-tech": "Sci-Tech",
    "culture": "Culture",
    "sports": "Sports",
}


def render(a: Article, req: Request) -> str:
    t = a.published.astimezone(TPE)
    url = abs_url(req, a)
    paras = list(a.paragraphs)
    byline = paras.pop() if paras and paras[-1].startswith("(By ") else None
    body = "\n".join(f"<p>{esc(p)}</p>" for p in paras)
    author = f"<p>{esc(byline)}</p>" if byline else ""
    caption = esc(a.extra.get("caption", "CNA file photo"))
    img = req.base + f"/imgcdn.cna.com.tw/Eng/WebEngPhotos/800/{t:%Y%m%d}/{a.id}.jpg"
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>{esc(a.title)} - Focus Taiwan</title>
<meta name="author" content="Focus Taiwan - CNA English News">
<meta name="description" content="{esc(paras[0] if paras else "")}">
<link rel="canonical" href="{esc(url)}">
<meta property="og:title" content="{esc(a.title)}"><meta property="og:url" content="{esc(url)}">
<meta property="og:type" content="article">
</head><body>
<div class="appDownload"><div class="appName">Focus Taiwan App</div><a class="btn" href="#">Download</a></div>
<header class="header"><a class="logo" href="{req.base}/focustaiwan.tw/"><img src="data:," alt=""></a></header>
<div class="wrapper"><div class="PrimarySide">
<div class="centralContent">
<h1><span>{esc(a.title)}</span></h1>
<div class="timeBox"><div class="updatetime"><span>{t:%m/%d/%Y %I:%M %p}</span></div></div>
</div>
<div class="ttsNotice">To activate the text-to-speech service, please first agree to the privacy policy below.</div>
<div class="fullPic"><figure><img data-src="{img}" src="data:image/gif;base64,R0lGODlhAQABAAAAACw=" alt="{caption}">
<figcaption>{caption}</figcaption></figure></div>
<div class="paragraph">
{body}
<div class="author">{author}<p>Enditem/{esc(a.extra.get("enditem", "kb"))}</p></div>
</div>
</div></div>
<div class="audio-player"><span class="current">0:00</span> / <span class="total">0:00</span></div>
<div class="privacyBox"><p>We value your privacy.</p>
<p>Focus Taiwan (CNA) uses tracking technologies to provide better reading experiences, but it also respects \
readers' privacy. Click here to find out more about Focus Taiwan's privacy policy. When you close this window, \
it means you agree with this policy.</p></div>
<div class="srv">{a.extra.get("stray", str(len(a.id) * 3 + int(a.id[-2:] or 0)))}</div>
</body></html>
"""


def rss(cat: Catalog, req: Request) -> Response:
    st = cat.sites["focustaiwan"]
    items = []
    for a in st.page(0, 50):
        t = a.published.astimezone(TPE)
        desc = a.paragraphs[0] if a.paragraphs else ""
        items.append(f"""    <item>
      <guid isPermaLink="false">CNA/{t:%Y%m%d}/{a.id}</guid>
      <title>{cdata(a.title)}</title>
      <link>{esc(abs_url(req, a))}</link>
      <pubDate>{rfc822_tpe(a.published)}</pubDate>
      <description>{cdata(desc)}</description>
    </item>""")
    home = req.base + "/focustaiwan.tw/news"
    xml = f"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom">
  <channel>
    <title> Latest | FOCUS TAIWAN - CNA ENGLISH NEWS</title>
    <link>{home}</link>
    <description>As Taiwan's national news agency, Focus Taiwan (focustaiwan.tw) to provide real-time news \
related to Taiwan to the English-reading public at home and abroad.</description>
    <language>en</language>
    <copyright>The Central News Agency</copyright>
    <lastBuildDate>{st.changed_at.strftime("%a, %d %b %Y %H:%M:%S GMT")}</lastBuildDate>
    <ttl>15</ttl>
    <image>
      <title>Latest | FOCUS TAIWAN - CNA ENGLISH NEWS</title>
      <width>400</width>
      <height>300</height>
      <link>{home}</link>
      <url>{req.base}/focustaiwan.tw/img/default.png</url>
    </image>
{chr(10).join(items)}
  </channel>
</rss>
"""
    return xml_response(xml, st.changed_at, "application/xml; charset=utf-8")


def news_list(cat: Catalog, req: Request) -> Response:
    f = req.form()
    category = str(f.get("category", "news") or "news")
    page, size = max(1, to_int(f.get("pageidx"), 1)), min(100, max(1, to_int(f.get("pagesize"), 20)))
    channel = category if category in FT_CATS else None
    st = cat.sites["focustaiwan"]
    items = [
        {
            "HeadLine": a.title,
            "PageUrl": abs_url(req, a),
            "ClassName": CAT_NAME.get(a.channel, a.channel),
            "CreateTime": f"{a.published.astimezone(TPE):%Y/%m/%d %H:%M}",
        }
        for a in st.page((page - 1) * size, size, channel)
    ]
    return json_response({"Result": "Y", "ResultData": {"Items": items, "PageIdx": page, "Total": st.total(channel)}})


def handle(cat: Catalog, req: Request) -> Response | None:
    if req.host == "feeds.feedburner.com":
        return rss(cat, req) if req.path == "/rsscna/engnews" and req.method in ("GET", "HEAD") else not_found()
    if req.path == "/cna2019api/cna/FTNewsList" and req.method == "POST":
        return news_list(cat, req)
    parts = req.path.strip("/").split("/")
    if len(parts) == 2 and parts[0] in FT_CATS and req.method in ("GET", "HEAD"):
        a = cat.get("focustaiwan", parts[1])
        if a is None or a.channel != parts[0]:
            return not_found()
        return article_response(cat, req, "focustaiwan", parts[1], render, SWAPS)
    return not_found()
