"""Comparing two stored images (base64 PNG/JPEG) as a viewer sees them: by pixels.

A plot redrawn by another version of a library, or re-encoded with other compression settings or
other metadata chunks, has other bytes but often the same pixels. Equal bytes are equal; else
both are decoded (Pillow) and compared pixel by pixel: same size required, then a small
tolerance, so anti-aliasing noise passes and a moved line does not.
"""

from __future__ import annotations

import base64
import binascii
import io

from PIL import Image, ImageChops, ImageStat, UnidentifiedImageError

# A channel may differ by this much (of 255) without the pixel counting as changed...
CHANNEL_TOLERANCE = 16
# ...and this share of the pixels may change more than that (stray anti-aliased edges).
CHANGED_PIXELS_TOLERANCE = 0.001
# Decoding is refused beyond this (a stored output is capped, but a PNG can inflate enormously).
MAX_PIXELS = 40_000_000


def _decode(data) -> Image.Image | None:
    if isinstance(data, list):
        data = "".join(data)
    if not isinstance(data, str):
        return None
    try:
        raw = base64.b64decode(data, validate=False)
        img = Image.open(io.BytesIO(raw))
        if img.width * img.height > MAX_PIXELS:
            return None
        img.load()
        return img.convert("RGBA")
    except (binascii.Error, ValueError, OSError, UnidentifiedImageError, Image.DecompressionBombError):
        return None


def _b64(data) -> str:
    text = "".join(data) if isinstance(data, list) else str(data)
    return "".join(text.split())  # line breaks inside base64 carry nothing


def compare_images(stored, replayed) -> str | None:
    """None when the two base64 images look the same, else why not: "size", "pixels",
    or "undecodable"."""
    if _b64(stored) == _b64(replayed):
        return None
    a, b = _decode(stored), _decode(replayed)
    if a is None or b is None:
        return "undecodable"
    if a.size != b.size:
        return "size"
    # The largest channel difference per pixel (alpha included), thresholded: changed -> 255.
    bands = ImageChops.difference(a, b).split()
    worst = bands[0]
    for band in bands[1:]:
        worst = ImageChops.lighter(worst, band)
    if worst.getbbox() is None:
        return None
    changed = worst.point(lambda v: 255 if v > CHANNEL_TOLERANCE else 0)
    share = ImageStat.Stat(changed).mean[0] / 255.0
    return None if share <= CHANGED_PIXELS_TOLERANCE else "pixels"
