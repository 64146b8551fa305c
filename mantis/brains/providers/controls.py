"""Finding form controls (text inputs, selects) from their drawn borders.

Web inputs are rectangles outlined by a thin line that contrasts with the
page. ``find_boxes`` scans a window of the greyscale screen for that shape:
horizontal runs of contrasting pixels (the top and bottom edges, at most a
few pixels thick, so filled buttons do not count), paired when they span the
same columns, and confirmed by contrasting columns joining them on both sides
(searched a few pixels outward, for rounded corners).

``box_near_label`` picks the box a label names: right below it or right of it.
``box_around`` picks the box a piece of text sits in (a placeholder).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from mantis.brains.providers.base import Box

if TYPE_CHECKING:
    from PIL import Image

_CONTRAST = 40  # grey levels between an edge pixel and the window's background
_MAX_EDGE = 6  # thickest border, in pixels; thicker runs are fills
_SIDE_SLACK = 8  # how far outside a horizontal edge its vertical side may be (corner radius)
_SIDE_SHARE = 0.8  # share of rows in which the side must be present


def find_boxes(gray: Image.Image, window: Box, *, min_width: int = 40) -> list[Box]:
    """Outlined rectangles inside ``window`` (screen coordinates), top to bottom."""
    x0, y0 = max(0, window.x), max(0, window.y)
    x1, y1 = min(gray.width, window.right), min(gray.height, window.bottom)
    w, h = x1 - x0, y1 - y0
    if w < min_width or h < 8:
        return []
    px = gray.crop((x0, y0, x1, y1)).tobytes()
    hist = [0] * 256
    for v in px:
        hist[v] += 1
    bg = max(range(256), key=hist.__getitem__)
    edge = bytes(1 if abs(v - bg) > _CONTRAST else 0 for v in px)

    bands = _bands(edge, w, h, min_width)
    boxes: list[Box] = []
    for i, (t_y0, t_y1, t_x0, t_x1) in enumerate(bands):
        for b_y0, b_y1, b_x0, b_x1 in bands[i + 1 :]:
            if b_y0 - t_y1 < 8 or abs(b_x0 - t_x0) > _SIDE_SLACK or abs(b_x1 - t_x1) > _SIDE_SLACK:
                continue
            left = _side(edge, w, t_y1 + 1, b_y0, min(t_x0, b_x0), -1)
            right = _side(edge, w, t_y1 + 1, b_y0, max(t_x1, b_x1), +1)
            if left is not None and right is not None:
                boxes.append(Box(x0 + left, y0 + t_y0, right - left + 1, b_y1 - t_y0 + 1))
                break
    return boxes


def _bands(edge: bytes, w: int, h: int, min_width: int) -> list[tuple[int, int, int, int]]:
    """Thin horizontal edges: (first row, last row, first column, last column)."""
    open_: list[list[int]] = []  # [y0, y1, x0, x1] still growing
    done: list[tuple[int, int, int, int]] = []
    for y in range(h):
        row = edge[y * w : (y + 1) * w]
        runs: list[tuple[int, int]] = []
        x = row.find(1)
        while x != -1:
            end = row.find(0, x)
            end = w if end == -1 else end
            if end - x >= min_width:
                runs.append((x, end - 1))
            x = row.find(1, end)
        still: list[list[int]] = []
        for band in open_:
            hit = next(
                (r for r in runs if abs(r[0] - band[2]) <= 3 and abs(r[1] - band[3]) <= 3), None
            )
            if hit is None:
                if band[1] - band[0] + 1 <= _MAX_EDGE:
                    done.append((band[0], band[1], band[2], band[3]))
            else:
                runs.remove(hit)
                band[1] = y
                band[2], band[3] = min(band[2], hit[0]), max(band[3], hit[1])
                still.append(band)
        still.extend([y, y, r[0], r[1]] for r in runs)
        open_ = still
    done.extend((b[0], b[1], b[2], b[3]) for b in open_ if b[1] - b[0] + 1 <= _MAX_EDGE)
    done.sort()
    return done


def _side(edge: bytes, w: int, y0: int, y1: int, x: int, direction: int) -> int | None:
    """The column (searched outward from ``x``) that is an edge in most rows y0..y1-1."""
    rows = y1 - y0
    if rows <= 0:
        return None
    for step in range(-2, _SIDE_SLACK + 1):
        col = x + direction * step
        if not 0 <= col < w:
            continue
        hits = sum(edge[y * w + col] for y in range(y0, y1))
        if hits >= _SIDE_SHARE * rows:
            return col
    return None


def box_near_label(gray: Image.Image, label: Box, bounds: Box) -> Box | None:
    """The input-like box right below ``label`` or right of it, nearest first."""
    h = max(8, label.h)
    window = Box(label.x - 4 * h, label.y - 3 * h, 48 * h, 12 * h)
    window = _clip(window, bounds)
    best: tuple[int, Box] | None = None
    for box in find_boxes(gray, window):
        if box.h > 6 * h or box.w < 3 * h or _contains(box, label):
            continue
        below = (
            label.bottom - 2 <= box.y <= label.bottom + 4 * h
            and box.x <= label.x + 2 * h
            and box.right > label.x
        )
        right = (
            label.right - 2 <= box.x <= label.right + 20 * h
            and box.y <= label.y + label.h // 2 <= box.bottom
        )
        if below or right:
            gap = box.y - label.bottom if below else box.x - label.right
            if best is None or gap < best[0]:
                best = (gap, box)
    return best[1] if best else None


def box_around(gray: Image.Image, text: Box, bounds: Box) -> Box | None:
    """The smallest input-like box that ``text`` sits inside (a placeholder's input)."""
    h = max(8, text.h)
    window = _clip(Box(text.x - 12 * h, text.y - 2 * h, 50 * h, text.h + 4 * h), bounds)
    inside = [
        b for b in find_boxes(gray, window) if _contains(b, text) and b.h <= 4 * h and b.w >= 3 * h
    ]
    return min(inside, key=lambda b: b.w * b.h) if inside else None


def _contains(outer: Box, inner: Box) -> bool:
    return (
        outer.x <= inner.x
        and outer.y <= inner.y
        and inner.right <= outer.right
        and inner.bottom <= outer.bottom
    )


def _clip(box: Box, bounds: Box) -> Box:
    x0, y0 = max(box.x, bounds.x), max(box.y, bounds.y)
    x1, y1 = min(box.right, bounds.right), min(box.bottom, bounds.bottom)
    return Box(x0, y0, max(0, x1 - x0), max(0, y1 - y0))
