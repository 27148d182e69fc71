"""extract(): the profile path, the degraded fallback, the real CNA page, fragments."""

from __future__ import annotations

import httpx
import pytest

from crawler.extract.decode import decode_html
from crawler.extract.page import NotAnArticle, extract, html_fragment_paragraphs
from crawler.extract.profile import PageRules, builtin_profiles
from tests.shared import CORPUS, needs_shared

CNA_REAL = CORPUS / "cna-real"
CNA_URL = "https://www.cna.com.tw/news/asoc/201603190029.aspx"
ARCHIVE_NOTICE = "您所瀏覽的新聞已過查詢時效。建議您加入中央社付費會員找尋您要的新聞。"
CNA_BOILERPLATE = ("本網站使用", "中央社一手新聞APP", "請同意我們的隱私權規範", "FB分享", "Your browser", "下載")


def cna_rules(url: str = CNA_URL) -> PageRules:
    return builtin_profiles()["cna"].page_rules(url)


CNA_PAGE = """<html><head><meta itemprop="datePublished" content="2020/03/05 13:55"></head><body>
<div class="privacy">本網站使用相關技術提供更好的閱讀體驗，同時尊重使用者隱私。</div>
<article class="article"><div class="centralContent"><h1><span>外交部：持續深化 臺美AI合作</span></h1>
<div class="timeBox"><div class="updatetime"><span>2020/3/5 13:55(3/5 14:16 更新)</span></div></div>
<div class="mbBtnGroup">中央社一手新聞APP 下載</div>
<div class="paragraph"><p>（中央社記者王揚台北5日電）外交部今天表示，將持續深化臺美人工智慧合作。</p>
<p>請同意我們的隱私權規範，才能啟用聽新聞的功能。</p>
<p>外交部指出，雙方&nbsp;將在供應鏈安全方面<br>加強協調。</p><p>（編輯：張三）1090305</p></div>
</div></article><script>var x = "script text";</script></body></html>"""


def test_profile_path_on_a_cna_page() -> None:
    extraction = extract(CNA_PAGE, "https://www.cna.com.tw/news/aipl/202003050123.aspx", cna_rules())
    article = extraction.article
    assert (extraction.method, extraction.degraded, extraction.problems) == ("profile", False, ())
    assert article.title == "外交部：持續深化 臺美AI合作"
    assert article.published is not None and article.published.iso() == "2020-03-05T13:55+08:00"
    assert article.updated is not None and article.updated.iso() == "2020-03-05T14:16+08:00"
    assert article.author == "王揚"
    assert article.language == "zh-Hant"
    assert article.paragraphs == (
        "（中央社記者王揚台北5日電）外交部今天表示，將持續深化臺美人工智慧合作。",
        "外交部指出，雙方 將在供應鏈安全方面",
        "加強協調。",
        "（編輯：張三）1090305",
    )


@needs_shared
@pytest.mark.parametrize("year", ["2018", "2019"])
def test_the_real_cna_page(year: str) -> None:
    content = (CNA_REAL / f"cna-201603190029-{year}.html").read_bytes()
    extraction = extract(decode_html(content, url=CNA_URL).text, CNA_URL, cna_rules())
    article = extraction.article
    assert (extraction.method, extraction.degraded) == ("profile", False)
    assert article.title is not None and "平鎮輪胎行惡火 疏散7人1女命喪" in article.title  # spaces folded
    assert article.published is not None and article.published.iso() == "2016-03-19T10:48+08:00"
    assert article.author == "邱俊欽"
    assert "桃園市平鎮區一家輪胎行" in article.body
    assert article.paragraphs[-1] == ARCHIVE_NOTICE
    assert not any(marker in article.to_text() for marker in CNA_BOILERPLATE)
    assert article.to_text().count("桃園市平鎮區一家輪胎行") == 1


