"""Screenshot layouts: a BGRX-backed frame shows exactly the pixels of its RGB twin."""

from __future__ import annotations

import io
import random

import msgspec
from PIL import Image

from mantis.brains.providers.ocr import _digest
from mantis.gym.base import Screenshot
from mantis.runner.steps.motion import fingerprint

W, H = 37, 23  # odd sizes: no row padding hides behind a round width


def _pair(seed: int = 7) -> tuple[Screenshot, Screenshot]:
    """The same random picture as BGRX (with junk in the X byte) and as packed RGB."""
    rnd = random.Random(seed)
    rgb = bytes(rnd.randrange(256) for _ in range(W * H * 3))
    bgrx = bytearray(W * H * 4)
    bgrx[0::4], bgrx[1::4], bgrx[2::4] = rgb[2::3], rgb[1::3], rgb[0::3]
    bgrx[3::4] = bytes(rnd.randrange(256) for _ in range(W * H))
    return (
        Screenshot(width=W, height=H, data=bytes(bgrx), pixel_format="BGRX", captured_at_ms=1),
        Screenshot(width=W, height=H, data=rgb, captured_at_ms=1),
    )


def test_bgrx_and_rgb_frames_decode_to_identical_images():
    bgrx, rgb = _pair()
    assert bgrx.bytes_per_pixel == 4 and rgb.bytes_per_pixel == 3
    a, b = bgrx.image(), rgb.image()
    assert (a.mode, a.size) == (b.mode, b.size) == ("RGB", (W, H))
    assert a.tobytes() == b.tobytes()
    assert bgrx.rgb == rgb.rgb == rgb.data
    for x, y in [(0, 0), (W - 1, 0), (0, H - 1), (W - 1, H - 1), (11, 13)]:
        assert bgrx.pixel(x, y) == rgb.pixel(x, y) == a.getpixel((x, y))


def test_encodings_carry_the_same_pixels_from_either_layout():
    bgrx, rgb = _pair(3)
    for shot in (bgrx, rgb):
        png = Image.open(io.BytesIO(shot.encode("png")))
        assert png.convert("RGB").tobytes() == rgb.data
    # Lossy, but from identical input the encoder's output is identical too.
    assert bgrx.encode("jpeg", 80) == rgb.encode("jpeg", 80)


def test_rgb_is_computed_once_and_survives_replace():
    bgrx, rgb = _pair()
    first = bgrx.rgb
    assert bgrx.rgb is first  # cached
    assert rgb.rgb is rgb.data  # nothing to convert
    moved = msgspec.structs.replace(bgrx, scroll_y=40)
    assert (moved.pixel_format, moved.scroll_y, moved.rgb) == ("BGRX", 40, first)


def test_from_image_is_rgb():
    _, rgb = _pair()
    again = Screenshot.from_image(rgb.image().convert("RGBA"), captured_at_ms=5)
    assert (again.pixel_format, again.data, again.captured_at_ms) == ("RGB", rgb.data, 5)


def test_raw_hashes_follow_the_pixels_within_one_layout():
    bgrx, _ = _pair()
    other, _ = _pair(8)
    assert fingerprint(bgrx, 5) == fingerprint(Screenshot(**_fields(bgrx)), 5)
    assert fingerprint(bgrx, 5) != fingerprint(other, 5)
    assert bytes(bgrx.rows_from(5)) == bgrx.data[5 * W * 4 :]
    assert _digest(bgrx) != _digest(other)
    assert _digest(bgrx) == _digest(Screenshot(**_fields(bgrx)))


def _fields(shot: Screenshot) -> dict:
    return msgspec.structs.asdict(shot)
