"""The provider seams: grounding, verification and extraction, plus the data they share.

A provider does one narrow perception job on a screenshot. Every coordinate,
box and region is in screen pixels of the screenshot it was given. Both the
local (OCR) providers and model-backed ones implement these protocols, so the
runner never knows which it holds.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal, Protocol

import msgspec

if TYPE_CHECKING:
    from mantis.gym.base import Screenshot

Role = Literal["text", "button", "input", "dropdown"]
FieldType = Literal["str", "int", "float", "bool"]
Region = tuple[int, int, int, int]  # x, y, width, height in screen pixels


class Box(msgspec.Struct, frozen=True):
    """An axis-aligned rectangle: left, top, width, height."""

    x: int
    y: int
    w: int
    h: int

    @property
    def right(self) -> int:
        return self.x + self.w

    @property
    def bottom(self) -> int:
        return self.y + self.h

    @property
    def center(self) -> tuple[int, int]:
        return (self.x + self.w // 2, self.y + self.h // 2)

    def contains(self, x: int, y: int) -> bool:
        return self.x <= x < self.right and self.y <= y < self.bottom

    def union(self, other: Box) -> Box:
        left, top = min(self.x, other.x), min(self.y, other.y)
        right, bottom = max(self.right, other.right), max(self.bottom, other.bottom)
        return Box(left, top, right - left, bottom - top)


class Grounding(msgspec.Struct, frozen=True, kw_only=True):
    """Where a described target is: the point to act on, the box it lies in,
    the text that matched, and a similarity score in [0, 1]."""

    x: int
    y: int
    box: Box
    text: str
    score: float


class FieldSpec(msgspec.Struct, frozen=True, kw_only=True):
    """One field of an extraction schema."""

    name: str
    type: FieldType = "str"
    required: bool = False
    example: Any = None


class Grounder(Protocol):
    async def locate(
        self, shot: Screenshot, target: str, *, role: Role = "text", region: Region | None = None
    ) -> Grounding | None:
        """The point to act on for ``target``, or None when nothing matches well enough."""
        ...


class Verifier(Protocol):
    async def check(
        self, shot: Screenshot, condition: str, *, region: Region | None = None
    ) -> tuple[bool, str]:
        """Whether ``condition`` holds on the screen, and a one-line human reason."""
        ...

    async def text_visible(
        self, shot: Screenshot, text: str, *, region: Region | None = None
    ) -> Grounding | None:
        """Where ``text`` is on the screen, or None when it is not visible."""
        ...


class Extractor(Protocol):
    async def extract(
        self,
        shot: Screenshot,
        fields: list[FieldSpec],
        *,
        max_items: int = 1,
        region: Region | None = None,
    ) -> list[dict[str, Any]]:
        """Up to ``max_items`` rows, each with every field of ``fields`` in order."""
        ...
