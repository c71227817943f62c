"""Author fields out of documents, and neutral file names, before any file is stored.

Photos are re-encoded from their pixels (``handlers.media``). Documents carry their own
identifying metadata: an Office file's ``docProps`` name its author, last editor and company;
a PDF's Info dictionary and XMP packet name its author and the tool. Those are removed where
it can be done safely here: Office files are rewritten without their author fields, PDF
author strings are blanked in place (same length, so the file's byte offsets stay valid).
Videos and voice notes are kept as they are (re-encoding them needs tools we do not ship), so
reporters are told plainly that those can still identify them.
"""

from __future__ import annotations

import io
import re
import zipfile

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
    """Blank (same length) the Info and uncompressed XMP author fields."""
    data = _PDF_INFO.sub(_blank, data)
    data = _PDF_INFO_HEX.sub(_blank, data)
    return _XMP_FIELDS.sub(_blank, data)
