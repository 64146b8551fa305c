"""``LocalExtractor``: rows of labelled values read off the screen with Tesseract OCR.

It understands four layouts, all from word geometry rather than line text:

* ``Label: value`` on one line (several pairs may share a line);
* a label on its own line with the value on the line right below it
  (a form, or an input box with text in it);
* many records on one screen — a grid of cards, a list — each made of such
  pairs;
* a table with a header row naming the fields (``tables.extract_table``),
  tried first when more than one row is asked for.

A label is a run of words ending in a colon (or standing alone on its line)
that matches a field's name or its humanised form (``first_name`` → "First
name", ``zipCode`` → "Zip code") with similarity ``threshold`` (0.85) or better.
A value runs from the label to the next label on its line.

Labels are grouped into columns by the horizontal span of label + value (cards
side by side never overlap), each column is read top to bottom, and a record
starts when a label repeats. When no label repeats anywhere, everything is one
record. Records are ordered top to bottom, then left to right. Each row has
every field in schema order; a field not found is ``""``; values are typed by
``coercion.coerce`` (text that does not parse stays text).
"""

from __future__ import annotations

import re
import statistics
from typing import TYPE_CHECKING, Any

import msgspec

from mantis.brains.providers.base import Box, FieldSpec, Region
from mantis.brains.providers.coercion import coerce
from mantis.brains.providers.matching import normalize, similarity
from mantis.brains.providers.ocr import Line, Tesseract, Word
from mantis.brains.providers.tables import extract_table

if TYPE_CHECKING:
    from mantis.gym.base import Screenshot

LABEL_THRESHOLD = 0.85
_COLONS = (":", ";", "：")  # OCR reads a colon as a semicolon now and then


class _Label(msgspec.Struct):
    field: int  # index into the schema
    line: int  # index into the lines
    start: int  # first label word in the line
    end: int  # one past the last label word (colon token included)
    box: Box
    colon: bool
    value: str = ""
    value_box: Box | None = None

    @property
    def span(self) -> tuple[int, int]:
        right = self.value_box.right if self.value_box else self.box.right
        return (self.box.x, max(self.box.right, right))


_BLOCK_PSM = 6  # Tesseract: "a single uniform block of text"


def _holes(rows: list[dict[str, Any]]) -> int:
    return sum(1 for row in rows for v in row.values() if v == "")


class LocalExtractor:
    def __init__(
        self,
        tesseract_path: str = "tesseract",
        *,
        ocr: Tesseract | None = None,
        threshold: float = LABEL_THRESHOLD,
    ) -> None:
        self.ocr = ocr or Tesseract(tesseract_path)
        self.threshold = threshold

    async def extract(
        self,
        shot: Screenshot,
        fields: list[FieldSpec],
        *,
        max_items: int = 1,
        region: Region | None = None,
    ) -> list[dict[str, Any]]:
        ocr = await self.ocr.read(shot, region=region)
        if fields and max_items > 1:
            forms = [_label_forms(f.name) for f in fields]
            table = extract_table(
                ocr.words, fields, forms, max_items=max_items, threshold=self.threshold
            )
            if table and _holes(table):
                # Sparse-text OCR drops lone short words (a "4" in a Qty column);
                # block-mode OCR keeps them, so a table with empty cells is read again.
                block = await self.ocr.read(shot, region=region, psm=_BLOCK_PSM)
                again = extract_table(
                    block.words, fields, forms, max_items=max_items, threshold=self.threshold
                )
                if len(again) >= len(table) and _holes(again) < _holes(table):
                    table = again
            if table:
                return table
        return extract_rows(list(ocr.lines), fields, max_items=max_items, threshold=self.threshold)


def extract_rows(
    lines: list[Line],
    fields: list[FieldSpec],
    *,
    max_items: int = 1,
    threshold: float = LABEL_THRESHOLD,
) -> list[dict[str, Any]]:
    """Rows from OCR lines (ordered as ``group_lines`` orders them)."""
    if not fields or max_items < 1:
        return []
    names = [_label_forms(f.name) for f in fields]
    labels = [
        lab for i, line in enumerate(lines) for lab in _find_labels(i, line, names, threshold)
    ]
    _read_values(lines, labels)
    records = _records(labels)
    rows = []
    for record in records[:max_items]:
        found = {fields[lab.field].name: lab.value for lab in record}
        rows.append({f.name: coerce(found.get(f.name, ""), f.type) for f in fields})
    return rows


def _label_forms(name: str) -> list[str]:
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", name)
    return sorted({normalize(name), normalize(spaced)}, key=len)


