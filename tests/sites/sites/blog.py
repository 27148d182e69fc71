"""blog.example: a generic WordPress (Newspaper theme) news blog, the site of seed 003. No profile exists."""

from __future__ import annotations

import zlib
from datetime import datetime

from ..catalog import Catalog
from ..model import TPE, Article, iso, rfc822_tpe
from ..web import Request, Response, cdata, esc, not_found, to_int, xml_response
from .common import abs_url, article_response

SWAPS = [
    ('class="td-post-content', 'class="post-body-text'),
    ('class="entry-title', 'class="headline'),
    ("td-post-header", "post-head"),
]
TODAY = "Wednesday, January 28, 2026"
HOME_SIZE = 10
UUID = "8e3055d3-6131-49a1-9717-82ccecc4bb7a"


def long_date(dt: datetime) -> str:
    t = dt.astimezone(TPE)
    return f"{t:%B} {t.day}, {t.year}"


def chrome(req: Request, title: str, inner: str, head: str = "") -> str:
    home = f"{req.base}/blog.example/"
    return f"""<!DOCTYPE html>
<html lang="en-US"><head><meta charset="UTF-8"><title>{esc(title)} | Tech Taiwan Blog</title>
<meta name="generator" content="WordPress 6.4.3">
<link rel="alternate" type="application/rss+xml" title="Tech Taiwan Blog &raquo; Feed" href="{home}feed/">
{head}</head><body class="post-template-default single single-post td-standard-pack">
<div class="td-header-wrap"><div class="td-header-top-menu"><div class="td_data_time">{TODAY}</div></div>
<div class="td-header-menu-wrap"><ul id="menu-main" class="sf-menu"><li><a href="{home}">Home</a></li>
<li><a href="{home}category/news/">News/Blog</a></li></ul></div></div>
<div class="td-main-content-wrap">{inner}</div>
<div class="td-footer-wrap"><div class="footer-directories">
<a href="#">Best Technology Blogs and Websites to Follow - OnToplist.com</a> <a href="#">Viesearch - The \
Human-curated Search Engine</a> <a href="#">Blogarama - Blog Directory</a> <a href="#">Web Directory gma</a> \
<a href="#">Directory Master</a> <a href="#">http://tech.ellysdirectory.com</a> <span>{UUID}</span></div></div>
</body></html>
"""


def render(a: Article, req: Request) -> str:
    heads = {int(h) for h in a.extra.get("headings", "").split(",") if h}
    body = "\n".join(f"<h2>{esc(p)}</h2>" if i in heads else f"<p>{esc(p)}</p>" for i, p in enumerate(a.paragraphs))
    nodate = bool(a.extra.get("nodate"))
    head = "" if nodate else f'<meta property="article:published_time" content="{iso(a.published)}">'
    date = (
        ""
        if nodate
        else (
            f'<span class="td-post-date"><time class="entry-date updated td-module-date" '
            f'datetime="{iso(a.published)}">{long_date(a.published)}</time></span>'
        )
    )
    home = f"{req.base}/blog.example/"
    inner = f"""<article class="post type-post status-publish format-standard">
<div class="td-post-header"><div class="entry-crumbs"><span><a href="{home}">Home</a></span>\
<i class="td-bread-sep"></i><span><a href="{home}category/news/">News/Blog</a></span>\
<i class="td-bread-sep"></i><span class="td-bred-no-url-last">{esc(a.title)}</span></div>
<header class="td-post-title"><h1 class="entry-title">{esc(a.title)}</h1>
<div class="td-module-meta-info">{date}</div></header></div>
<div class="td-post-content tagdiv-type">
{body}
</div>
<div class="td-post-source-tags"><div class="td-post-source-via"><a href="#" rel="nofollow">source</a></div></div>
</article>
<div class="td_block_wrap td_block_related_posts"><h4 class="td-related-title">RELATED ARTICLES</h4></div>
<div class="comments" id="comments"><div id="respond" class="comment-respond"><h3 class="comment-reply-title">\
LEAVE A REPLY</h3><form class="comment-form"><p>Please enter your comment!</p><textarea name="comment"></textarea>
<p>Please enter your name here</p><input name="author"></form></div></div>
<div class="td-ss-main-sidebar"><h4 class="block-title">Most Popular</h4><h4 class="block-title">Recent Comments\
</h4></div>"""
    return chrome(req, a.title, inner, head)


