"""``ClaudeGrounder``: find a described target by showing Claude the region and asking for a point.

Crop and point: the region (the whole screen when none is given) is cropped,
scaled to fit Claude's image limit, and sent with the description; Claude
answers through the ``point_at`` tool with a point and a box in that image's
pixels, which are mapped back to screen pixels. When the crop had to be shrunk
a lot (a large screen), a second call looks at a full-resolution window around
the first point so the final point is pixel-accurate.

Answers are cached, LRU, keyed by a perceptual hash of the region's pixels
(a 256-bit difference hash, so a blinking caret or re-rendered anti-aliasing
does not miss), the region itself, the role and the description. Misses
(``None``) are not cached: a page still loading should be asked again.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import TYPE_CHECKING, Any

import anyio

from mantis.brains.providers.base import Box, Grounding, Region, Role
from mantis.brains.providers.claude_common import ClaudeTool, Crop, clamp_region, crop, image_block

if TYPE_CHECKING:
    from PIL import Image

    from mantis.gym.base import Screenshot

SYSTEM = (
    "You locate user-interface elements in screenshots of a web browser. You are shown "
    "an image and a description of one element. Answer only through the point_at tool: "
    "the pixel point to click on the element (its centre for buttons and links, inside "
    "the editable area for inputs and dropdowns), its bounding box, and the visible text "
    "you matched. Coordinates are pixels of the image you were shown, origin top-left. "
    "If no element fits the description, set found to false; never guess."
)

POINT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "found": {"type": "boolean", "description": "Whether the element is in the image."},
        "x": {"type": "integer", "description": "Point to act on: x in image pixels."},
        "y": {"type": "integer", "description": "Point to act on: y in image pixels."},
        "box": {
            "type": "array",
            "items": {"type": "integer"},
            "minItems": 4,
            "maxItems": 4,
            "description": "The element's bounding box [left, top, width, height] in image pixels.",
        },
        "text": {"type": "string", "description": "The element's visible text, if any."},
        "confidence": {"type": "number", "minimum": 0, "maximum": 1},
    },
    "required": ["found"],
}

_ROLE_WORDS: dict[Role, str] = {
    "text": "the text or link",
    "button": "the button",
    "input": "the text input field (point inside the field, not at its label)",
    "dropdown": "the dropdown / select control (point at the control, not its label)",
}
_REFINE_BELOW = 0.75  # refine when the first image was scaled below this
_WINDOW = (480, 320)  # full-resolution window around the first answer


def perceptual_hash(image: Image.Image, size: int = 16) -> int:
    """A ``size * size``-bit difference hash: each bit says whether a pixel is brighter
    than its right neighbour in a ``(size + 1) x size`` grey thumbnail."""
    from PIL import Image

    thumb = image.convert("L").resize((size + 1, size), Image.Resampling.BILINEAR)
    px = thumb.tobytes()
    bits = 0
    for row in range(size):
        base = row * (size + 1)
        for col in range(size):
            bits = (bits << 1) | (px[base + col] > px[base + col + 1])
    return bits


def _region_hash(shot: Screenshot, region: Region) -> int:
    x, y, w, h = region
    return perceptual_hash(shot.image().crop((x, y, x + w, y + h)))


class ClaudeGrounder(ClaudeTool):
    bucket = "claude_ground"
    free_text = True
    """Understands any description (not only visible words): click grounding passes it
    the brain's whole reasoning rather than a quoted phrase."""

    def __init__(self, client: Any, *, model: str, cache_size: int = 256, **kw: Any) -> None:
        super().__init__(client, model=model, **kw)
        self.cache_size = cache_size
        self._cache: OrderedDict[tuple[int, Region, str, str], Grounding] = OrderedDict()
        self.cache_hits = 0

    async def locate(
        self, shot: Screenshot, target: str, *, role: Role = "text", region: Region | None = None
    ) -> Grounding | None:
        bounds = clamp_region(shot, region)
        digest = await anyio.to_thread.run_sync(_region_hash, shot, bounds)
        key = (digest, bounds, role, " ".join(target.split()).casefold())
        if (hit := self._cache.get(key)) is not None:
            self._cache.move_to_end(key)
            self.cache_hits += 1
            return hit
        found = await self._point(shot, bounds, target, role)
        if found is not None:
            self._cache[key] = found
            while len(self._cache) > self.cache_size:
                self._cache.popitem(last=False)
        return found

    async def _point(
        self, shot: Screenshot, bounds: Region, target: str, role: Role
    ) -> Grounding | None:
        first_crop = await crop(shot, bounds)
        first = await self._ask(first_crop, target, role)
        if first is None or first_crop.scale >= _REFINE_BELOW:
            return first
        x, y, _, _ = bounds
        ww, wh = _WINDOW
        window = (first.x - ww // 2, first.y - wh // 2, ww, wh)
        left = max(bounds[0], min(window[0], x + bounds[2] - ww))
        top = max(bounds[1], min(window[1], y + bounds[3] - wh))
        refined = await self._ask(await crop(shot, (left, top, ww, wh)), target, role)
        return refined or first

    async def _ask(self, image: Crop, target: str, role: Role) -> Grounding | None:
        prompt = (
            f"Find {_ROLE_WORDS[role]} described as: {target!r}. "
            f"The image is {image.size[0]}x{image.size[1]} pixels."
        )
        answer, _, _ = await self.ask(
            system=SYSTEM,
            messages=[
                {
                    "role": "user",
                    "content": [image_block(image.png), {"type": "text", "text": prompt}],
                }
            ],
            tool="point_at",
            description="Report where the described element is in the image.",
            schema=POINT_SCHEMA,
        )
        return _grounding(answer, image)


def _grounding(answer: dict[str, Any] | None, image: Crop) -> Grounding | None:
    if not answer or not answer.get("found"):
        return None
    w, h = image.size
    try:
        px, py = float(answer["x"]), float(answer["y"])
    except (KeyError, TypeError, ValueError):
        return None
    if not (0 <= px < w and 0 <= py < h):
        return None  # a point off the image is a wrong answer, not a place to click
    x, y = image.to_screen(px, py)
    box = Box(x, y, 1, 1)
    raw = answer.get("box")
    if isinstance(raw, list) and len(raw) == 4 and all(isinstance(v, (int, float)) for v in raw):
        left, top = image.to_screen(raw[0], raw[1])
        right, bottom = image.to_screen(raw[0] + raw[2], raw[1] + raw[3])
        candidate = Box(left, top, max(1, right - left), max(1, bottom - top))
        box = candidate if candidate.contains(x, y) else box.union(candidate)
    score = answer.get("confidence", 1.0)
    score = float(score) if isinstance(score, (int, float)) else 1.0
    return Grounding(
        x=x, y=y, box=box, text=str(answer.get("text") or ""), score=max(0.0, min(1.0, score))
    )
