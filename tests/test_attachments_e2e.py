"""Attachments and evidence end to end: a MOFA press release on the replica links a PDF and a DOCX (real files,
Chinese and English); `tidings crawl` stores both with their text, a rule on a PDF-only term fires and names the
PDF, a changed PDF is a substantive edit, a gone one a removal; a 50 MB PDF and a PDF bomb stop at the cap with
one line; `tidings entries evidence` writes a WARC that warcio accepts, matches its manifest and replays the
bodies the replica served, byte for byte."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner, Result
from sqlalchemy import create_engine, text
from warcio.archiveiterator import ArchiveIterator

from crawler.cli import main
from storage import Store
from tests.sites import ReplicaServer
from tests.sites.files import DOCX, PDF, make_docx, make_huge_pdf, make_pdf, make_pdf_bomb, make_scanned_pdf

PDF_PATH = "/www.mofa.gov.tw/Download/RelFile/1001"  # no extension: the 附件 box and the Content-Type decide
DOCX_PATH = "/www.mofa.gov.tw/Upload/RelFile/mou-annex.docx"
PDF_V1 = ["Joint Statement on Semiconductor Supply Chain Cooperation", "台美半導體供應鏈合作聯合聲明",
          "Both sides will invest 300 million dollars in the quantumwidget programme."]
PDF_V2 = [*PDF_V1[:2], "Both sides will invest 500 million dollars in the quantumwidget programme."]
DOCX_TEXT = ["Annex: Memorandum of Understanding", "附件：合作備忘錄全文", "The parties agree to meet annually."]


@pytest.fixture(scope="module")
def replica() -> Iterator[ReplicaServer]:
    with ReplicaServer(port=0, articles=2) as server:
        yield server


@dataclass
class Harness:
    replica: ReplicaServer
    database_url: str
    config: Path

    def tidings(self, *args: str) -> Result:
        return CliRunner().invoke(main, ["-c", str(self.config), *args], catch_exceptions=False)

    def crawl(self) -> Result:
        return self.tidings("crawl", "mofa-zh", "--recheck")  # look at the stored pages again every time

    def store(self) -> Store:
        return Store.open(self.database_url)


@pytest.fixture
def harness(replica: ReplicaServer, database_url: str, tmp_path: Path) -> Harness:
    replica.reset()
    config = tmp_path / "tidings.toml"
    config.write_text(f"""
[settings]
database_url = "{database_url}"
per_host_delay = 0.0
retries = 0
max_attachment_bytes = 1048576
story_hold = 0  # each later change of the story is its own follow-up at once (the default gathers 10 minutes)

[sources.mofa-zh]
base_url = "{replica.base_url}/www.mofa.gov.tw/"
allow_hosts = ["{replica.base_url}"]

[rules.quantum]
query = "quantumwidget"
on = "both"
""", encoding="utf-8")
    return Harness(replica, database_url, config)


def publish(h: Harness, pdf: bytes) -> str:
    h.replica.put_file(PDF_PATH, pdf, PDF)
    h.replica.put_file(DOCX_PATH, make_docx(DOCX_TEXT), DOCX)
    article = h.replica.publish(
        "mofa-zh", title="外交部與美方簽署半導體合作備忘錄", paragraphs=["外交部今日與美方簽署合作備忘錄。"],
        attachments=[f"聯合聲明 (PDF)|{PDF_PATH}", f"備忘錄附件 (DOCX)|{DOCX_PATH}"],
    )
    return str(article["url"])


def article_page(store: Store, entry_id: int, folder: Path) -> str:
    """The web app's page of the entry, as a reader sees it."""
    from tests.webdata import build_app

    with warnings.catch_warnings():  # starlette's note on its httpx test client
        warnings.simplefilter("ignore")
        from starlette.testclient import TestClient

    app, _ = build_app(store, folder / "web.toml")
    with TestClient(app) as client:  # type: ignore[arg-type]
        answer = client.get(f"/entries/{entry_id}")
    assert answer.status_code == 200, answer.text
    return answer.text


def entry_for(store: Store, url: str) -> int:
    rows = [row for row in store.list_entries(limit=None) if row.url == url]
    assert len(rows) == 1, url
    return rows[0].id


