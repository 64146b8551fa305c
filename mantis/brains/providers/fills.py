"""Solid filled areas (buttons, toolbars, badges) and a sheet that makes their text legible.

Tesseract's page layout analysis tends to classify a solid coloured rectangle as
a picture and skip the text on it, which loses exactly the words a computer-use
agent needs most ("Sign in" on a blue button). ``find_fills`` locates such areas
on a quarter-resolution copy of the screen; ``build_sheet`` cuts them out,
recolours each so its text is dark on white, and stacks them on one white
image, so a single extra Tesseract pass reads them all. ``Sheet.to_screen``
maps a point on the sheet back to the screen.
"""

from __future__ import annotations

from collections import deque
from typing import TYPE_CHECKING

import msgspec

from mantis.brains.providers.base import Box

if TYPE_CHECKING:
    from PIL import Image

_CELL = 4  # analysis cell, in screen pixels
_FLAT = 24  # a cell is flat when its 3x3 neighbourhood varies less than this (0-255 grey)
_AWAY = 48  # ... and a fill when it differs from the page background by more than this
_MIN_W, _MIN_H = 24, 16  # smallest fill worth reading, in screen pixels
_MAX_AREA = 0.5  # a "fill" covering more of the image than this is the page itself
GAP = 16  # white space between pieces on the sheet


class Sheet(msgspec.Struct, frozen=True):
    image: object  # PIL.Image.Image ("L"); typed loosely to keep PIL out of import time
    pieces: tuple[tuple[Box, int], ...]  # (screen box, y of the piece on the sheet)

    def piece_at(self, x: int, y: int) -> int | None:
        """The index of the piece that sheet point (x, y) lies on."""
        for i, (box, top) in enumerate(self.pieces):
            if top <= y < top + box.h and 0 <= x - GAP < box.w:
                return i
        return None

    def shift(self, piece: int) -> tuple[int, int]:
        """What to add to a sheet coordinate on ``piece`` to get the image coordinate."""
        box, top = self.pieces[piece]
        return (box.x - GAP, box.y - top)


def find_fills(gray: Image.Image) -> list[Box]:
    """Boxes of solid areas whose colour differs clearly from the page background."""
    from PIL import ImageChops, ImageFilter

    small = gray.reduce(_CELL)
    sw, sh = small.size
    if sw < 3 or sh < 3:
        return []
    hist = small.histogram()
    page = max(range(256), key=hist.__getitem__)
    spread = ImageChops.subtract(
        small.filter(ImageFilter.MaxFilter(3)), small.filter(ImageFilter.MinFilter(3))
    )
    flat = spread.tobytes()
    px = small.tobytes()
    mask = bytearray(sw * sh)
    for i, value in enumerate(px):
        if flat[i] < _FLAT and abs(value - page) > _AWAY:
            mask[i] = 1
    parts: list[Box] = []
    for i in range(sw * sh):
        if mask[i] == 1:
            x0, y0, x1, y1 = _flood(mask, sw, sh, i)
            parts.append(Box(x0 * _CELL, y0 * _CELL, (x1 - x0 + 1) * _CELL, (y1 - y0 + 1) * _CELL))
    limit = _MAX_AREA * gray.width * gray.height
    joined = _join_rows(parts, small, page)
    return [b for b in joined if b.w >= _MIN_W and b.h >= _MIN_H and b.w * b.h <= limit]


def _join_rows(parts: list[Box], small: Image.Image, page: int) -> list[Box]:
    """Join pieces of one fill that its text cut apart: same top and bottom
    (within a cell), side by side, with the space between them not page-coloured
    (two buttons in a row stay two)."""
    parts.sort(key=lambda b: (b.y, b.x))
    joined: list[Box] = []
    for part in parts:
        for i, box in enumerate(joined):
            same_band = abs(box.y - part.y) <= _CELL and abs(box.bottom - part.bottom) <= _CELL
            if (
                same_band
                and 0 <= part.x - box.right <= 6 * box.h
                and _filled_between(box, part, small, page)
            ):
                joined[i] = box.union(part)
                break
        else:
            joined.append(part)
    return joined


def _filled_between(left: Box, right: Box, small: Image.Image, page: int) -> bool:
    y0, y1 = max(left.y, right.y) // _CELL, min(left.bottom, right.bottom) // _CELL
    x0, x1 = left.right // _CELL, right.x // _CELL
    if x1 <= x0 or y1 <= y0:
        return True
    cells = small.crop((x0, y0, x1, y1)).tobytes()
    return abs(sum(cells) / len(cells) - page) > _AWAY / 2


def _flood(mask: bytearray, sw: int, sh: int, start: int) -> tuple[int, int, int, int]:
    """Mark the 4-connected component at ``start`` visited; return its cell bounds."""
    x0 = x1 = start % sw
    y0 = y1 = start // sw
    mask[start] = 2
    queue = deque([start])
    while queue:
        i = queue.popleft()
        x, y = i % sw, i // sw
        x0, x1, y0, y1 = min(x0, x), max(x1, x), min(y0, y), max(y1, y)
        for j in (i - 1 if x else -1, i + 1 if x + 1 < sw else -1, i - sw, i + sw):
            if 0 <= j < sw * sh and mask[j] == 1:
                mask[j] = 2
                queue.append(j)
    return x0, y0, x1, y1


def build_sheet(gray: Image.Image, boxes: list[Box]) -> Sheet | None:
    """Stack the fills, each recoloured dark-on-white, on one white image."""
    from PIL import Image, ImageChops, ImageOps

    if not boxes:
        return None
    crops: list[tuple[Box, Image.Image]] = []
    for box in boxes:
        crop = gray.crop((box.x, box.y, box.right, box.bottom))
        hist = crop.histogram()
        fill = max(range(256), key=hist.__getitem__)
        # Distance from the fill colour: the fill turns white, its text dark,
        # whatever the two colours were.
        distance = ImageChops.difference(crop, Image.new("L", crop.size, fill))
        crops.append((box, ImageOps.autocontrast(ImageOps.invert(distance))))
    width = max(b.w for b in boxes) + 2 * GAP
    height = sum(b.h + GAP for b in boxes) + GAP
    sheet = Image.new("L", (width, height), 255)
    pieces: list[tuple[Box, int]] = []
    y = GAP
    for box, crop in crops:
        sheet.paste(crop, (GAP, y))
        pieces.append((box, y))
        y += box.h + GAP
    return Sheet(image=sheet, pieces=tuple(pieces))
