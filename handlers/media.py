"""What evidence files Netra accepts, and how images lose their metadata before storage.

A photo's EXIF can hold GPS coordinates, the phone's make and serial, and the owner's name:
enough to identify a reporter. Images are therefore re-encoded from their pixels alone.
"""

from __future__ import annotations

import io
import warnings

from PIL import Image, ImageOps, UnidentifiedImageError

MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_IMAGE_PIXELS = 60_000_000

ACCEPTED_TYPES: dict[str, str] = {
    "image/jpeg": "photo",
    "image/png": "photo",
    "image/webp": "photo",
    "image/heic": "photo",
    "video/mp4": "video",
    "video/3gpp": "video",
    "video/quicktime": "video",
    "video/webm": "video",
    "audio/ogg": "voice",
    "audio/mpeg": "voice",
    "audio/mp4": "voice",
    "audio/aac": "voice",
    "audio/amr": "voice",
    "application/pdf": "document",
    "application/msword": "document",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "document",
    "application/vnd.ms-excel": "document",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "document",
    "text/plain": "document",
}
_REENCODE_FORMAT = {"image/jpeg": "JPEG", "image/png": "PNG", "image/webp": "WEBP"}


class MediaRejected(ValueError):
    """The file cannot be accepted; ``reason`` is ``too_large`` or ``unsupported``."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def base_type(content_type: str) -> str:
    return content_type.split(";", 1)[0].strip().lower()


def check(content_type: str, size: int, max_bytes: int = MAX_FILE_BYTES) -> str:
    """The evidence kind for an acceptable file; raises ``MediaRejected`` otherwise."""
    kind = ACCEPTED_TYPES.get(base_type(content_type))
    if kind is None:
        raise MediaRejected("unsupported")
    if size > max_bytes:
        raise MediaRejected("too_large")
    return kind


def strip_image_metadata(data: bytes, content_type: str) -> tuple[bytes, str]:
    """Re-encode an image from its pixels only: no EXIF, GPS, maker notes, XMP or comments.

    The EXIF orientation is applied first, so the picture still shows upright without it.
    HEIC and anything Pillow cannot re-encode in kind comes out as JPEG.
    """
    Image.MAX_IMAGE_PIXELS = MAX_IMAGE_PIXELS
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as original:
                original.load()
                upright = ImageOps.exif_transpose(original)
                target = _REENCODE_FORMAT.get(base_type(content_type), "JPEG")
                mode = "RGBA" if target != "JPEG" and upright.mode in ("RGBA", "LA", "P") else "RGB"
                clean = Image.new(mode, upright.size)
                clean.paste(upright.convert(mode))
        out = io.BytesIO()
        if target == "JPEG":
            clean.save(out, format="JPEG", quality=90, optimize=True)
        else:
            clean.save(out, format=target)
    except (
        UnidentifiedImageError,
        OSError,
        ValueError,
        Image.DecompressionBombError,
        Image.DecompressionBombWarning,
    ) as exc:
        raise MediaRejected("unsupported") from exc
    new_type = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}[target]
    return out.getvalue(), new_type