def matches(h: Harness) -> list[dict[str, object]]:
    engine = create_engine(h.database_url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT rule, kind, evidence FROM match ORDER BY id")).all()
    finally:
        engine.dispose()
    return [{"rule": rule, "kind": kind, "evidence": json.loads(evidence)} for rule, kind, evidence in rows]


def test_a_press_release_gives_its_entry_two_attachments_and_an_alert_naming_the_pdf(harness: Harness) -> None:
    assert harness.crawl().exit_code == 0  # the source's first run is a quiet baseline: alerts come after it
    url = publish(harness, make_pdf(PDF_V1))
    result = harness.crawl()
    assert result.exit_code == 0, result.output
    with harness.store() as store:
        entry_id = entry_for(store, url)
        files = {row.url: row for row in store.entry_attachments(entry_id)}
    pdf, docx = files[harness.replica.base_url + PDF_PATH], files[harness.replica.base_url + DOCX_PATH]
    assert (pdf.kind, docx.kind) == ("pdf", "docx")
    assert "台美半導體供應鏈合作聯合聲明" in pdf.text and "quantumwidget" in pdf.text and pdf.has_text
    assert "附件：合作備忘錄全文" in docx.text and "meet annually" in docx.text
    fired = [m for m in matches(harness) if m["rule"] == "quantum"]
    assert len(fired) == 1 and fired[0]["kind"] == "new"
    evidence = fired[0]["evidence"]
    assert isinstance(evidence, list)
    assert [(e["field"], e["attachment"], e["attachment_name"]) for e in evidence] == [
        ("attachment", pdf.url, "聯合聲明 (PDF)")
    ]
    assert "In attachment 聯合聲明 (PDF):" in result.output and pdf.url in result.output


def test_a_changed_pdf_is_a_substantive_edit_and_a_gone_one_a_removal(harness: Harness) -> None:
    url = publish(harness, make_pdf(PDF_V1))
    harness.crawl()
    harness.replica.put_file(PDF_PATH, make_pdf(PDF_V2), PDF)
    result = harness.crawl()
    assert result.exit_code == 0, result.output
    with harness.store() as store:
        entry_id = entry_for(store, url)
        pdf = next(row for row in store.entry_attachments(entry_id) if row.kind == "pdf")
        versions = store.attachment_versions(pdf.id)
    assert [v.change_class for v in versions] == ["initial", "substantive"]
    assert "500 million" in pdf.text and pdf.version_count == 2
    # The page's text is the same: the edit is the file's, recorded on a "files" marker version of the entry.
    assert [m["kind"] for m in matches(harness) if m["rule"] == "quantum"] == ["new", "edited"]
    assert "attachment changed: 聯合聲明 (PDF) <" + pdf.url + ">" in result.output
    assert "0 new entries, 1 edited (0 cosmetic)" in result.output
    assert "number:" in result.output and "300" in result.output and "500" in result.output
    assert "In attachment 聯合聲明 (PDF):" in result.output
    harness.replica.remove_file(PDF_PATH)
    assert "attachment taken down" not in harness.crawl().output  # one 404 can be a hiccup
    with harness.store() as store:
        assert next(row for row in store.entry_attachments(entry_id) if row.kind == "pdf").removed_at is None
    result = harness.crawl()  # the second 404 in a row
    with harness.store() as store:
        pdf = next(row for row in store.entry_attachments(entry_id) if row.kind == "pdf")
        docx = next(row for row in store.entry_attachments(entry_id) if row.kind == "docx")
        detail = store.entry_detail(entry_id)
    assert pdf.removed_at is not None and docx.removed_at is None
    assert [m["kind"] for m in matches(harness) if m["rule"] == "quantum"] == ["new", "edited", "edited"]
    assert "attachment taken down: 聯合聲明 (PDF) <" + pdf.url + ">" in result.output
    last = [m for m in matches(harness) if m["rule"] == "quantum"][-1]["evidence"]
    assert isinstance(last, list)  # the rule matched the file's last text
    assert [(e["field"], e["attachment"], e["text"]) for e in last] == [("attachment", pdf.url, "quantumwidget")]
    assert detail is not None
    markers = [v for v in detail.versions if v.change_class == "files"]
    assert [[f["kind"] for f in v.files] for v in markers] == [["edited"], ["removed"]]
    assert "taken down" not in harness.crawl().output  # told once
    with harness.store() as store:
        page = article_page(store, entry_id, harness.config.parent)
    assert "Attachment taken down: <a href=\"" + pdf.url + "\"" in page and "Attachment changed: " in page


@pytest.mark.parametrize("make", [make_huge_pdf, make_pdf_bomb], ids=["50MB", "bomb"])
def test_a_huge_pdf_and_a_pdf_bomb_stop_at_the_cap_with_one_line(harness: Harness, make: object) -> None:
    assert callable(make)
    url = publish(harness, make())
    result = harness.crawl()
    lines = [line for line in result.output.splitlines() if "max_attachment_bytes" in line]
    assert len(lines) == 1, result.output
    assert "1048576" in lines[0] and PDF_PATH in lines[0]
    with harness.store() as store:
        kinds = [row.kind for row in store.entry_attachments(entry_for(store, url))]
    assert kinds == ["docx"]  # the article and its other file stand


def test_a_scanned_pdf_is_stored_and_flagged(harness: Harness) -> None:
    url = publish(harness, make_scanned_pdf())
    harness.crawl()
    with harness.store() as store:
        pdf = next(row for row in store.entry_attachments(entry_for(store, url)) if row.kind == "pdf")
    assert not pdf.has_text and pdf.text == "" and pdf.size > 0


def test_the_evidence_warc_of_an_edited_entry_checks_out_and_replays_the_served_bodies(
    harness: Harness, tmp_path: Path
) -> None:
    url = publish(harness, make_pdf(PDF_V1))
    served = {hashlib.sha256(make_pdf(PDF_V1)).hexdigest(), hashlib.sha256(make_pdf(PDF_V2)).hexdigest(),
              hashlib.sha256(make_docx(DOCX_TEXT)).hexdigest()}
    pages = {hashlib.sha256(httpx.get(url).content).hexdigest()}
    harness.crawl()
    harness.replica.edit(url, append="雙方並同意每年舉行一次會議。")
    harness.replica.put_file(PDF_PATH, make_pdf(PDF_V2), PDF)
    pages.add(hashlib.sha256(httpx.get(url).content).hexdigest())
    harness.crawl()
    with harness.store() as store:
        entry_id = entry_for(store, url)
        assert len(store.entry_versions(entry_id)) == 2
    result = harness.tidings("entries", "evidence", str(entry_id), "--out", str(tmp_path / "out"))
    assert result.exit_code == 0, result.output
    warc = tmp_path / "out" / f"entry-{entry_id}.warc.gz"
    for command in ("check", "index"):
        run = subprocess.run([sys.executable, "-m", "warcio.cli", command, str(warc)], capture_output=True, text=True)
        assert run.returncode == 0, (command, run.stdout, run.stderr)
    manifest = json.loads((tmp_path / "out" / f"{warc.name}.manifest.json").read_text(encoding="utf-8"))
    by_id = {record["record_id"]: record for record in manifest["records"]}
    bodies: list[str] = []
    with warc.open("rb") as handle:
        for record in ArchiveIterator(handle):
            record_id = record.rec_headers.get_header("WARC-Record-ID")
            if record.rec_type in ("warcinfo", "metadata"):
                continue
            described = by_id.pop(record_id)
            assert described["payload_digest"] == record.rec_headers.get_header("WARC-Payload-Digest")
            assert described["block_digest"] == record.rec_headers.get_header("WARC-Block-Digest")
            payload = record.raw_stream.read()
            assert hashlib.sha256(payload).hexdigest() == described["payload_sha256"]
            if record.rec_type == "response":
                bodies.append(hashlib.sha256(payload).hexdigest())
    assert by_id == {}  # every record the manifest names is in the file
    assert set(bodies) == served | pages
    assert [v["change_class"] for v in manifest["entries"][0]["versions"]] == ["initial", "substantive"]
    assert any(r["type"] == "resource" and r["uri"].endswith(":diff") for r in manifest["records"])


def test_db_vacuum_keeps_only_the_latest_evidence(harness: Harness) -> None:
    url = publish(harness, make_pdf(PDF_V1))
    harness.crawl()
    harness.replica.put_file(PDF_PATH, make_pdf(PDF_V2), PDF)
    harness.crawl()
    with harness.store() as store:
        before = store.raw_stats()[0]
    harness.config.write_text(harness.config.read_text().replace("[settings]\n", '[settings]\nkeep_raw = "latest"\n'))
    result = harness.tidings("db", "vacuum")
    assert result.exit_code == 0 and "removed 1 raw responses" in result.output, result.output
    with harness.store() as store:
        assert store.raw_stats()[0] == before - 1
        assert store.evidence_bytes(entry_for(store, url))  # still a bundle, with what is kept
