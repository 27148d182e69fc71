"""The text of an attachment: PDF (pypdf), DOCX (python-docx), ODT/ODS (odfpy), XLSX (openpyxl), plain text.

The kind comes from the bytes first (a server's Content-Type is often `application/octet-stream`), then from the
Content-Type and the URL. Every decompression is bounded by `cap` bytes: a PDF stream or a ZIP member that would
inflate past it is a `DocumentTooLarge`, one line, never a swapped-out machine. A PDF without a text layer (a scan)
is kept with `has_text = False`; it is not OCRed.

>>> read_document(b"Hello\\r\\nworld\\n", "text/plain", "https://x.tw/a.txt", cap=1000)
DocumentText(kind='txt', text='Hello\\nworld', has_text=True)
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from crawler.errors import ExtractError
from crawler.extract.links import DOCUMENT_EXTENSIONS, document_type

MAX_TEXT_CHARS = 2_000_000  # extracted text kept per attachment
_ZIP_KINDS = {
    "word/document.xml": "docx",
    "xl/workbook.xml": "xlsx",
}
_ODF_KINDS = {"application/vnd.oasis.opendocument.text": "odt", "application/vnd.oasis.opendocument.spreadsheet": "ods"}
_PDF_LIMITS = (  # pypdf's decompression limits, all set to max_attachment_bytes
    "zlib_maximum_output_length", "lzw_maximum_output_length", "run_length_maximum_output_length",
    "brotli_maximum_output_length", "array_based_stream_maximum_output_length", "maximum_declared_stream_length",
    "stream_decoding_work_maximum_length", "image_maximum_buffer_size", "jbig2_maximum_output_length",
)
_TYPE_KINDS = {media_type: extension[1:] for extension, media_type in DOCUMENT_EXTENSIONS.items()}


class NotADocument(ExtractError):
    """The file is none of the attachment kinds tidings reads (an image, an HTML page, an archive...)."""


class DocumentTooLarge(ExtractError):
    """The file inflates past max_attachment_bytes while being read (a PDF or ZIP bomb, or a huge file)."""


class UnreadableDocument(ExtractError):
    """The file claims a kind but its library cannot read it (corrupt, encrypted, truncated)."""


@dataclass(frozen=True)
class DocumentText:
    """What an attachment says: its kind, its text (one paragraph per line), and whether it had any text."""

    kind: str
    text: str
    has_text: bool


def document_kind(data: bytes, content_type: str | None, url: str) -> str | None:
    """`pdf`, `docx`, `xlsx`, `odt`, `ods` or `txt` from the bytes, else the Content-Type, else the URL."""
    if data.startswith(b"%PDF-"):
        return "pdf"
    if data.startswith(b"PK\x03\x04"):
        return _zip_kind(data)
    declared = _TYPE_KINDS.get(content_type or "") or _TYPE_KINDS.get(document_type(url) or "")
    if declared == "txt" and b"\x00" not in data[:4096]:
        return "txt"
    return None


def read_document(data: bytes, content_type: str | None, url: str, *, cap: int) -> DocumentText:
    """The text of one attachment; raises NotADocument, DocumentTooLarge or UnreadableDocument (naming `url`)."""
    kind = document_kind(data, content_type, url)
    if kind is None:
        raise NotADocument(url, f"not a PDF, DOCX, ODT, ODS, XLSX or text file (Content-Type: {content_type})")
    if kind != "txt" and kind != "pdf":
        _check_zip(data, url, cap)
    try:
        text = _READERS[kind](data, cap)
    except DocumentTooLarge as exc:
        raise DocumentTooLarge(url, exc.reason) from None
    except Exception as exc:  # each library has its own error tree; a bad file is one line, never a crash
        raise UnreadableDocument(url, f"cannot read this {kind.upper()} ({type(exc).__name__}: {exc})") from exc
    text = _clean(text)[:MAX_TEXT_CHARS]
    return DocumentText(kind, text, has_text=bool(text))


def _zip_kind(data: bytes) -> str | None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            for member, kind in _ZIP_KINDS.items():
                if member in names:
                    return kind
            if "mimetype" in names:
                return _ODF_KINDS.get(archive.read("mimetype")[:100].decode("ascii", "replace").strip())
    except (zipfile.BadZipFile, OSError):
        return None
    return None


def _check_zip(data: bytes, url: str, cap: int) -> None:
    """A ZIP bomb is caught from its directory: the members' declared sizes, before anything is inflated."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            declared = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError) as exc:
        raise UnreadableDocument(url, f"not a readable ZIP container ({exc})") from exc
    if declared > cap:
        raise DocumentTooLarge(url, _too_large(cap, f"its ZIP members declare {declared} bytes"))


