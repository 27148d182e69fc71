"""Attachment links and text, the `attachment:` rule field, and the evidence store (no network)."""

from __future__ import annotations

import gzip
import io
import zipfile
from datetime import UTC, datetime

import pytest

from crawler.extract.documents import DocumentTooLarge, NotADocument, read_document
from crawler.extract.links import attachment_links
from rules.attachments import AttachmentText
from rules.match import Document, Matcher, RuleSpec
from rules.render import AlertView, render_alert
from storage import ArticleRecord, Store
from storage.evidence_records import AttachmentRecord, RawResponseRecord
from tests.sites.files import make_docx, make_pdf

NOW = datetime(2026, 6, 1, tzinfo=UTC)


def test_links_come_from_the_body_by_type_and_from_the_profile_box_whatever_they_look_like() -> None:
    page = """<div class=essay><p><a href="a.pdf">A</a> <a href="/x.odt">B</a> <a href="/page">C</a>
    <a href="/get?id=2" type="application/pdf">D</a></p></div>
    <div class=files><a href="/Download/9">附件一</a></div><div class=nav><a href="/n.pdf">nav</a></div>"""
    links = attachment_links(page, "https://x.tw/news/1", body=("div.essay",), selectors=("div.files a[href]",))
    assert [(link.url, link.name) for link in links] == [
        ("https://x.tw/news/a.pdf", "A"), ("https://x.tw/x.odt", "B"), ("https://x.tw/get?id=2", "D"),
        ("https://x.tw/Download/9", "附件一"),
    ]


def _odf(mimetype: str, body: str) -> bytes:
    from odf.opendocument import OpenDocumentSpreadsheet, OpenDocumentText
    from odf.table import Table, TableCell, TableRow
    from odf.text import P

    if mimetype.endswith("text"):
        document = OpenDocumentText()
        document.text.addElement(P(text=body))
    else:
        document = OpenDocumentSpreadsheet()
        table, row, cell = Table(name="s"), TableRow(), TableCell()
        cell.addElement(P(text=body))
        row.addElement(cell)
        table.addElement(row)
        document.spreadsheet.addElement(table)
    out = io.BytesIO()
    document.write(out)
    return out.getvalue()


def _xlsx(value: str) -> bytes:
    import openpyxl

    workbook = openpyxl.Workbook()
    workbook.active.append(["預算", value])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


@pytest.mark.parametrize(
    ("data", "kind", "expected"),
    [
        (make_pdf(["English line", "中文一行"]), "pdf", "English line\n中文一行"),
        (make_docx(["One", "二"]), "docx", "One\n二"),
        (_odf("application/vnd.oasis.opendocument.text", "開放文件 text"), "odt", "開放文件 text"),
        (_odf("application/vnd.oasis.opendocument.spreadsheet", "cell 值"), "ods", "cell 值"),
        (_xlsx("300 million"), "xlsx", "預算 | 300 million"),
        ("純文字 plain".encode("big5", "ignore") + b"\n", "txt", None),
    ],
)
def test_every_kind_reads_to_text(data: bytes, kind: str, expected: str | None) -> None:
    declared = "text/plain" if kind == "txt" else "application/octet-stream"
    document = read_document(data, declared, "https://x/f", cap=10**7)
    assert document.kind == kind and document.has_text
    if expected is not None:
        assert document.text == expected


def test_a_zip_bomb_is_refused_from_its_directory_and_an_image_is_not_a_document() -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("word/document.xml", b"<w/>" + b" " * 5_000_000)
    with pytest.raises(DocumentTooLarge, match="max_attachment_bytes"):
        read_document(out.getvalue(), None, "https://x/bomb.docx", cap=1_000_000)
    with pytest.raises(NotADocument):
        read_document(b"GIF89a...", "image/gif", "https://x/a.gif", cap=1000)


def test_attachment_field_and_unfielded_terms_search_files_and_the_alert_names_the_file() -> None:
    files = (AttachmentText("https://x.tw/a.pdf", "A", "nothing here"),
             AttachmentText("https://x.tw/b.pdf", "聯合聲明", "we sign the quantumwidget pact"))
    matcher = Matcher.compile([RuleSpec("q", "quantumwidget"), RuleSpec("f", "attachment:pact"),
                               RuleSpec("b", "body:quantumwidget")], {})
    found = {m.rule: m for m in matcher.match(Document("title", "body", attachments=files))}
    assert set(found) == {"q", "f"}
    hit = found["q"].evidence[0]
    assert (hit.field, hit.attachment, hit.start, hit.end, hit.text) == ("attachment", "https://x.tw/b.pdf", 12, 25,
                                                                          "quantumwidget")
    view = AlertView("q", "new", "T", "https://x.tw/1", "s", "en", None, "body", ({**hit.__dict__},))
    body = render_alert(view, "text").body
    assert "In attachment 聯合聲明: we sign the quantumwidget pact https://x.tw/b.pdf" in body


def _raw(body: bytes, when: datetime) -> RawResponseRecord:
    return RawResponseRecord("https://x.tw/1", "GET", (("User-Agent", "t"),), "HTTP/1.1", 200, "OK",
                             (("Content-Encoding", "gzip"),), body, fetched_at=when)


def test_raw_responses_round_trip_compressed_and_vacuum_keeps_the_latest(store: Store) -> None:
    store.ensure_source("s", kind="custom", settings_hash="h")
    body = gzip.compress(b"<html>" + b"x" * 10000 + b"</html>")
    with store.unit_of_work() as uow:
        first = uow.save_article(ArticleRecord("s", "https://x.tw/1", "https://x.tw/1", "T", "T\none\n",
                                               fetched_at=NOW), now=NOW)
        assert first.version_id is not None
        old_raw = uow.add_raw_response(_raw(body, NOW))
        uow.link_version_raw(first.version_id, old_raw)
        second = uow.save_article(ArticleRecord("s", "https://x.tw/1", "https://x.tw/1", "T", "T\ntwo\n",
                                                fetched_at=NOW), now=NOW)
        assert second.version_id is not None
        uow.link_version_raw(second.version_id, uow.add_raw_response(_raw(body + b"", NOW)))
        saved = uow.save_attachment(AttachmentRecord(first.entry_id, "https://x.tw/a.pdf", "A", "application/pdf",
                                                     "pdf", 3, "h1", "text", True, fetched_at=NOW),
                                    now=NOW, classify=lambda old, new: "substantive")
    row = store.raw_response(old_raw)
    assert row.record.body == body and row.stored_size == row.body_size and len(row.sha256) == 64  # gzip: as is
    with store.unit_of_work() as uow:
        plain = uow.add_raw_response(_raw(b"<html>" + b"x" * 10000 + b"</html>", NOW))
    assert store.raw_response(plain).stored_size < 100
    assert [a.url for a in store.entry_attachments(first.entry_id)] == ["https://x.tw/a.pdf"]
    assert saved.kind == "new"
    assert store.vacuum_raw("all").deleted == 0
    report = store.vacuum_raw("latest")
    assert (report.deleted, report.kept) == (2, 1)  # the old version's and the unlinked one
    assert [v.raw_response_id is None for v in store.entry_versions(first.entry_id)] == [True, False]
    assert store.vacuum_raw("none").kept == 0
