"""Click grounding: refine the point of a brain's click with the grounder before it is made.

A vision-language brain knows *what* it wants to click far better than it knows
the exact pixel. When grounding is on (a step's ``grounding: true``, a task
suite's ``grounding`` / ``/v1/cua``'s ``ground_clicks``), each click-family
action the brain proposes (``click``, ``double_click``, ``right_click``, and
both ends of a ``drag``) is handed to the grounder before it is made:

* **What to look for.** A grounder that reads descriptions (Claude, marked by
  ``free_text = True``) gets the action's ``reasoning`` in full, else the task.
  The OCR grounder needs the words on the target: the first quoted phrase of
  the reasoning, else of the task. A ``drag`` is grounded only when its
  reasoning quotes two phrases (from, to). With nothing to look for, the
  brain's point is kept.
* **Where.** First a window of ``WINDOW`` pixels centred on the brain's point,
  clipped to the screen; if the target is not there, the page's content region.
* **The result.** A found target moves the point onto it; a miss keeps the
  brain's point. Either way the outcome is recorded (original and refined
  point, distance, target, where it was found) and a ``click_grounded`` event
  is emitted. The grounder's time goes to the ``claude_ground`` bucket.
"""

from __future__ import annotations

import math
import re
from typing import TYPE_CHECKING, Any

import msgspec

from mantis.brains.actions import Action, Click, DoubleClick, Drag, RightClick
from mantis.brains.providers.base import Grounding, Region, Role

if TYPE_CHECKING:
    from mantis.gym.base import Screenshot
    from mantis.runner.context import StepContext

WINDOW = (400, 300)
"""Width and height of the first search window around the brain's point."""

_QUOTED = re.compile(r"[\"“”‘’]([^\"“”‘’]{1,120})[\"“”‘’]|(?<!\w)'([^']{1,120})'(?!\w)")
_ROLE_WORDS: list[tuple[Role, tuple[str, ...]]] = [
    ("dropdown", ("dropdown", "drop-down", "select box", "combo box", "combobox")),
    ("input", ("input", "text field", "text box", "textbox", "search box", "field")),
    ("button", ("button",)),
]


def quoted_phrases(text: str) -> list[str]:
    """Every quoted phrase of ``text`` (straight or curly double quotes, single quotes
    that are not apostrophes), in order, stripped, empty ones dropped."""
    out: list[str] = []
    for m in _QUOTED.finditer(text or ""):
        phrase = (m.group(1) or m.group(2) or "").strip()
        if phrase:
            out.append(phrase)
    return out


def role_of(text: str) -> Role:
    """The role a description names (``the "Plan" dropdown`` → dropdown); ``text`` otherwise."""
    low = (text or "").casefold()
    for role, words in _ROLE_WORDS:
        if any(re.search(rf"\b{re.escape(w)}\b", low) for w in words):
            return role
    return "text"


def window_around(x: int, y: int, screen: tuple[int, int], size: tuple[int, int]) -> Region:
    """A ``size`` window centred on (x, y), shifted to stay on the screen (and cut to fit it)."""
    sw, sh = screen
    w, h = min(size[0], sw), min(size[1], sh)
    left = max(0, min(x - w // 2, sw - w))
    top = max(0, min(y - h // 2, sh - h))
    return (left, top, w, h)


def _free_text(grounder: Any) -> bool:
    return bool(getattr(grounder, "free_text", False))


def targets_for(action: Action, task: str, *, free_text: bool) -> list[str | None]:
    """What to look for, one entry per point of ``action`` (None: nothing to look for)."""
    reasoning = " ".join((action.reasoning or "").split())
    quoted = quoted_phrases(reasoning)
    if isinstance(action, Drag):
        if len(quoted) >= 2:
            return [quoted[0], quoted[1]]
        return [None, None]
    if free_text:
        return [reasoning or " ".join(task.split()) or None]
    quoted = quoted or quoted_phrases(task)
    return [quoted[0] if quoted else None]


def _points(action: Action) -> list[tuple[int, int]]:
    if isinstance(action, Click | DoubleClick | RightClick):
        return [(action.x, action.y)]
    if isinstance(action, Drag):
        return [(action.x1, action.y1), (action.x2, action.y2)]
    return []


def groundable(action: Action) -> bool:
    return isinstance(action, Click | DoubleClick | RightClick | Drag)


def _moved(action: Action, points: list[tuple[int, int]]) -> Action:
    if isinstance(action, Drag):
        (x1, y1), (x2, y2) = points
        return msgspec.structs.replace(action, x1=x1, y1=y1, x2=x2, y2=y2)
    (x, y) = points[0]
    return msgspec.structs.replace(action, x=x, y=y)  # type: ignore[type-var]


async def _locate(
    ctx: StepContext, shot: Screenshot, target: str, role: Role, point: tuple[int, int]
) -> tuple[Grounding | None, str]:
    """Look in the window around ``point``, then in the content region."""
    grounder = ctx.providers.grounder
    window = window_around(point[0], point[1], ctx.screen, WINDOW)
    tries: list[tuple[str, Region]] = [("window", window)]
    if ctx.region != window:
        tries.append(("content", ctx.region))
    width, height = ctx.screen
    for where, region in tries:
        with ctx.meter.bucket("claude_ground"):
            found = await grounder.locate(shot, target, role=role, region=region)
        if found is not None and 0 <= found.x < width and 0 <= found.y < height:
            return found, where
    return None, "none"


async def ground_action(
    ctx: StepContext, shot: Screenshot, action: Action, task: str
) -> tuple[Action, list[dict[str, Any]]]:
    """``action`` with its points moved onto what the grounder finds, and one record a point.

    Actions that are not click-family come back unchanged with no records.
    """
    if not groundable(action):
        return action, []
    targets = targets_for(action, task, free_text=_free_text(ctx.providers.grounder))
    role = role_of(action.reasoning or task)
    points = _points(action)
    refined: list[tuple[int, int]] = []
    records: list[dict[str, Any]] = []
    for which, (point, target) in enumerate(zip(points, targets, strict=True)):
        record: dict[str, Any] = {
            "action": action.__struct_config__.tag,
            "from": list(point),
            "to": list(point),
            "distance": 0.0,
            "target": target,
            "role": role,
            "grounded": False,
        }
        if isinstance(action, Drag):
            record["end"] = "from" if which == 0 else "to"
        if target is None:
            record["reason"] = "no target description (no quoted phrase in the reasoning)"
        else:
            found, where = await _locate(ctx, shot, target, role, point)
            if found is None:
                record["reason"] = f"the grounder did not find {target!r}; kept the brain's point"
            else:
                new = (found.x, found.y)
                record.update(
                    to=list(new),
                    distance=round(math.dist(point, new), 1),
                    grounded=True,
                    found_in=where,
                    text=found.text,
                    score=found.score,
                )
                point = new
        refined.append(point)
        records.append(record)
        await ctx.emit("click_grounded", record)
    return _moved(action, refined), records


__all__ = [
    "WINDOW",
    "ground_action",
    "groundable",
    "quoted_phrases",
    "role_of",
    "targets_for",
    "window_around",
]
