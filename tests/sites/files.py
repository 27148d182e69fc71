"""Real attachment files for the replica, made on the spot: PDFs (reportlab, with the CJK font STSong-Light),
DOCX (python-docx), a 50 MB PDF and a PDF bomb. Test-only: reportlab is in the `test` extra."""

from __future__ import annotations

import io
import zipfile
import zlib
from collections.abc import Sequence

PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def make_pdf(lines: Sequence[str]) -> bytes:
    """A one-page PDF with a real text layer; Chinese lines are set in reportlab's built-in STSong-Light."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    out = io.BytesIO()
    pdf = canvas.Canvas(out, pagesize=A4, invariant=True)  # invariant: the same lines give the same bytes
    y = 800.0
    for line in lines:
        pdf.setFont("STSong-Light" if any(ord(ch) > 0x2E80 for ch in line) else "Helvetica", 12)
        pdf.drawString(60, y, line)
        y -= 20
    pdf.showPage()
    pdf.save()
    return out.getvalue()


def make_scanned_pdf() -> bytes:
    """A PDF with a page and no text layer at all (what a scanner produces, minus the image)."""
    from reportlab.pdfgen import canvas

    out = io.BytesIO()
    pdf = canvas.Canvas(out, invariant=True)
    pdf.rect(50, 50, 200, 200, fill=1)
    pdf.showPage()
    pdf.save()
    return out.getvalue()


def make_docx(paragraphs: Sequence[str]) -> bytes:
    import docx

    document = docx.Document()
    for paragraph in paragraphs:
        document.add_paragraph(paragraph)
    out = io.BytesIO()
    document.save(out)
    return _without_timestamps(out.getvalue())


def _without_timestamps(archive: bytes) -> bytes:
    """The ZIP with every member dated 1980-01-01: python-docx stamps members with the current time (2 s steps),
    so two calls a second apart gave different bytes and a test comparing a served file's hash flaked."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(archive)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for member in source.infolist():
            info = zipfile.ZipInfo(member.filename, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(info, source.read(member))
    return out.getvalue()


def make_huge_pdf(size: int = 50 * 1024 * 1024) -> bytes:
    """A PDF-looking file of `size` bytes: what matters is that it is larger than any sane attachment cap."""
    head = b"%PDF-1.4\n% huge\n"
    return head + b"0" * (size - len(head))


def make_pdf_bomb(inflated: int = 256 * 1024 * 1024) -> bytes:
    """A tiny PDF (a few KiB) whose page content, flate-compressed twice, inflates to `inflated` bytes."""
    compress = zlib.compressobj(9)
    chunk = b" " * (1024 * 1024)
    once = b"".join(compress.compress(chunk) for _ in range(inflated // len(chunk))) + compress.flush()
    stream = zlib.compress(once, 9)
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << >> >>",
        b"<< /Length %d /Filter [/FlateDecode /FlateDecode] >>\nstream\n" % len(stream) + stream + b"\nendstream",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    out.write(b"".join(b"%010d 00000 n \n" % offset for offset in offsets))
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref))
    return out.getvalue()