def _too_large(cap: int, what: str) -> str:
    return (
        f"the attachment inflates past {cap} bytes (max_attachment_bytes: {what}); skipped — raise the limit "
        "if the file is really that large, otherwise it is a compression bomb"
    )


def _pdf_text(data: bytes, cap: int) -> str:
    import pypdf
    from pypdf.errors import LimitReachedError

    limits: dict[str, Any] = {name: cap for name in _PDF_LIMITS}
    with pypdf.apply_configuration(None, **limits):
        try:
            reader = pypdf.PdfReader(io.BytesIO(data))
            return "\n".join(_bounded((_page_text(page) for page in reader.pages), cap))
        except LimitReachedError as exc:
            raise DocumentTooLarge("", _too_large(cap, f"a PDF stream: {exc}")) from None


def _page_text(page: Any) -> str:
    """Decode the page's content first: pypdf's text extraction logs and skips a stream over its limits,
    which would store a bomb as an empty page instead of refusing it."""
    contents = page.get_contents()
    if contents is not None:
        contents.get_data()
    return str(page.extract_text() or "")


def _bounded(texts: Iterable[str], cap: int) -> Iterable[str]:
    total = 0
    for text in texts:
        total += len(text)
        if total > cap:
            raise DocumentTooLarge("", _too_large(cap, "the extracted text"))
        yield text


def _docx_text(data: bytes, cap: int) -> str:
    import docx

    document = docx.Document(io.BytesIO(data))
    lines = [paragraph.text for paragraph in document.paragraphs]
    for table in document.tables:
        lines.extend(" | ".join(cell.text for cell in row.cells) for row in table.rows)
    return "\n".join(lines)


def _odf_text(data: bytes, cap: int) -> str:
    from odf import teletype, text
    from odf.opendocument import load
    from odf.table import TableRow

    document = load(io.BytesIO(data))
    paragraphs = [teletype.extractText(node) for node in document.getElementsByType(text.P)]
    if not any(paragraphs):
        paragraphs = [teletype.extractText(row) for row in document.getElementsByType(TableRow)]
    return "\n".join(paragraphs)


def _xlsx_text(data: bytes, cap: int) -> str:
    import openpyxl

    workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    try:
        rows = (
            " | ".join(str(value) for value in row if value is not None)
            for sheet in workbook.worksheets
            for row in sheet.iter_rows(values_only=True)
        )
        return "\n".join(_bounded(rows, cap))
    finally:
        workbook.close()


def _plain_text(data: bytes, cap: int) -> str:
    from charset_normalizer import from_bytes

    best = from_bytes(data[:cap]).best()
    return str(best) if best is not None else data.decode("utf-8", "replace")


def _clean(text: str) -> str:
    lines = (" ".join(line.split()) for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"))
    return "\n".join(line for line in lines if line)


_READERS: dict[str, Callable[[bytes, int], str]] = {
    "pdf": _pdf_text,
    "docx": _docx_text,
    "odt": _odf_text,
    "ods": _odf_text,
    "xlsx": _xlsx_text,
    "txt": _plain_text,
}
