"""What a video or a PDF says about who made it is gone before the file is stored.

The files are built here byte by byte (an MP4 with GPS, device and creation times; a PDF whose
XMP is Flate-compressed), then sent through the engine or the stripper, and read back with a
parser of the test's own.
"""

from __future__ import annotations

import io
import re
import struct
import zlib

import pikepdf
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlmodel import select

from handlers.documents import strip_document_metadata
from handlers.types import Attachment
from handlers.video import strip_video_metadata
from storage.models import Evidence
from tests.fakes.reporter import HAPPY_PATH, ScriptedReporter

GPS = b"+35.6895+139.6917/"
SECRETS = (GPS, b"samsung", b"SM-A515F", b"2024-10-12T09:14:03", b"Siti Pelapor", b"iPhone 12")
SHOT_AT = 3_811_824_000  # 2024-10-16 in seconds since 1904, as MP4 headers count
FRAMES = b"frame-data:" + bytes(range(256)) * 4
CONTAINERS = {b"moov", b"trak", b"mdia", b"minf", b"stbl", b"udta", b"moof", b"traf"}


# ---- an MP4 written box by box --------------------------------------------------------------


def box(kind: bytes, *children: bytes, large: bool = False) -> bytes:
    payload = b"".join(children)
    if large:
        return struct.pack(">I4sQ", 1, kind, 16 + len(payload)) + payload
    return struct.pack(">I4s", 8 + len(payload), kind) + payload


def full(kind: bytes, version: int, payload: bytes) -> bytes:
    return box(kind, bytes([version, 0, 0, 0]) + payload)


def text_item(kind: bytes, text: bytes) -> bytes:
    """A QuickTime user-data text item (``©xyz``, ``©mak``…): length, language, text."""
    return box(kind, struct.pack(">HH", len(text), 0x15C7) + text)


def mp4(*, large_udta: bool = False, large_mdat: bool = False) -> bytes:
    """A phone video's layout: ftyp, moov (headers, a track, udta, meta), free, XMP, mdat."""

    def build(chunk_offset: int) -> bytes:
        mvhd = full(b"mvhd", 0, struct.pack(">IIII", SHOT_AT, SHOT_AT + 5, 600, 1200) + bytes(80))
        tkhd = full(b"tkhd", 1, struct.pack(">QQII", SHOT_AT, SHOT_AT + 5, 1, 0) + bytes(68))
        mdhd = full(b"mdhd", 0, struct.pack(">IIIIHH", SHOT_AT, SHOT_AT + 5, 90000, 180000, 0, 0))
        stco = full(b"stco", 0, struct.pack(">II", 1, chunk_offset))
        hdlr = full(b"hdlr", 0, b"\0\0\0\0vide" + bytes(12) + b"VideoHandle\0")
        trak = box(
            b"trak",
            tkhd,
            box(b"mdia", mdhd, hdlr, box(b"minf", box(b"stbl", stco))),
            box(b"udta", text_item(b"\xa9xyz", GPS)),
        )
        udta = box(
            b"udta",
            text_item(b"\xa9xyz", GPS),
            text_item(b"\xa9mak", b"samsung"),
            text_item(b"\xa9mod", b"SM-A515F"),
            text_item(b"\xa9day", b"2024-10-12T09:14:03+0800"),
            large=large_udta,
        )
        keys = full(b"keys", 0, struct.pack(">I", 1) + box(b"mdta", b"com.apple.quicktime.make"))
        ilst = box(b"ilst", box(b"\0\0\0\x01", box(b"data", bytes(8) + b"samsung")))
        meta = box(b"meta", full(b"hdlr", 0, b"\0\0\0\0mdta" + bytes(13)), keys, ilst)
        moov = box(b"moov", mvhd, trak, udta, meta)
        xmp = box(
            b"uuid",
            bytes.fromhex("BE7ACFCB97A942E89C71999491E3AFAC"),
            b"<x:xmpmeta><dc:creator>Siti Pelapor</dc:creator></x:xmpmeta>",
        )
        stale = box(b"free", b"old udta: iPhone 12")
        ftyp = box(b"ftyp", b"isom\0\0\2\0isomiso2mp41")
        head = ftyp + moov + stale + xmp
        return head + box(b"mdat", FRAMES, large=large_mdat)

    draft = build(0)
    offset = len(draft) - len(FRAMES)
    return build(offset)


