"""Metadata out of MP4, MOV and 3GP videos (ISO base media files), before any file is stored.

A phone video names where and when it was shot and on what device: GPS in ``©xyz`` or
``loci``, make and model in ``©mak``/``©mod`` or the QuickTime ``meta`` keys, the owner in
``auth``, and creation times in the movie, track and media headers. All of it sits in a few
boxes of the ``moov`` tree, so it can be removed without re-encoding (we ship no codec).

Nothing moves: a dropped box becomes a ``free`` box of the same size with a zeroed body, and
header times are zeroed in place. The chunk offsets in ``stco``/``co64`` point into ``mdat``
by absolute position, so keeping every byte where it was keeps the video playable without
patching them. ``free``/``skip`` boxes already there are zeroed too: editors leave old
metadata in them.

Left as it is: timed metadata *tracks* (a GoPro's GPMF telemetry, for one) keep their samples
in ``mdat``; reporters are told that videos can still identify them.
"""

from __future__ import annotations

import logging
import struct

log = logging.getLogger(__name__)

ISO_MEDIA_TYPES = frozenset({"video/mp4", "video/quicktime", "video/3gpp", "audio/mp4"})
# Boxes whose children are boxes and may hold metadata (sample tables are not walked).
_CONTAINERS = frozenset({b"moov", b"trak", b"mdia", b"minf", b"moof", b"traf", b"mvex"})
# udta: ©xyz, ©mak, ©mod, ©day, loci, auth…; meta: QuickTime keys/ilst; prft: wall-clock time.
_DROPPED = frozenset({b"udta", b"meta", b"prft"})
_EMPTY = frozenset({b"free", b"skip"})
# What an MP4/3GP (ftyp) or an older QuickTime file may start with.
_FIRST = frozenset({b"ftyp", b"moov", b"mdat", b"wide", b"free", b"skip", b"pnot", b"uuid"})
# Movie, track and media headers: version/flags, then creation and modification time.
_TIMED_HEADERS = frozenset({b"mvhd", b"tkhd", b"mdhd"})
# Adobe XMP in a ``uuid`` box (Premiere, some cameras): author, tool, dates.
_XMP_UUID = bytes.fromhex("BE7ACFCB97A942E89C71999491E3AFAC")


class NotIsoMedia(ValueError):
    """The bytes are not a well-formed box tree; nothing was changed."""


def strip_video_metadata(data: bytes) -> bytes:
    """The video with its location, device, owner and creation times removed, same length.

    A file whose boxes do not add up is returned unchanged (never a crash on a reporter's
    file); the reporter has been told that videos can still identify them.
    """
    out = bytearray(data)
    try:
        _clean(out, 0, len(out), top=True)
    except NotIsoMedia as error:
        log.info("video kept as sent: %s", error)
        return data
    return bytes(out)


def _boxes(
    data: bytes | bytearray, start: int, end: int, *, lenient: bool = False
) -> list[tuple[bytes, int, int, int]]:
    """The boxes in ``data[start:end]`` as (type, start, header length, size).

    Raises ``NotIsoMedia`` when a size is impossible, so a caller changes nothing; ``lenient``
    instead stops there (a file cut short, or a vendor's trailer after the last box).
    """
    found: list[tuple[bytes, int, int, int]] = []
    at = start
    while at < end:
        try:
            box = _box_at(data, at, end)
        except NotIsoMedia:
            if lenient:
                break
            raise
        found.append(box)
        at += box[3]
    return found


def _box_at(data: bytes | bytearray, at: int, end: int) -> tuple[bytes, int, int, int]:
    if end - at < 8:
        raise NotIsoMedia(f"{end - at} stray bytes at {at}")
    size, kind = struct.unpack_from(">I4s", data, at)
    header = 8
    if size == 1:
        if end - at < 16:
            raise NotIsoMedia(f"truncated large size at {at}")
        (size,) = struct.unpack_from(">Q", data, at + 8)
        header = 16
    elif size == 0:
        size = end - at  # "to the end of the enclosing box / file"
    if kind == b"uuid":
        header += 16
    if size < header or at + size > end:
        raise NotIsoMedia(f"box {kind!r} at {at} claims {size} bytes")
    return kind, at, header, size


def _clean(data: bytearray, start: int, end: int, *, top: bool = False) -> None:
    """Free, zero and descend, in place; inside ``moov`` every size must add up exactly."""
    found = _boxes(data, start, end, lenient=top)
    if top and (not found or found[0][0] not in _FIRST):
        raise NotIsoMedia("does not start like an ISO media or QuickTime file")
    if top and not any(kind == b"moov" for kind, *_ in found):
        raise NotIsoMedia("no readable moov box")
    for kind, at, header, size in found:
        if kind in _DROPPED or (kind == b"uuid" and _is_xmp(data, at, header)):
            _to_free(data, at, header, size)
        elif kind in _EMPTY:
            data[at + header : at + size] = bytes(size - header)
        elif kind in _TIMED_HEADERS:
            _zero_times(data, at + header, at + size)
        elif kind in _CONTAINERS:
            _clean(data, at + header, at + size)


def _is_xmp(data: bytearray, at: int, header: int) -> bool:
    return bytes(data[at + header - 16 : at + header]) == _XMP_UUID


def _to_free(data: bytearray, at: int, header: int, size: int) -> None:
    """The box becomes ``free`` of the same size: its bytes are gone, no offset moves."""
    if header >= 16 and struct.unpack_from(">I", data, at)[0] == 1:
        struct.pack_into(">I4sQ", data, at, 1, b"free", size)
        body = at + 16
    else:
        struct.pack_into(">I4s", data, at, size, b"free")
        body = at + 8
    data[body : at + size] = bytes(at + size - body)


def _zero_times(data: bytearray, body: int, end: int) -> None:
    """Creation and modification time to 0 ("unknown"): 32-bit in version 0, 64-bit in 1."""
    if end - body < 4:
        raise NotIsoMedia("header box too short")
    width = 8 if data[body] == 1 else 4
    if end - body < 4 + 2 * width:
        raise NotIsoMedia("header box too short for its times")
    data[body + 4 : body + 4 + 2 * width] = bytes(2 * width)
