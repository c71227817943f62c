"""Author fields out of documents, and neutral file names, before any file is stored.

Photos are re-encoded from their pixels (``handlers.media``), videos lose their metadata
boxes (``handlers.video``). Documents carry their own identifying metadata: an Office file's
``docProps`` name its author, last editor and company; a PDF's Info dictionary and XMP packets
name its author and the tool, and the XMP is usually a Flate-compressed stream, so a search of
the raw bytes cannot find it. Office files are rewritten without their author fields. A PDF is
rewritten by pikepdf (qpdf) from its reachable objects only, without the Info dictionary, any
``/Metadata`` or ``/PieceInfo``, and with a new file ID: earlier revisions left behind by
incremental saves, which keep old Info dictionaries, are not written either. A PDF qpdf cannot
read (damaged, or locked with a password) only gets its plain-text author fields blanked in
place. The content itself (names in the text, a scanned signature) is what it is, so reporters
are told plainly that documents can still identify them.
"""

from __future__ import annotations

import io
import logging
import re
import zipfile

import pikepdf

log = logging.getLogger(__name__)

OFFICE_TYPES = (
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
)
EXTENSIONS: dict[str, str] = {
    "image/jpeg": "jpg",
    "image/png": "png",
    "image/webp": "webp",
    "image/heic": "heic",
    "video/mp4": "mp4",
    "video/3gpp": "3gp",
    "video/quicktime": "mov",
    "video/webm": "webm",
    "audio/ogg": "ogg",
    "audio/mpeg": "mp3",
    "audio/mp4": "m4a",
    "audio/aac": "aac",
    "audio/amr": "amr",
    "application/pdf": "pdf",
    "application/msword": "doc",
    "application/vnd.ms-excel": "xls",
    OFFICE_TYPES[0]: "docx",
    OFFICE_TYPES[1]: "xlsx",
    "text/plain": "txt",
}
_CORE = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    b'<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/'
    b'core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/"/>'
)
_APP_FIELDS = re.compile(rb"<(Company|Manager|Template)>[^<]*</\1>")
_PDF_INFO = re.compile(rb"/(Author|Creator|Title|Subject|Keywords)\s*\(((?:\\.|[^\\)])*)\)")
_PDF_INFO_HEX = re.compile(rb"/(Author|Creator|Title|Subject|Keywords)\s*<([0-9A-Fa-f\s]*)>")
# XMP packets and application-private data (PieceInfo names the editing tool and its user).
_PDF_PRIVATE_KEYS = ("/Metadata", "/PieceInfo")
_XMP_FIELDS = re.compile(
    rb"<(dc:creator|dc:title|xmp:CreatorTool|pdf:Author|dc:description)>(.*?)</\1>", re.DOTALL
)


def neutral_name(number: int, content_type: str) -> str:
    """'bukti-3.jpg': the original file name (often a person's or a place's) is never kept."""
    return f"bukti-{number}.{EXTENSIONS.get(content_type, 'bin')}"


def strip_document_metadata(data: bytes, content_type: str) -> bytes:
    """The document without author fields where that is feasible; otherwise unchanged."""
    if content_type in OFFICE_TYPES:
        return _strip_office(data)
    if content_type == "application/pdf":
        return _strip_pdf(data)
    return data


def _strip_office(data: bytes) -> bytes:
    try:
        source = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        return data
    out = io.BytesIO()
    with source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            content = source.read(item)
            if item.filename == "docProps/core.xml":
                content = _CORE
            elif item.filename == "docProps/app.xml":
                content = _APP_FIELDS.sub(b"", content)
            elif item.filename.startswith("docProps/custom"):
                continue
            target.writestr(item, content)
    return out.getvalue()


def _blank(match: re.Match[bytes]) -> bytes:
    whole, value = match.group(0), match.group(2)
    start = match.start(2) - match.start(0)
    return whole[:start] + b" " * len(value) + whole[start + len(value) :]


def _strip_pdf(data: bytes) -> bytes:
    try:
        return _rewrite_pdf(data)
    except Exception as error:  # a reporter's file must never break the turn
        # PdfError (damaged beyond repair), PasswordError, or qpdf's own surprises.
        log.info("PDF not rewritten (%s); blanking plain-text author fields only", type(error))
        return _blank_pdf(data)


def _rewrite_pdf(data: bytes) -> bytes:
    """The PDF saved anew without the Info dictionary and every XMP packet, wherever attached."""
    with pikepdf.open(io.BytesIO(data)) as pdf:
        if "/Info" in pdf.trailer:
            del pdf.trailer["/Info"]
        for obj in pdf.objects:  # XMP may hang on the catalog, a page, an image, a font…
            if isinstance(obj, pikepdf.Dictionary | pikepdf.Stream):
                for key in _PDF_PRIVATE_KEYS:
                    if key in obj:
                        del obj[key]
        out = io.BytesIO()
        # No option may write metadata back: no XMP version fix, no PDF/A sync, a fresh ID.
        pdf.save(out, fix_metadata_version=False, preserve_pdfa=False, deterministic_id=True)
    return out.getvalue()


def _blank_pdf(data: bytes) -> bytes:
    """Blank (same length) the Info and uncompressed XMP author fields."""
    data = _PDF_INFO.sub(_blank, data)
    data = _PDF_INFO_HEX.sub(_blank, data)
    return _XMP_FIELDS.sub(_blank, data)
