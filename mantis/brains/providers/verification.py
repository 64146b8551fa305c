"""``LocalVerifier``: check text conditions on the screen with Tesseract OCR.

A condition names text in quotes — ``"..."``, ``'...'``, ``“...”`` or ``‘...’``
— and holds when every quoted text is on screen. When the words outside the
quotes say it should be gone (``not``, ``no``, ``no longer``, ``absent``,
``disappeared``, ``hidden``, ``gone``, ``without``), it holds when none is.
A condition without quotes is taken whole as the phrase to find, after
dropping a trailing "is visible" / "appears" / "is shown" and the negation
words, and the reason says so.

Text counts as on screen when ``matching.find_phrase`` finds it on one line
(fuzzily, see there) or, for text that wraps, when it occurs in the screen's
text read line by line.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from mantis.brains.providers.base import Grounding, Region
from mantis.brains.providers.matching import THRESHOLD, contains_text, find_phrase
from mantis.brains.providers.ocr import Tesseract

if TYPE_CHECKING:
    from mantis.gym.base import Screenshot

_QUOTED = re.compile(r'"([^"]+)"|“([^”]+)”|‘([^’]+)’|(?<!\w)\'([^\']+)\'(?!\w)')
_NEGATION = re.compile(
    r"\b(?:not|no longer|no|absent|disappear(?:s|ed)?|hidden|gone|without|isn't|doesn't|aren't)\b",
    re.IGNORECASE,
)
_FILLER = re.compile(
    r"(?:\s+(?:is|are|does|do|has|have))?\s+(?:visible|shown|displayed|present|appears?|shows?"
    r"|on (?:the )?(?:screen|page))\s*$"
    r"|^\s*(?:the )?(?:page|screen)\s+(?:shows?|displays?|contains?|says)\s+",
    re.IGNORECASE,
)


class LocalVerifier:
    """Verifies text conditions by OCR; ``threshold`` is the least similarity accepted."""

    def __init__(
        self,
        tesseract_path: str = "tesseract",
        *,
        ocr: Tesseract | None = None,
        threshold: float = THRESHOLD,
    ) -> None:
        self.ocr = ocr or Tesseract(tesseract_path)
        self.threshold = threshold

    async def check(
        self, shot: Screenshot, condition: str, *, region: Region | None = None
    ) -> tuple[bool, str]:
        quoted = [next(g for g in m.groups() if g) for m in _QUOTED.finditer(condition)]
        outside = _QUOTED.sub(" ", condition)
        absent = bool(_NEGATION.search(outside))
        note = ""
        if not quoted:
            phrase = " ".join(_FILLER.sub(" ", _NEGATION.sub(" ", condition)).split())
            if not phrase:
                return (False, f"no text to look for in the condition {condition!r}")
            quoted = [phrase]
            note = "no quoted text, looked for the whole condition: "
        reasons: list[str] = []
        for text in quoted:
            found, where = await self._locate(shot, text, region)
            if absent and found:
                return (False, f'{note}"{text}" is still on screen{_at(where)}')
            if not absent and not found:
                return (False, f'{note}"{text}" not on screen')
            reasons.append(f'"{text}" not on screen' if absent else f'found "{text}"{_at(where)}')
        return (True, note + "; ".join(reasons))

    async def text_visible(
        self, shot: Screenshot, text: str, *, region: Region | None = None
    ) -> Grounding | None:
        """Where ``text`` is on screen, or None (for ``detect_visible``)."""
        _, where = await self._locate(shot, text, region)
        return where

    async def _locate(
        self, shot: Screenshot, text: str, region: Region | None
    ) -> tuple[bool, Grounding | None]:
        """Whether ``text`` is on screen and, when it is on one line, where.
        Small text gets a second look at 2x."""
        for scale in (1, 2):
            ocr = await self.ocr.read(shot, region=region, scale=scale)
            matches = find_phrase(ocr.lines, text, threshold=self.threshold)
            if matches:
                m = matches[0]
                x, y = m.box.center
                return (True, Grounding(x=x, y=y, box=m.box, text=m.text, score=round(m.score, 3)))
            if contains_text(ocr.lines, text):
                return (True, None)
        return (False, None)


def _at(where: Grounding | None) -> str:
    return f" at ({where.x}, {where.y})" if where is not None else ""
