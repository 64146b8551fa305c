"""``LocalGrounder``: find a described target on the screen with Tesseract OCR.

``role="text"`` / ``"button"``: the centre of the best-matching words (see
``matching`` for how phrases are compared and ranked; buttons prefer a
caption that is its own line). ``role="input"`` / ``"dropdown"``: the target
is the field's label, and the point returned is inside the control it names,
tried in this order:

1. an outlined box right below the label, or right of it on the same row;
2. the box the matched text sits in, when the text is a placeholder inside
   the control rather than a label beside it;
3. the label itself (clicking an HTML ``<label>`` focuses its control).

When nothing matches at 1x, the region is read again enlarged 2x (small text),
and None is returned only if that fails too.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import anyio

from mantis.brains.providers.base import Box, Grounding, Region, Role
from mantis.brains.providers.controls import box_around, box_near_label
from mantis.brains.providers.matching import THRESHOLD, Match, find_phrase
from mantis.brains.providers.ocr import OcrResult, Tesseract

if TYPE_CHECKING:
    from PIL import Image

    from mantis.gym.base import Screenshot

_PARTIAL_PENALTY: dict[Role, float] = {"text": 0.1, "button": 0.25, "input": 0.25, "dropdown": 0.25}
_CANDIDATES = 4  # matches tried for a control before settling for the best label


class LocalGrounder:
    """Grounds targets by OCR; ``threshold`` is the least similarity accepted."""

    def __init__(
        self,
        tesseract_path: str = "tesseract",
        *,
        ocr: Tesseract | None = None,
        threshold: float = THRESHOLD,
    ) -> None:
        self.ocr = ocr or Tesseract(tesseract_path)
        self.threshold = threshold

    async def locate(
        self,
        shot: Screenshot,
        target: str,
        *,
        role: Role = "text",
        region: Region | None = None,
    ) -> Grounding | None:
        for scale in (1, 2):
            ocr = await self.ocr.read(shot, region=region, scale=scale)
            matches = self._matches(ocr, target, role)
            if matches:
                break
        else:
            return None
        if role in ("input", "dropdown"):
            bounds = _bounds(shot.width, shot.height, region)
            return await anyio.to_thread.run_sync(_control, shot.image(), matches, bounds)
        return _grounding(matches[0], matches[0].box)

    def _matches(self, ocr: OcrResult, target: str, role: Role) -> list[Match]:
        return find_phrase(
            ocr.lines, target, threshold=self.threshold, partial_penalty=_PARTIAL_PENALTY[role]
        )


def _control(image: Image.Image, matches: list[Match], bounds: Box) -> Grounding:
    gray = image.convert("L")
    best = matches[0]
    for match in matches[:_CANDIDATES]:
        if match.score < best.score - 0.1:
            break
        # Text inside an input is its placeholder or value: that input, not the one below.
        box = box_around(gray, match.box, bounds) or box_near_label(gray, match.box, bounds)
        if box is not None:
            return _grounding(match, box)
    return _grounding(best, best.box)


def _grounding(match: Match, box: Box) -> Grounding:
    x, y = box.center
    return Grounding(x=x, y=y, box=box, text=match.text, score=round(match.score, 3))


def _bounds(width: int, height: int, region: Region | None) -> Box:
    if region is None:
        return Box(0, 0, width, height)
    return Box(*region)
