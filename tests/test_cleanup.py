"""The clean-up pass: profile rules plus universal rules that never remove real content."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from crawler.extract.cleanup import clean_article, clean_paragraphs, drop_repeats, fold
from crawler.extract.profile import PageRules, builtin_profiles

UNIVERSAL_BOILERPLATE = [
    "Skip to main content",
    "Jump to main content",
    "跳到主要內容區塊",
    "Kembali ke konten utama",
    "To the central content area",
    "Toggle Dark/Light Mode Dark Mode",
    ":::",
    "Go Top",
    "We value your privacy.",
    "Focus Taiwan (CNA) uses tracking technologies to provide better reading experiences, but it also respects "
    "readers' privacy. Click here to find out more about Focus Taiwan's privacy policy.",
    "本網站使用相關技術提供更好的閱讀體驗，同時尊重使用者隱私，點這裡瞭解中央社隱私權聲明。",
    "To activate the text-to-speech service, please first agree to the privacy policy below.",
    "請同意我們的隱私權規範，才能啟用聽新聞的功能。",
    "Focus Taiwan App",
    "Download",
    "中央社一手新聞APP 掌握國內外大小事 下載",
    "Perbesar MOFA dan MOHW Bentuk Tim Medis",
    "Enlarge Taiwan and India sign MOU Photos",
    "Taiwan and India sign MOU Photos - New Southbound Policy",
    "放大檢視 臺印簽署備忘錄 圖片",
    "臺印簽署備忘錄圖片 - 新南向政策",
    "0:00 / 0:00",
    "0:00",
    "/",
    "41",
]


@pytest.mark.parametrize("line", UNIVERSAL_BOILERPLATE)
def test_universal_boilerplate_goes(line: str) -> None:
    assert clean_paragraphs([line, "A real paragraph."], title=None) == ["A real paragraph."]


@pytest.mark.parametrize(
    "line",
    [
        "Users can Download the report from the ministry's website, officials said.",
        "The app uses cookies, the regulator found, in breach of the law.",
        "In 2023, 41 countries signed the declaration.",
        "(Full text of the story is now in CNA English news archive. To view the full story, please subscribe.)",
        "您所瀏覽的新聞已過查詢時效。建議您加入中央社付費會員找尋您要的新聞。",
        "Go Top performers were honoured at the ceremony.",
        "1. Participating in International Digital Development Policy Exchange Activities",
    ],
)
def test_real_content_stays(line: str) -> None:
    assert clean_paragraphs([line], title=None) == [line]


def test_end_marker_ends_the_body_before_it() -> None:
    rules = builtin_profiles()["focustaiwan"].page_rules("https://focustaiwan.tw/business/202512020024")
    lines = ["Body.", "(By Tseng Yun-ting and Frances Huang)", "Enditem/kb", "After the end."]
    assert clean_paragraphs(lines, title=None, rules=rules) == ["Body.", "(By Tseng Yun-ting and Frances Huang)"]


def test_strip_patterns_and_profile_boilerplate() -> None:
    rules = PageRules(strip_patterns=("^New Southbound Policy。",), boilerplate=("Exact line", "^Regex "))
    lines = ["New Southbound Policy。The lede.", "Exact line", "Exact line plus", "Regex line", "x Regex y"]
    assert clean_paragraphs(lines, title=None, rules=rules) == ["The lede.", "Exact line plus", "x Regex y"]


def test_paragraph_equal_to_the_title_goes() -> None:
    assert clean_paragraphs(["Big  News", "Body."], title="Big News") == ["Body."]


def test_nspp_lede_is_kept_once_at_its_body_position() -> None:
    rules = builtin_profiles()["nspp-id"].page_rules("https://nspp.mofa.gov.tw/nsppid/news.php?post=1&unit=434")
    lede = "Dengan strategi ini, Taiwan akan terus mempererat hubungan."
    lines = [f"New Southbound Policy。{lede}", lede, "First body paragraph.", lede, "Last body paragraph."]
    assert clean_paragraphs(lines, title=None, rules=rules) == ["First body paragraph.", lede, "Last body paragraph."]


def test_repeats_outside_the_body_keep_the_first() -> None:
    assert drop_repeats(["Caption.", "Caption.", "Body.", "Body two."]) == ["Caption.", "Body.", "Body two."]


def test_clean_article_folds_and_fills_language() -> None:
    article = clean_article(
        " A\u00a0 title ",
        ["  one\u3000two ", ""],
        rules=PageRules(language="en"),
        url="u",
        published=None,
        updated=None,
        language=None,
        author=" Wang ",
    )
    assert (article.title, article.paragraphs, article.language, article.author) == (
        "A title",
        ("one two",),
        "en",
        "Wang",
    )
    assert article.to_text() == "A title\none two\n"


@given(st.lists(st.text(max_size=40), max_size=12))
def test_clean_output_is_folded_unique_and_without_blank_lines(lines: list[str]) -> None:
    # unique on the profile path; the generic path keeps the article's own repeats (test_template.py)
    cleaned = clean_paragraphs(lines, title=None, rules=PageRules())
    assert all(line and line == fold(line) for line in cleaned)
    assert len(set(cleaned)) == len(cleaned)
    assert clean_paragraphs(cleaned, title=None, rules=PageRules()) == cleaned


def test_mofa_press_release_header_and_metadata_lines_go() -> None:
    rules = builtin_profiles()["mofa-en"].page_rules("https://en.mofa.gov.tw/News_Content.aspx?n=1329&s=1")
    lines = ["June 19, 2026\u00a0", "No. 278\u00a0", "• Date:2011-03-14", "• Data Source:Policy Planning", "Text. (E)"]
    assert clean_paragraphs(lines, title=None, rules=rules) == ["Text."]


def test_mofa_zh_metadata_lines_go() -> None:
    rules = builtin_profiles()["mofa-zh"].page_rules("https://www.mofa.gov.tw/News_Content.aspx?n=95&s=1")
    lines = ["• 發布時間:2022-03-08", "• 資料來源:公眾外交協調會", "※單位主管新聞說明會紀要:"]
    assert clean_paragraphs(lines, title=None, rules=rules) == ["※單位主管新聞說明會紀要:"]


def test_the_roc_date_in_a_ccms_metadata_block() -> None:
    from crawler.extract.page import extract

    rules = builtin_profiles()["mofa-zh"].page_rules("https://www.mofa.gov.tw/News_Content.aspx?n=95&s=1")
    page = (
        "<html><body><div class='simple-text title'><h3>新聞稿</h3></div><ul><li>發布時間:115-06-22</li></ul>"
        "<div class='area-essay page-caption-p'><p>外交部今天表示。</p></div></body></html>"
    )
    article = extract(page, "https://www.mofa.gov.tw/News_Content.aspx?n=95&s=1", rules).article
    assert article.to_text() == "新聞稿\n2026-06-22\n外交部今天表示。\n"
