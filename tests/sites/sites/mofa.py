"""en.mofa.gov.tw and www.mofa.gov.tw (GSS CCMS): lists, articles, RSS and open-data JSON/XML exports."""

from __future__ import annotations

import html
import json

from ..catalog import Catalog
from ..model import TPE, Article, ampm_zh, rfc822_tpe
from ..web import Request, Response, cdata, esc, not_found, to_int, xml_response
from .common import abs_url, article_response

SWAPS = [
    ('class="simple-text title"', 'class="headline-box"'),
    ('class="area-essay page-caption-p"', 'class="story-body"'),
    ('id="CCMS_Content"', 'id="main-content"'),
]
EXPORT_LIMIT = 100
RSS_SN = {"07564A7F01D47BAD": "1328", "3273AA376FB01416": "1329", "E57623EED610E7DF": "1330"}
JSON_SN = {"1AD1EEE9B14799F9": "1328", "086AB1BAE8BA7AA1": "1329", "BA30EA93CEC59132": "1330"}
XML_SN = {"A90B362827D4859C": "1328", "E2CF3FC7506D6C30": "1330"}
NODES = {
    "en.mofa.gov.tw": {
        "1328": ("273", "News and Events"),
        "1329": ("272", "Press Releases"),
        "1330": ("274", "Statements and Responses"),
    },
    "www.mofa.gov.tw": {"95": ("73", "新聞稿")},
}
SITE_OF = {"en.mofa.gov.tw": "mofa-en", "www.mofa.gov.tw": "mofa-zh"}
EN_MONTHS = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]


def essay_html(a: Article) -> str:
    """The body HTML, as in the page and in the open-data `Text` field."""
    paras = list(a.paragraphs)
    if a.site == "mofa-zh" or a.extra.get("plain"):
        return "".join(f"<p>{esc(p)}</p>" for p in paras)
    t = a.published.astimezone(TPE)
    head = f"<p>{EN_MONTHS[t.month - 1]} {t.day}, {t.year} &nbsp;</p>"
    if a.channel != "1330":
        head += f"<p>No. {a.extra.get('no', '100')}&nbsp;</p>"
    head += "<p><br></p>"
    if paras:
        paras[-1] += " (E)"
    body = '<p style="text-align: justify;">&nbsp;</p>'.join(
        f'<p style="text-align: justify;">{esc(p)}</p>' for p in paras
    )
    return head + body


def files_box(a: Article, req: Request) -> str:
    """The 附件 box of a press release: download links (as MOFA's, not always with a file extension)."""
    links = [line.split("|", 1) for line in a.extra.get("attachments", "").splitlines() if "|" in line]
    if not links:
        return ""
    items = "".join(f'<li><a href="{esc(req.base + path)}" title="{esc(label)}">{esc(label)}</a></li>'
                    for label, path in links)
    return f'<div class="area-files"><h4>{"附件" if a.site == "mofa-zh" else "Attachments"}</h4><ul>{items}</ul></div>'


def render(a: Article, req: Request) -> str:
    en = a.site == "mofa-en"
    t = a.published.astimezone(TPE)
    skip, label_d, label_s = (
        ("Skip to main content", "Date", "Data Source") if en else ("跳到主要內容區塊", "發布時間", "資料來源")
    )
    site_name = "Ministry of Foreign Affairs, Republic of China (Taiwan)" if en else "中華民國外交部"
    return f"""<!DOCTYPE html>
<html lang="{"en" if en else "zh-Hant-TW"}"><head><meta charset="utf-8"><title>{esc(a.title)}-{site_name}</title>
<meta name="DC.Title" content="{esc(a.title)}"><meta name="DC.Date" content="{t:%Y-%m-%d}">
</head><body>
<a href="#CCMS_Content" class="skip-link" title="{skip}">{skip}</a>
<header class="header"><div class="logo"><a href="Default.aspx">{site_name}</a></div>
<a href="#Accesskey_U" accesskey="U" title="top">:::</a></header>
<div class="group base-section"><div id="CCMS_Content" class="in"><div class="base-page-area">
<div class="simple-text title"><h3>{esc(a.title)}</h3></div>
<div class="list-text detail"><ul>
<li>• {label_d}:{t:%Y-%m-%d}</li>
<li>• {label_s}:{esc(a.extra.get("source", ""))}</li>
</ul></div>
<div class="area-essay page-caption-p">{essay_html(a)}</div>
{files_box(a, req)}</div></div></div>
<footer class="footer"><p>{site_name}</p><p>No. 2, Kaitakelan Blvd., Taipei</p></footer>
</body></html>
"""