def _find_labels(index: int, line: Line, names: list[list[str]], threshold: float) -> list[_Label]:
    words = line.words
    found: list[_Label] = []
    i = 0
    while i < len(words):
        best: tuple[float, _Label] | None = None
        for field, forms in enumerate(names):
            for form in forms:
                size = len(form.split())
                for k in {size, size + 1, max(1, size - 1)}:
                    label = _try_label(index, line, i, k, field, form, threshold)
                    if label is not None:
                        score = similarity(_strip_colon(_text(words[i : i + k])), form)
                        if best is None or score > best[0]:
                            best = (score, label)
        if best is None:
            i += 1
            continue
        found.append(best[1])
        i = best[1].end
    return found


def _try_label(
    index: int, line: Line, start: int, k: int, field: int, form: str, threshold: float
) -> _Label | None:
    words = line.words
    if start + k > len(words):
        return None
    window = words[start : start + k]
    last = window[-1].text
    colon = last.endswith(_COLONS)
    end = start + k
    if not colon and end < len(words) and words[end].text in _COLONS:
        colon, end = True, end + 1
    alone = start == 0 and end == len(words)
    if not (colon or alone):
        return None
    if similarity(_strip_colon(_text(window)), form) < threshold:
        return None
    return _Label(field=field, line=index, start=start, end=end, box=_box(window), colon=colon)


def _read_values(lines: list[Line], labels: list[_Label]) -> None:
    """Fill each label's value: the rest of its line up to the next label, else the line below."""
    by_line: dict[int, list[_Label]] = {}
    for lab in labels:
        by_line.setdefault(lab.line, []).append(lab)
    label_lines = set(by_line)
    for index, labs in by_line.items():
        words = lines[index].words
        for n, lab in enumerate(labs):
            stop = labs[n + 1].start if n + 1 < len(labs) else len(words)
            value = words[lab.end : stop]
            if value:
                lab.value, lab.value_box = _text(value), _box(value)
            elif n + 1 == len(labs):
                below = _line_below(lines, lab, label_lines)
                if below is not None:
                    lab.value, lab.value_box = below.text, below.box


def _line_below(lines: list[Line], lab: _Label, label_lines: set[int]) -> Line | None:
    """The nearest line starting within three label heights below the label and
    overlapping it sideways, unless that line holds labels itself."""
    h = lab.box.h
    nearest: tuple[int, int, int] | None = None
    for index, line in enumerate(lines):
        box = line.box
        if box.y < lab.box.bottom - 2 or box.y - lab.box.bottom > 3 * h:
            continue
        if box.x > lab.box.right + 2 * h or box.right < lab.box.x - 2 * h:
            continue
        key = (box.y, abs(box.x - lab.box.x), index)
        if nearest is None or key < nearest:
            nearest = key
    if nearest is None or nearest[2] in label_lines:
        return None
    return lines[nearest[2]]


def _records(labels: list[_Label]) -> list[list[_Label]]:
    if not labels:
        return []
    fields_seen = [lab.field for lab in labels]
    if len(set(fields_seen)) == len(fields_seen):
        return [labels]
    records: list[list[_Label]] = []
    for column in _columns(labels):
        column.sort(key=lambda lab: (lab.box.y, lab.box.x))
        current: list[_Label] = []
        for lab in column:
            if any(other.field == lab.field for other in current):
                records.append(current)
                current = []
            current.append(lab)
        records.append(current)
    tolerance = statistics.median(lab.box.h for lab in labels)
    tops = sorted({min(lab.box.y for lab in rec) for rec in records})
    bands: dict[int, int] = {}
    band, band_top = -1, None
    for top in tops:
        if band_top is None or top - band_top > tolerance:
            band, band_top = band + 1, top
        bands[top] = band
    records.sort(
        key=lambda rec: (bands[min(lab.box.y for lab in rec)], min(lab.box.x for lab in rec))
    )
    return records


def _columns(labels: list[_Label]) -> list[list[_Label]]:
    """Labels whose label-plus-value spans overlap horizontally, transitively."""
    ordered = sorted(labels, key=lambda lab: lab.span[0])
    columns: list[list[_Label]] = []
    right = None
    for lab in ordered:
        left, lab_right = lab.span
        if right is None or left > right:
            columns.append([])
            right = lab_right
        columns[-1].append(lab)
        right = max(right, lab_right)
    return columns


def _text(words: tuple[Word, ...] | list[Word]) -> str:
    return " ".join(w.text for w in words)


def _strip_colon(text: str) -> str:
    return text.rstrip("".join(_COLONS)).strip()


def _box(words: tuple[Word, ...] | list[Word]) -> Box:
    box = words[0].box
    for word in words[1:]:
        box = box.union(word.box)
    return box
