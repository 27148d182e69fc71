"""Bytes to text: right or a DecodeError naming the URL, never mojibake, never a silent U+FFFD."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from crawler.extract.decode import DecodeError, decode_html, decode_text, normalise_charset

URL = "https://example.test/a"
TRADITIONAL = "中華民國外交部今天宣布與友邦加強合作，推動數位外交與人工智慧產業鏈，深化新南向政策。"
SIMPLIFIED = "中华人民共和国国务院今天发布通知，要求各地加强经济合作与数字产业发展，推进改革开放。"


def page(body: str, head: str = "") -> str:
    return f"<html><head>{head}<title>新聞</title></head><body><p>{body * 4}</p></body></html>"


@pytest.mark.parametrize(
    ("text", "codec"), [(page(TRADITIONAL), "big5"), (page(SIMPLIFIED), "gb18030"), (page(SIMPLIFIED), "gbk")]
)
def test_cjk_pages_without_charset_are_detected(text: str, codec: str) -> None:
    decoded = decode_html(text.encode(codec), url=URL)
    assert decoded.text == text
    assert decoded.source == "detected"


def test_meta_charset_is_honoured_and_gb2312_widened_to_gb18030() -> None:
    text = page(SIMPLIFIED, '<meta http-equiv="Content-Type" content="text/html; charset=gb2312">')
    decoded = decode_html(text.encode("gb18030"), url=URL)
    assert (decoded.text, decoded.encoding, decoded.source) == (text, "gb18030", "meta")


def test_http_charset_comes_before_meta() -> None:
    text = page(TRADITIONAL, "<meta charset=gbk>")
    decoded = decode_html(text.encode("big5"), url=URL, http_charset="big5")
    assert (decoded.text, decoded.encoding, decoded.source) == (text, "big5hkscs", "http")


@pytest.mark.parametrize(
    ("text", "codec", "declared"),
    [
        (page(TRADITIONAL), "big5", "utf-8"),
        (page(TRADITIONAL), "big5", "gbk"),
        (page(SIMPLIFIED), "gbk", "big5"),
        (page(SIMPLIFIED), "gbk", "iso-8859-1"),
        (page(TRADITIONAL), "utf-8", "iso-8859-1"),
        (page(TRADITIONAL), "utf-8", "big5"),
    ],
)
def test_a_wrong_declared_charset_never_gives_mojibake(text: str, codec: str, declared: str) -> None:
    for kwargs in ({"http_charset": declared}, {}):
        content = (text if kwargs else text.replace("<head>", f"<head><meta charset={declared}>")).encode(codec)
        decoded = decode_html(content, url=URL, **kwargs)
        assert TRADITIONAL in decoded.text or SIMPLIFIED in decoded.text


def test_utf8_bom_is_used_and_removed() -> None:
    decoded = decode_html(b"\xef\xbb\xbf" + page(TRADITIONAL).encode(), url=URL, http_charset="big5")
    assert decoded.source == "bom" and decoded.text.startswith("<html>")


def test_latin1_label_means_windows_1252() -> None:
    decoded = decode_html("<p>“quoted” café</p>".encode("cp1252"), url=URL, http_charset="ISO-8859-1")
    assert decoded.text == "<p>“quoted” café</p>" and decoded.encoding == "cp1252"


def test_unlabelled_western_text_prefers_windows_1252() -> None:
    assert decode_html("<p>café déjà vu, naïve</p>".encode("cp1252"), url=URL).text == "<p>café déjà vu, naïve</p>"


def test_badly_damaged_utf8_is_refused_with_the_url() -> None:
    content = "".join(f"<p>{TRADITIONAL}</p>" for _ in range(3)).encode()
    damaged = bytes(byte if i % 7 else 0xC3 for i, byte in enumerate(content))
    with pytest.raises(DecodeError, match=r"https://example\.test/a: undecodable bytes; not stored"):
        decode_html(damaged, url=URL)


def test_one_cut_character_in_utf8_is_dropped_not_replaced() -> None:
    content = page(TRADITIONAL * 10).encode()
    at = content.index(b"</p>")
    cut = content[:at] + b"\xe4\xb8" + content[at:]
    decoded = decode_html(cut, url=URL)
    assert "\ufffd" not in decoded.text and decoded.text == page(TRADITIONAL * 10)


def test_random_bytes_are_refused() -> None:
    with pytest.raises(DecodeError):
        decode_html(bytes(range(256)) * 8, url=URL)


def test_utf16_xml_with_and_without_bom() -> None:
    xml = '<?xml version="1.0" encoding="utf-16"?><Datas><Data>外交部新聞稿</Data></Datas>'
    for content in (xml.encode("utf-16"), xml.encode("utf-16-le"), xml.encode("utf-16-be")):
        assert decode_text(content, url=URL).text == xml


def test_xml_declaring_utf16_but_sent_as_utf8_is_read_as_utf8() -> None:
    xml = '<?xml version="1.0" encoding="utf-16"?><Datas><Data>外交部</Data></Datas>'
    assert decode_text(xml.encode("utf-8"), url=URL).text == xml


def test_xml_declaration_charset_is_honoured() -> None:
    xml = '<?xml version="1.0" encoding="big5"?><a>' + TRADITIONAL + "</a>"
    decoded = decode_text(xml.encode("big5"), url=URL)
    assert (decoded.text, decoded.source) == (xml, "meta")


def test_json_is_utf8_by_default() -> None:
    assert decode_text('{"title": "外交部"}'.encode(), url=URL).text == '{"title": "外交部"}'


def test_charset_labels() -> None:
    assert normalise_charset("x-gbk") == "gb18030"
    assert normalise_charset("Big5") == "big5hkscs"
    assert normalise_charset("us-ascii") == "cp1252"
    assert normalise_charset("UTF8") == "utf-8"
    assert normalise_charset("bogus") is None


@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\ufffd\ufeff")))
def test_any_utf8_text_round_trips(text: str) -> None:
    assert decode_html(text.encode(), url=URL).text == text