REDESIGNED = (
    """<html><head><title>Taiwan and Japan sign AI pact - Focus Taiwan</title>
<meta property="og:title" content="Taiwan and Japan sign AI pact"></head><body>
<div class="appDownload">Focus Taiwan App <a>Download</a></div><nav><a>Politics</a> <a>Business</a></nav>
<main><section class="story"><h1 class="headline">Taiwan and Japan sign AI pact</h1>
<div class="meta"><span>12/02/2025 08:18 PM</span></div>
<div class="ttsNotice">To activate the text-to-speech service, please first agree to the privacy policy below.</div>
<div class="story-body">"""
    + "".join(
        f"<p>Paragraph {i}: Taiwan and Japan on Tuesday signed a memorandum on artificial intelligence research, "
        f"officials said, in a move to deepen cooperation on supply chains and talent exchange.</p>"
        for i in range(1, 6)
    )
    + """<p>(By Wang Cheng-chung)</p><p>Enditem/AW</p></div></section></main>
<footer><p>We value your privacy.</p><p>Focus Taiwan (CNA) uses tracking technologies to provide better reading
experiences, but it also respects readers' privacy. Click here to find out more about Focus Taiwan's privacy
policy.</p></footer></body></html>"""
)


def test_a_redesigned_page_falls_back_to_the_generic_path_and_stays_clean() -> None:
    rules = builtin_profiles()["focustaiwan"].page_rules("https://focustaiwan.tw/business/202512020024")
    extraction = extract(REDESIGNED, "https://focustaiwan.tw/business/202512020024", rules)
    assert (extraction.method, extraction.degraded) == ("generic", True)
    assert extraction.problems == ("body selectors matched no text: div.PrimarySide div.paragraph",)
    lines = extraction.article.to_text().splitlines()
    assert lines[:2] == ["Taiwan and Japan sign AI pact", "2025-12-02T20:18+08:00"]
    assert lines[2].startswith("Paragraph 1:") and lines[-1] == "(By Wang Cheng-chung)"
    assert len(lines) == 8


def test_missing_title_is_a_problem_when_one_is_expected() -> None:
    rules = PageRules(title=("h2.nope",), body=("div.text",))
    page = "<html><body><h1>Real title</h1><div class=text><p>" + "Body text. " * 40 + "</p></div></body></html>"
    extraction = extract(page, "https://x.test/1", rules)
    assert extraction.degraded and extraction.problems == ("title selectors matched nothing: h2.nope",)
    assert extraction.article.title == "Real title"


def test_a_print_view_has_no_title_and_that_is_fine() -> None:
    url = "https://nspp.mofa.gov.tw/nsppid/print.php?post=1&unit=434"
    rules = builtin_profiles()["nspp-id"].page_rules(url)
    page = "<html><body><div class=print_header>New Southbound Policy Portal</div><p>Isi.</p><p>Dua.</p></body></html>"
    extraction = extract(page, url, rules)
    assert (extraction.degraded, extraction.article.to_text()) == (False, "Isi.\nDua.\n")


@pytest.mark.parametrize("html", ["", "   ", "just some words", "<html><body><script>x()</script></body></html>"])
def test_not_an_article(html: str) -> None:
    with pytest.raises(NotAnArticle, match=r"https://x\.test/none"):
        extract(html, "https://x.test/none", None)


def test_html_fragment_paragraphs_for_open_data_text() -> None:
    fragment = (
        "<p>June 10, 2026</p><p>No. 260</p><div>The ministry&nbsp;said<br>more.</div><p>&nbsp;</p><ul><li>a</li></ul>"
    )
    assert html_fragment_paragraphs(fragment) == ["June 10, 2026", "No. 260", "The ministry said", "more.", "a"]


def test_replica_redesign_falls_back_for_every_profiled_seed() -> None:
    sites = pytest.importorskip("tests.sites")
    from tests.test_golden import SEED_PROFILES, clean_seed, rules_for

    with sites.ReplicaServer(port=0) as server, httpx.Client() as client:
        for seed, url in sorted(server.seeds().items()):
            profile_id = SEED_PROFILES[seed]
            if profile_id is None or "print.php" in url:
                continue
            server.redesign(profile_id)
            html = decode_html(client.get(url).content, url=url).text
            extraction = extract(html, url, rules_for(seed, url))
            server.redesign(profile_id, False)
            assert extraction.degraded and extraction.method == "generic"
            paragraphs, expected = list(extraction.article.paragraphs), clean_seed(seed).splitlines()
            assert len(paragraphs) >= len(expected) - 2 and expected[-len(paragraphs) :] == paragraphs
