"""A parsed but not yet mapped action: the common output of every model parser.

Parsers turn model text into a ``Draft`` whose points are still in the model's
coordinate space; ``realize`` maps the points to the screen and builds the real
``Action``. A model mistake at either stage is a ``ParseFailure``, which a brain
turns into an ``Inference`` with no action: never an exception to the runner.
"""

from __future__ import annotations

from typing import Any

import msgspec

from mantis.brains.actions import Action
from mantis.brains.geometry import ModelSpace

Point = tuple[float, float]

# Which action fields the draft's points fill, by action kind.
_POINT_FIELDS: dict[str, tuple[tuple[str, str], ...]] = {
    "click": (("x", "y"),),
    "double_click": (("x", "y"),),
    "right_click": (("x", "y"),),
    "move": (("x", "y"),),
    "scroll": (("x", "y"),),
    "drag": (("x1", "y1"), ("x2", "y2")),
}
_NEEDS_POINT = {"click", "double_click", "right_click", "move", "drag"}

_action_type: Any = Action


class ParseFailure(Exception):
    """The model's answer holds no usable action; ``str(exc)`` says why."""


class Draft(msgspec.Struct, kw_only=True):
    kind: str
    points: list[Point] = []
    args: dict[str, Any] = {}
    reasoning: str = ""


def realize(draft: Draft, space: ModelSpace) -> Action:
    """The screen-space action for ``draft``; raises ``ParseFailure`` on a model mistake."""
    fields: dict[str, Any] = {"kind": draft.kind, **draft.args}
    if draft.reasoning:
        fields["reasoning"] = draft.reasoning
    slots = _POINT_FIELDS.get(draft.kind, ())
    if draft.kind in _NEEDS_POINT and len(draft.points) < len(slots):
        raise ParseFailure(f"{draft.kind}: expected {len(slots)} point(s), got {len(draft.points)}")
    for (fx, fy), (mx, my) in zip(slots, draft.points, strict=False):
        point = space.to_screen(mx, my)
        if point is None:
            raise ParseFailure(
                f"{draft.kind}: point ({mx:g}, {my:g}) is outside the "
                f"{space.units} space of a {space.image[0]}x{space.image[1]} image"
            )
        fields[fx], fields[fy] = point
    try:
        action: Action = msgspec.convert(fields, _action_type, strict=False)
    except msgspec.ValidationError as exc:
        raise ParseFailure(f"{draft.kind}: {exc}") from None
    return action


def number(value: Any) -> float:
    """A coordinate from model output: a number or a numeric string."""
    if isinstance(value, bool):
        raise ParseFailure(f"expected a number, got {value!r}")
    try:
        return float(value)
    except (TypeError, ValueError):
        raise ParseFailure(f"expected a number, got {value!r}") from None


def point(value: Any) -> Point:
    """A point from ``[x, y]``, ``(x, y)`` or ``"x,y"``."""
    if isinstance(value, str):
        value = value.strip("()[] ").split(",")
    if not isinstance(value, (list, tuple)) or len(value) < 2:
        raise ParseFailure(f"expected a point [x, y], got {value!r}")
    return number(value[0]), number(value[1])
