"""Pointer-motion steps: scroll (fixed, until a quoted text shows, or brain-driven) and drag.

A fixed scroll that cannot move further (the screen did not change) still
succeeds: the step's output says it hit the end. ``drag`` takes points
``[x, y]`` or labels grounded by OCR for ``params.from`` / ``params.to``.
"""

from __future__ import annotations

import hashlib
from typing import Any

from mantis.brains.actions import Drag, Scroll
from mantis.gym.base import Screenshot
from mantis.plans import Step
from mantis.runner.context import StepContext, StepFailed, quoted_target
from mantis.runner.steps.base import Handler
from mantis.runner.steps.driven import brain_step


def fingerprint(shot: Screenshot, top: int = 0) -> str:
    """A hash of the pixels from row ``top`` down (below the browser toolbar), taken over
    the frame's raw bytes: only compare prints of frames from the same computer."""
    h = hashlib.blake2b(shot.pixel_format.encode(), digest_size=12)
    h.update(shot.rows_from(top))
    return h.hexdigest()


def page_print(ctx: StepContext, shot: Screenshot) -> str:
    return fingerprint(shot, ctx.region[1])


def _centre(ctx: StepContext) -> tuple[int, int]:
    x, y, w, h = ctx.region
    return x + w // 2, y + h // 2


async def _wheel(ctx: StepContext, direction: Any, amount: int) -> bool:
    """Scroll once; True when the screen changed."""
    before = page_print(ctx, await ctx.shot())
    x, y = _centre(ctx)
    await ctx.act(Scroll(direction=direction, amount=amount, x=x, y=y))
    return page_print(ctx, await ctx.shot()) != before


async def scroll(ctx: StepContext, step: Step) -> dict[str, Any]:
    direction = step.params.direction or "down"
    if step.params.amount is not None:
        moved = await _wheel(ctx, direction, max(1, step.params.amount))
        return {"direction": direction, "amount": step.params.amount, "at_end": not moved}
    target = step.params.text or quoted_target(step.intent)
    if target:  # offline "scroll until 'X' is visible": no brain needed
        for n in range(ctx.config.max_scroll_repeats + 1):
            shot = await ctx.shot()
            with ctx.meter.bucket("claude_verify"):
                found = await ctx.providers.verifier.text_visible(shot, target, region=ctx.region)
            if found is not None:
                return {"direction": direction, "scrolls": n, "found": target}
            if not await _wheel(ctx, direction, 5):
                break
        raise StepFailed(
            f"scrolled {direction} to the end without seeing {target!r}", "target_not_found"
        )
    if ctx.brain is None:
        # No brain and nothing to look for: a plain page-sized scroll.
        moved = await _wheel(ctx, direction, 5)
        return {"direction": direction, "amount": 5, "at_end": not moved}
    return {"brain": await brain_step(ctx, step, extra=f"Scroll {direction} until this is done.")}


def _point(value: Any) -> tuple[int, int] | None:
    if isinstance(value, list | tuple) and len(value) == 2:
        return int(value[0]), int(value[1])
    return None


async def _resolve(ctx: StepContext, value: Any, name: str) -> tuple[int, int]:
    point = _point(value)
    if point is not None:
        return point
    if isinstance(value, str) and value.strip():
        found = await ctx.ground(value.strip(), "text")
        return found.x, found.y
    raise StepFailed(f"drag needs params.{name}: a point [x, y] or a visible label", "bad_step")


async def drag(ctx: StepContext, step: Step) -> dict[str, Any]:
    if step.params.from_ is None and step.params.to is None:
        return {"brain": await brain_step(ctx, step)}
    x1, y1 = await _resolve(ctx, step.params.from_, "from")
    x2, y2 = await _resolve(ctx, step.params.to, "to")
    await ctx.act(Drag(x1=x1, y1=y1, x2=x2, y2=y2))
    return {"from": [x1, y1], "to": [x2, y2]}


HANDLERS: dict[str, Handler] = {"scroll": scroll, "drag": drag}
