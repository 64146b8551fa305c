"""Table rows from OCR word boxes: cluster words into rows and columns, map headers to fields.

A header row is a visual row where at least two schema fields (or the only
one) match header cells — a word or two-word run, no trailing colon — with
similarity ``threshold`` or better. Columns start at their header's left edge
(a small tolerance lets cells sit slightly left of it); each data word goes to
the last column starting at or before it. Data rows follow the header top to
bottom; the table ends at the first row where fewer than half of the
columns hold a cell aligned with its header (left edges or centres within
12 px: a "Next" link, a footer, a line of links) or after a vertical gap wider than 1.5 row
pitches. Words left of the first column are ignored. Header cells that name no
schema field are columns too: they bound the others and their cells are dropped.
"""

from __future__ import annotations

import statistics
from typing import Any

from mantis.brains.providers.base import FieldSpec
from mantis.brains.providers.coercion import coerce
from mantis.brains.providers.matching import normalize, similarity
from mantis.brains.providers.ocr import Word

_TOLERANCE = 16  # px a cell may start left of its header
_ALIGN = 12  # px a cell's first word may sit off its header's left edge or centre


def visual_rows(words: list[Word] | tuple[Word, ...]) -> list[list[Word]]:
    """Words grouped by vertical centre (across blocks), each row left to right."""
    if not words:
        return []
    height = statistics.median(w.height for w in words) or 10
    rows: list[list[Word]] = []
    centres: list[float] = []
    for w in sorted(words, key=lambda w: w.top + w.height / 2):
        cy = w.top + w.height / 2
        if rows and abs(cy - centres[-1]) <= 0.6 * height:
            rows[-1].append(w)
            n = len(rows[-1])
            centres[-1] += (cy - centres[-1]) / n
        else:
            rows.append([w])
            centres.append(cy)
    return [sorted(r, key=lambda w: w.left) for r in rows]


def _header(
    row: list[Word], forms: list[list[str]], threshold: float
) -> dict[int, tuple[int, int]] | None:
    """Field index → (left, right) of its header cell, when ``row`` is a header row."""
    found: dict[int, tuple[int, int]] = {}
    used: set[int] = set()
    for fi, names in enumerate(forms):
        best: tuple[float, int, int] | None = None
        for i in range(len(row)):
            for n in (1, 2):
                if i + n > len(row) or used & set(range(i, i + n)):
                    continue
                text = " ".join(w.text for w in row[i : i + n])
                if text.rstrip().endswith((":", ";")):
                    continue
                score = max(similarity(normalize(text), name) for name in names)
                if score >= threshold and (best is None or score > best[0]):
                    best = (score, i, n)
        if best is not None:
            _, i, n = best
            used.update(range(i, i + n))
            found[fi] = (row[i].left, row[i + n - 1].right)
    need = 1 if len(forms) == 1 else 2
    return found if len(found) >= need else None


def _aligned(word: Word, header: tuple[int, int]) -> bool:
    """A cell's first word starts at its header's left edge, or shares its centre."""
    left, right = header
    centre = word.left + word.width / 2
    return abs(word.left - left) <= _ALIGN or abs(centre - (left + right) / 2) <= _ALIGN


def _all_columns(
    row: list[Word], header: dict[int, tuple[int, int]]
) -> list[tuple[int, tuple[int, int]]]:
    """Every column of the header row, left to right, as (field index, header span).

    Header cells that name no schema field still bound their neighbours (their
    cells are read and dropped, index < 0), so a schema naming only some
    columns does not swallow the others into its last field.
    """
    spans = list(header.items())
    for k, w in enumerate(row):
        if not any(left <= w.left and w.right <= right for left, right in header.values()):
            spans.append((-1 - k, (w.left, w.right)))
    return sorted(spans, key=lambda kv: kv[1][0])


def extract_table(
    words: list[Word] | tuple[Word, ...],
    fields: list[FieldSpec],
    forms: list[list[str]],
    *,
    max_items: int,
    threshold: float,
) -> list[dict[str, Any]]:
    """Rows of the first table whose header names the schema's fields; [] when none."""
    rows = visual_rows(words)
    for r, row in enumerate(rows):
        header = _header(row, forms, threshold)
        if header is None:
            continue
        columns = _all_columns(row, header)
        out: list[dict[str, Any]] = []
        prev_top, pitch = min(w.top for w in row), 0
        for data in rows[r + 1 :]:
            top = min(w.top for w in data)
            if pitch and top - prev_top > 1.5 * pitch:
                break  # a gap: whatever follows is not a table row
            pitch = pitch or top - prev_top
            prev_top = top
            cells: dict[int, list[str]] = {}
            aligned = 0
            for w in data:
                col = None
                for fi, span in columns:
                    if w.left >= span[0] - _TOLERANCE:
                        col = (fi, span)
                if col is None:
                    continue
                fi, span = col
                if fi not in cells and _aligned(w, span):
                    aligned += 1
                cells.setdefault(fi, []).append(w.text)
            if aligned * 2 < len(columns):
                break
            found = {fields[fi].name: " ".join(ws) for fi, ws in cells.items() if fi >= 0}
            out.append({f.name: coerce(found.get(f.name, ""), f.type) for f in fields})
            if len(out) >= max_items:
                break
        if out:
            return out
    return []