def list_page(cat: Catalog, req: Request, site: str, node: str) -> Response:
    sms, label = NODES[req.host][node]
    page, size = max(1, to_int(req.query.get("page"), 1)), min(200, max(1, to_int(req.query.get("PageSize"), 20)))
    st = cat.sites[site]
    rows = []
    for a in st.page((page - 1) * size, size, node):
        href = esc(f"News_Content.aspx?n={a.extra.get('node', a.channel)}&s={a.id}")
        rows.append(f"""<tr><td class="CCMS_jGridView_td_Class_0 is-center" data-title="Date"><span>\
{a.published.astimezone(TPE):%Y-%m-%d}</span></td>
<td class="CCMS_jGridView_td_Class_1" data-title="Title"><span><a href="{href}" title="{esc(a.title)}">\
{esc(a.title)}</a></span></td></tr>""")
    pages = max(1, -(-st.total(node) // size))
    nxt = (
        f'<a href="News.aspx?n={node}&amp;sms={sms}&amp;page={page + 1}&amp;PageSize={size}" title="Next page">Next</a>'
        if page < pages
        else ""
    )
    en = site == "mofa-en"
    skip = "Skip to main content" if en else "跳到主要內容區塊"
    text = f"""<!DOCTYPE html><html><head><meta charset="utf-8"><title>{label}</title></head><body>
<a href="#CCMS_Content" class="skip-link">{skip}</a>
<div id="CCMS_Content"><h2 class="h2">{label}</h2>
<table class="table-list"><thead><tr><th>{"Date" if en else "發布日期"}</th>\
<th>{"Title" if en else "標題"}</th></tr></thead>
<tbody>
{chr(10).join(rows)}
</tbody></table>
<div class="page"><span>{page}/{pages}</span> {nxt}</div></div></body></html>
"""
    return Response(body=text.encode("utf-8"), last_modified=st.changed_at)


def rss(cat: Catalog, req: Request, node: str) -> Response:
    st = cat.sites["mofa-en"]
    sms, label = NODES["en.mofa.gov.tw"][node]
    items = "".join(
        f"<item><title>{cdata(a.title)}</title><link>{esc(abs_url(req, a))}</link>"
        f"<description>{cdata(essay_html(a))}</description><pubDate>{rfc822_tpe(a.published)}</pubDate></item>"
        for a in st.page(0, 50, node)
    )
    xml = (
        f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/" '
        f'd1p1:xsi="http://www.gov.tw/schema/RSS20.xsd" xmlns:d1p1="schemaLocation"><channel>'
        f"<title>Ministry of Foreign Affairs, Republic of China (Taiwan)-{label}</title>"
        f"<link>{esc(req.base)}/en.mofa.gov.tw/News.aspx?n={node}&amp;sms={sms}</link><language>en</language>"
        f"<copyright>Ministry of Foreign Affairs, Republic of China (Taiwan)</copyright>{items}</channel></rss>"
    )
    return xml_response(xml, st.changed_at)


def records(cat: Catalog, req: Request, node: str) -> list[dict[str, str]]:
    return [
        {
            "ArticleType": "0",
            "FileName": "",
            "Link": "",
            "Source": abs_url(req, a),
            "title": a.title,
            "Text": essay_html(a),
            "Date": ampm_zh(a.published),
            "Data Source": a.extra.get("source", ""),
            "相關檔案": "",
            "相關連結": "",
            "相關圖片": "",
            "Related video": "",
        }
        for a in cat.sites["mofa-en"].page(0, EXPORT_LIMIT, node)
    ]


def open_json(cat: Catalog, req: Request, node: str) -> Response:
    body = json.dumps(records(cat, req, node), ensure_ascii=False, indent=2).encode("utf-8")
    return Response(ctype="application/json; charset=utf-8", body=body, last_modified=cat.sites["mofa-en"].changed_at)


def open_xml(cat: Catalog, req: Request, node: str) -> Response:
    out = ['<?xml version="1.0" encoding="utf-16"?><Datas>']
    for r in records(cat, req, node):
        cols = "".join(
            f'<Column_{i} name="{html.escape(k)}">{html.escape(v, quote=False)}</Column_{i}>'
            for i, (k, v) in enumerate(r.items())
        )
        out.append(f"<Data>{cols}</Data>")
    out.append("</Datas>")
    body = "".join(out).encode("utf-16")  # with BOM, like the real export
    return Response(ctype="text/xml; charset=utf-16", body=body, last_modified=cat.sites["mofa-en"].changed_at)


def handle(cat: Catalog, req: Request) -> Response | None:
    site = SITE_OF[req.host]
    if req.method not in ("GET", "HEAD"):
        return not_found()
    if req.path == "/News.aspx":
        node = req.query.get("n", "")
        return list_page(cat, req, site, node) if node in NODES[req.host] else not_found()
    if req.path == "/News_Content.aspx":
        return article_response(cat, req, site, req.query.get("s", ""), render, SWAPS)
    if req.path == "/OpenData.aspx" and site == "mofa-en":
        sn = req.query.get("SN", "")
        if sn in RSS_SN:
            return rss(cat, req, RSS_SN[sn])
        if sn in JSON_SN:
            return open_json(cat, req, JSON_SN[sn])
        if sn in XML_SN:
            return open_xml(cat, req, XML_SN[sn])
    return not_found()