def parse(data: bytes, start: int = 0, end: int | None = None) -> list[tuple[bytes, int, int]]:
    """Every box as (type, body start, body end); fails unless each level adds up exactly."""
    end = len(data) if end is None else end
    found, at = [], start
    while at < end:
        size, kind = struct.unpack_from(">I4s", data, at)
        header = 8
        if size == 1:
            (size,) = struct.unpack_from(">Q", data, at + 8)
            header = 16
        assert size >= header and at + size <= end, (kind, at, size)
        found.append((kind, at + header, at + size))
        if kind in CONTAINERS:
            found.extend(parse(data, at + header, at + size))
        at += size
    assert at == end
    return found


def header_times(data: bytes) -> dict[bytes, tuple[int, int]]:
    times = {}
    for kind, body, _end in parse(data):
        if kind in (b"mvhd", b"tkhd", b"mdhd"):
            fmt = ">QQ" if data[body] == 1 else ">II"
            times[kind] = struct.unpack_from(fmt, data, body + 4)
    return times


@pytest.mark.parametrize(
    "variant",
    [{}, {"large_udta": True}, {"large_mdat": True}],
    ids=["plain", "64-bit-udta", "64-bit-mdat"],
)
def test_a_video_loses_place_device_and_time_and_still_plays(variant):
    original = mp4(**variant)
    assert all(secret in original for secret in SECRETS)  # the fixture carries them all
    assert set(header_times(original).values()) == {(SHOT_AT, SHOT_AT + 5)}

    cleaned = strip_video_metadata(original)

    for secret in SECRETS:
        assert secret not in cleaned, secret
    assert set(header_times(cleaned).values()) == {(0, 0)}
    kinds = [kind for kind, _start, _end in parse(cleaned)]  # every box still adds up
    assert b"udta" not in kinds and b"meta" not in kinds and b"uuid" not in kinds
    assert kinds.count(b"trak") == 1 and b"stco" in kinds
    # Nothing moved: the chunk offset still points at the frames, which are untouched.
    stco = next(body for kind, body, _end in parse(cleaned) if kind == b"stco")
    (offset,) = struct.unpack_from(">I", cleaned, stco + 8)
    assert cleaned[offset : offset + len(FRAMES)] == FRAMES
    assert len(cleaned) == len(original)


def test_a_video_keeps_its_timescale_and_duration():
    cleaned = strip_video_metadata(mp4())
    mvhd = next(body for kind, body, _end in parse(cleaned) if kind == b"mvhd")
    assert struct.unpack_from(">II", cleaned, mvhd + 12) == (600, 1200)


def test_a_video_sent_as_evidence_is_stored_clean_under_a_neutral_name(netra):
    reporter = ScriptedReporter(netra, "video")
    for answer in HAPPY_PATH[: HAPPY_PATH.index("https://example.org/rekaman")]:
        reporter.says(answer)
    video = Attachment("video", "video/mp4", mp4(), "VID_20241012_091403 Sape.mp4")
    answer = reporter.says(attachments=(video,))
    assert "tetap bisa mengungkap siapa Anda" in answer  # the content can still identify
    with netra.session() as session:
        evidence = session.exec(select(Evidence)).one()
    assert evidence.filename == "bukti-1.mp4"
    assert evidence.data is not None and FRAMES in evidence.data
    for secret in SECRETS:
        assert secret not in evidence.data, secret


def test_a_video_cut_short_or_with_a_trailer_is_still_cleaned():
    for damaged in (mp4()[:-40], mp4() + b"SEFHtrailer that is not a box"):
        cleaned = strip_video_metadata(damaged)
        assert len(cleaned) == len(damaged)
        for secret in SECRETS:
            assert secret not in cleaned, secret


def test_a_file_that_is_not_a_box_tree_is_kept_as_sent():
    original = mp4()
    mvhd = original.index(b"mvhd") - 4
    inside = original[:mvhd] + b"\0\0\0\x03" + original[mvhd + 4 :]  # mvhd claims 3 bytes
    assert strip_video_metadata(inside) == inside  # inside moov nothing is guessed
    assert strip_video_metadata(b"not a video at all") == b"not a video at all"


@settings(max_examples=200, deadline=None)
@given(cut=st.integers(min_value=0, max_value=len(mp4())), junk=st.binary(max_size=24))
def test_a_damaged_video_never_crashes_and_never_changes_length(cut, junk):
    damaged = mp4()[:cut] + junk
    assert len(strip_video_metadata(damaged)) == len(damaged)


# ---- a PDF whose XMP is Flate-compressed ----------------------------------------------------

