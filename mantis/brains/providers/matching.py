"""Fuzzy matching of a phrase against OCR lines.

Text is compared in two forms: ``normalize`` (case-folded, punctuation turned to
spaces) and ``canonical`` (also folding the confusions OCR makes: ``l/1/i/I/|``,
``0/o``, ``5/s``, ``rn/m``, ``vv/w``). Similarity is 1.0 for equal normal forms,
0.97 for equal canonical forms, otherwise ``difflib``'s ratio of the canonical
forms without spaces (so ``Signin`` still matches ``Sign in``), capped at 0.95.

``THRESHOLD`` (0.8) is the least similarity that counts as a match: one wrong
letter in a six-letter word (0.83) passes, two (0.67) do not. Targets of three
characters or fewer must match canonically, since a ratio says little there.

A phrase is looked for in windows of consecutive words on one line, so a
multi-word target can match across words and a short target can match inside
a longer line. Matches rank by similarity, discounted when they cover only part
of their line, then by text height (prominence), then top to bottom, left to
right.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Iterable

import msgspec

from mantis.brains.providers.base import Box
from mantis.brains.providers.ocr import Line, Word

THRESHOLD = 0.8

_PUNCT = re.compile(r"[^\w$@%&+#]+|_")
_CONFUSIONS = (("rn", "m"), ("vv", "w"), ("|", "l"), ("1", "l"), ("i", "l"), ("0", "o"), ("5", "s"))


class Match(msgspec.Struct, frozen=True):
    """Consecutive words of one line that match a phrase."""

    words: tuple[Word, ...]
    line: Line
    score: float  # similarity in [0, 1]
    coverage: float  # share of the line's text the match covers, in (0, 1]

    @property
    def text(self) -> str:
        return " ".join(w.text for w in self.words)

    @property
    def box(self) -> Box:
        box = self.words[0].box
        for word in self.words[1:]:
            box = box.union(word.box)
        return box

    @property
    def height(self) -> int:
        return max(w.height for w in self.words)


def normalize(text: str) -> str:
    """Case-folded, compatibility-normalised text with punctuation as single spaces."""
    text = unicodedata.normalize("NFKC", text).casefold()
    return " ".join(_PUNCT.sub(" ", text).split())


def canonical(text: str) -> str:
    """``normalize`` with OCR look-alikes folded together."""
    text = normalize(text)
    for wrong, right in _CONFUSIONS:
        text = text.replace(wrong, right)
    return text


def similarity(a: str, b: str) -> float:
    na, nb = normalize(a), normalize(b)
    if not na or not nb:
        return 0.0
    if na == nb:
        return 1.0
    ca, cb = canonical(a).replace(" ", ""), canonical(b).replace(" ", "")
    if ca == cb:
        return 0.97
    if min(len(ca), len(cb)) <= 3:
        return 0.0
    return min(0.95, difflib.SequenceMatcher(None, ca, cb, autojunk=False).ratio())


def find_phrase(
    lines: Iterable[Line],
    target: str,
    *,
    threshold: float = THRESHOLD,
    partial_penalty: float = 0.1,
) -> list[Match]:
    """Every line's best window matching ``target`` at ``threshold`` or better, best first.

    ``partial_penalty`` is how much a match covering a sliver of its line loses
    against one that is the whole line (a button's caption is a whole line; the
    same words inside a heading are not).
    """
    wanted = normalize(target)
    if not wanted:
        return []
    n = len(wanted.split())
    found: list[Match] = []
    for line in lines:
        words = [w for w in line.words if normalize(w.text)]
        line_len = max(1, len(normalize(line.text)))
        best: Match | None = None
        for size in range(max(1, n - 2), n + 3):
            for start in range(len(words) - size + 1):
                window = tuple(words[start : start + size])
                text = " ".join(w.text for w in window)
                score = similarity(text, target)
                if score < threshold or (best is not None and score <= best.score):
                    continue
                coverage = min(1.0, len(normalize(text)) / line_len)
                best = Match(words=window, line=line, score=score, coverage=coverage)
        if best is not None:
            found.append(best)
    found.sort(key=lambda m: _rank(m, partial_penalty))
    return found


def _rank(m: Match, partial_penalty: float) -> tuple[float, int, int, int]:
    weighted = m.score * (1.0 - partial_penalty * (1.0 - m.coverage))
    box = m.box
    return (-round(weighted, 3), -m.height, box.y, box.x)


def contains_text(lines: Iterable[Line], target: str) -> bool:
    """Whether ``target`` occurs, canonically, in the screen's text read in line order
    (catches phrases that wrap onto a second line)."""
    wanted = canonical(target).replace(" ", "")
    text = canonical(" ".join(line.text for line in lines)).replace(" ", "")
    return bool(wanted) and wanted in text