def home_page(cat: Catalog, req: Request, page: int) -> Response:
    st = cat.sites["blog"]
    posts = "\n".join(
        f'<div class="td_module_10 td_module_wrap"><h3 class="entry-title td-module-title">'
        f'<a href="{esc(abs_url(req, a))}" '
        f'rel="bookmark" title="{esc(a.title)}">{esc(a.title)}</a></h3><div class="td-excerpt">'
        f"{esc(a.paragraphs[0][:160] if a.paragraphs else '')}</div></div>"
        for a in st.page((page - 1) * HOME_SIZE, HOME_SIZE)
    )
    nxt = f'<a href="{req.base}/blog.example/page/{page + 1}/">Next</a>' if page * HOME_SIZE < st.total() else ""
    return Response(
        body=chrome(req, "Home", f'<div class="td-ss-main-content">{posts}</div>{nxt}').encode(),
        last_modified=st.changed_at,
    )


def feed(cat: Catalog, req: Request) -> Response:
    st = cat.sites["blog"]
    home = f"{req.base}/blog.example/"
    items = "\n".join(
        f"""	<item>
		<title>{esc(a.title)}</title>
		<link>{esc(abs_url(req, a))}</link>
		<dc:creator>{cdata("admin")}</dc:creator>
		<pubDate>{rfc822_tpe(a.published)}</pubDate>
		<category>{cdata("News/Blog")}</category>
		<guid isPermaLink="false">{home}?p={zlib.crc32(a.id.encode()) % 100000}</guid>
		<description>{cdata(a.paragraphs[0] if a.paragraphs else "")}</description>
		<content:encoded>{cdata("".join(f"<p>{esc(p)}</p>" for p in a.paragraphs))}</content:encoded>
	</item>"""
        for a in st.page(0, HOME_SIZE)
    )
    xml = f"""<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"
	xmlns:content="http://purl.org/rss/1.0/modules/content/"
	xmlns:dc="http://purl.org/dc/elements/1.1/"
	xmlns:atom="http://www.w3.org/2005/Atom"
	xmlns:sy="http://purl.org/rss/1.0/modules/syndication/">
<channel>
	<title>Tech Taiwan Blog</title>
	<atom:link href="{home}feed/" rel="self" type="application/rss+xml" />
	<link>{home}</link>
	<description>Technology news from Taiwan</description>
	<lastBuildDate>{rfc822_tpe(st.changed_at)}</lastBuildDate>
	<language>en-US</language>
	<sy:updatePeriod>hourly</sy:updatePeriod>
	<sy:updateFrequency>1</sy:updateFrequency>
	<generator>https://wordpress.org/?v=6.4.3</generator>
{items}
</channel>
</rss>
"""
    return xml_response(xml, st.changed_at)


def sitemap(cat: Catalog, req: Request) -> Response:
    st = cat.sites["blog"]
    urls = "\n".join(
        f"<url><loc>{esc(abs_url(req, a))}</loc><lastmod>{iso(a.modified)}</lastmod></url>" for a in st.page(0, 1000)
    )
    xml = (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
        f"{urls}\n</urlset>\n"
    )
    return xml_response(xml, st.changed_at, "application/xml; charset=utf-8")


def handle(cat: Catalog, req: Request) -> Response | None:
    if req.method not in ("GET", "HEAD"):
        return not_found()
    p = req.path
    if p in ("", "/"):
        return home_page(cat, req, 1)
    if p.startswith("/page/"):
        return home_page(cat, req, max(1, to_int(p.strip("/").split("/")[-1], 1)))
    if p == "/feed/":
        return feed(cat, req)
    if p == "/sitemap.xml":
        return sitemap(cat, req)
    parts = p.strip("/").split("/")
    if len(parts) == 4 and p.endswith("/"):
        a = cat.get("blog", parts[3])
        if a is None or f"{a.published.astimezone(TPE):%Y/%m/%d}" != "/".join(parts[:3]):
            return not_found()
        return article_response(cat, req, "blog", parts[3], render, SWAPS)
    return not_found()