XMP = (
    b'<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?><x:xmpmeta xmlns:x="adobe:ns:meta/">'
    b'<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description '
    b'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:pdf="http://ns.adobe.com/pdf/1.3/">'
    b"<dc:creator><rdf:Seq><rdf:li>Siti Pelapor</rdf:li></rdf:Seq></dc:creator>"
    b"<pdf:Producer>Microsoft Word untuk Siti Pelapor</pdf:Producer>"
    b'</rdf:Description></rdf:RDF></x:xmpmeta><?xpacket end="w"?>'
)
PAGE_TEXT = b"BT /F1 12 Tf 72 720 Td (Camat hadir di kampanye) Tj ET"


def pdf_with_compressed_xmp() -> bytes:
    """Catalog with Flate XMP, a page with its own XMP, an Info dict, then an incremental save."""
    xmp = zlib.compress(XMP)
    content = zlib.compress(PAGE_TEXT)
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R /Metadata 4 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 6 0 R "
        b"/Resources << /Font << /F1 7 0 R >> >> /Metadata 4 0 R "
        b"/PieceInfo << /Word << /LastModified (D:20241012) /Private (Siti Pelapor) >> >> >>",
        b"<< /Type /Metadata /Subtype /XML /Filter /FlateDecode /Length %d >>\nstream\n" % len(xmp)
        + xmp
        + b"\nendstream",
        b"<< /Author (Siti Pelapor) /Creator (Microsoft Word) /Producer (Siti Pelapor) >>",
        b"<< /Filter /FlateDecode /Length %d >>\nstream\n" % len(content)
        + content
        + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R /Info 5 0 R /ID [<5369746950> <5369746950>] >>\n" % (
        len(objects) + 1
    )
    out += b"startxref\n%d\n%%%%EOF\n" % xref
    # An incremental save: a new Info object; the old one stays in the file's bytes.
    info_at = len(out)
    out += b"8 0 obj\n<< /Author (Siti Pelapor, revisi) >>\nendobj\n"
    second = len(out)
    out += b"xref\n0 1\n0000000000 65535 f \n8 1\n%010d 00000 n \n" % info_at
    out += b"trailer\n<< /Size 9 /Root 1 0 R /Info 8 0 R /Prev %d >>\n" % xref
    out += b"startxref\n%d\n%%%%EOF\n" % second
    return bytes(out)


def inflated_streams(data: bytes) -> list[bytes]:
    """Every Flate stream in the file, inflated (object streams included)."""
    found = []
    for match in re.finditer(rb"stream\r?\n", data):
        try:
            found.append(zlib.decompressobj().decompress(data[match.end() :]))
        except zlib.error:
            continue
    return found


def test_a_pdf_loses_its_compressed_xmp_info_and_old_revisions_and_keeps_its_page():
    original = pdf_with_compressed_xmp()
    assert b"Siti" in original and any(b"Siti" in s for s in inflated_streams(original))
    assert any(b"<dc:creator>" in s for s in inflated_streams(original))

    cleaned = strip_document_metadata(original, "application/pdf")

    assert b"Siti" not in cleaned and b"Microsoft" not in cleaned
    for stream in inflated_streams(cleaned):
        assert b"Siti" not in stream and b"xmpmeta" not in stream
    assert b"5369746950" not in cleaned.lower()  # the creator's file ID is not kept either
    with pikepdf.open(io.BytesIO(cleaned)) as pdf:
        assert len(pdf.pages) == 1
        assert pdf.pages[0].Contents.read_bytes() == PAGE_TEXT
        assert "/Info" not in pdf.trailer and "/Metadata" not in pdf.Root


@settings(max_examples=25, deadline=None)
@given(cut=st.integers(min_value=0, max_value=len(pdf_with_compressed_xmp())))
def test_a_damaged_pdf_never_crashes(cut):
    strip_document_metadata(pdf_with_compressed_xmp()[:cut], "application/pdf")


def test_a_pdf_sent_as_evidence_is_stored_without_its_author(netra):
    reporter = ScriptedReporter(netra, "pdf")
    for answer in HAPPY_PATH[: HAPPY_PATH.index("https://example.org/rekaman")]:
        reporter.says(answer)
    document = Attachment("document", "application/pdf", pdf_with_compressed_xmp(), "Siti.pdf")
    reporter.says(attachments=(document,))
    with netra.session() as session:
        evidence = session.exec(select(Evidence)).one()
    assert evidence.filename == "bukti-1.pdf" and evidence.data is not None
    for stream in [evidence.data, *inflated_streams(evidence.data)]:
        assert b"Siti" not in stream
