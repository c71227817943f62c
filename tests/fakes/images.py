"""Test pictures that carry what a phone camera puts in them: GPS, make, model, owner."""

from __future__ import annotations

import io

from PIL import Image

MAKER = "NetraTestPhoneMaker"
OWNER = "Pemilik Kamera Rahasia"


def jpeg_with_gps(size: tuple[int, int] = (64, 48)) -> bytes:
    image = Image.new("RGB", size, (200, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = MAKER  # Make
    exif[0x0110] = "Model X1"  # Model
    exif[0x013B] = OWNER  # Artist
    gps = exif.get_ifd(0x8825)
    gps[1] = "S"
    gps[2] = (6.0, 10.0, 30.0)
    gps[3] = "E"
    gps[4] = (106.0, 49.0, 12.0)
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    data = out.getvalue()
    assert MAKER.encode() in data
    return data


def has_metadata(data: bytes) -> bool:
    with Image.open(io.BytesIO(data)) as image:
        return bool(image.getexif()) or MAKER.encode() in data or OWNER.encode() in data
