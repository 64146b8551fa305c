"""Coordinate spaces of vision models and the pure functions that map them to the screen.

A model sees a resized copy of the screen and answers in its own space: pixels
of the resized image (Qwen-VL "smart resize", Fara's fixed input size), 0–1000
relative units, or 0–1 fractions. ``ModelSpace.to_screen`` maps a point back to
real screen pixels, or returns None when the point lies outside the image.
"""

from __future__ import annotations

import math
from typing import Literal

import msgspec

QWEN_FACTOR = 28
QWEN_MIN_PIXELS = 3136
QWEN_MAX_PIXELS = 12845056
# A point this far outside the image (in model units) is still clamped onto the
# edge, since models often answer 1288 for the right edge of a 1288-wide image.
_EDGE_SLACK = 2.0

Units = Literal["pixels", "relative1000", "fractional"]


def smart_resize(
    width: int,
    height: int,
    *,
    factor: int = QWEN_FACTOR,
    min_pixels: int = QWEN_MIN_PIXELS,
    max_pixels: int = QWEN_MAX_PIXELS,
) -> tuple[int, int]:
    """The (width, height) a Qwen-VL processor resizes an image to.

    Both sides become multiples of ``factor`` and the pixel count lands in
    ``[min_pixels, max_pixels]``, keeping the aspect ratio as closely as possible.
    """
    if width <= 0 or height <= 0:
        raise ValueError(f"expected a positive image size, got {width}x{height}")
    w = max(factor, round(width / factor) * factor)
    h = max(factor, round(height / factor) * factor)
    if w * h > max_pixels:
        beta = math.sqrt(width * height / max_pixels)
        w = max(factor, math.floor(width / beta / factor) * factor)
        h = max(factor, math.floor(height / beta / factor) * factor)
    elif w * h < min_pixels:
        beta = math.sqrt(min_pixels / (width * height))
        w = math.ceil(width * beta / factor) * factor
        h = math.ceil(height * beta / factor) * factor
    return w, h


class ModelSpace(msgspec.Struct, frozen=True, kw_only=True):
    """How a model's coordinates relate to the screen.

    ``image`` is the size of the image the model was shown; ``screen`` the real
    display. ``units`` says how the model writes a point.
    """

    image: tuple[int, int]
    screen: tuple[int, int]
    units: Units = "pixels"

    def to_screen(self, x: float, y: float) -> tuple[int, int] | None:
        """Screen pixels for a model point, or None when it is off the image."""
        x, y = float(x), float(y)
        if not (math.isfinite(x) and math.isfinite(y)):
            return None
        units = self.units
        # Some fine-tunes answer in 0–1 fractions even when asked for pixels.
        if units == "pixels" and _fractional(x, y):
            units = "fractional"
        if units == "pixels":
            span_x, span_y = float(self.image[0]), float(self.image[1])
        elif units == "relative1000":
            span_x = span_y = 1000.0
        else:
            span_x = span_y = 1.0
        slack = _EDGE_SLACK if units != "fractional" else 0.0
        if not (-slack <= x <= span_x + slack and -slack <= y <= span_y + slack):
            return None
        sw, sh = self.screen
        sx = min(max(x / span_x, 0.0), 1.0) * sw
        sy = min(max(y / span_y, 0.0), 1.0) * sh
        return min(int(sx), sw - 1), min(int(sy), sh - 1)


def _fractional(x: float, y: float) -> bool:
    return 0.0 <= x <= 1.0 and 0.0 <= y <= 1.0 and not (x.is_integer() and y.is_integer())


def qwen_space(screen: tuple[int, int], units: Units = "pixels") -> ModelSpace:
    """The space of a Qwen-VL model shown the whole screen after smart resize."""
    return ModelSpace(image=smart_resize(*screen), screen=screen, units=units)


def fixed_space(image: tuple[int, int], screen: tuple[int, int]) -> ModelSpace:
    """The space of a model shown the screen resized to a fixed ``image`` size (Fara)."""
    return ModelSpace(image=image, screen=screen, units="pixels")
