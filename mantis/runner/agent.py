"""The brain-driven loop: think → act → settle, within a budget of actions.

Used by steps whose target is not a label (a click described in words, a
scroll "until …", the legacy ``holo3`` step) and by task suites. Brain
mistakes are data: an inference without an action, an off-screen point or an
action the computer refused is a *failed attempt* that uses budget and is
reported, never an exception that ends the run.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import msgspec

from mantis.brains.actions import (
    Action,
    Click,
    Done,
    DoubleClick,
    Drag,
    Move,
    Navigate,
    RightClick,
    Scroll,
    ToolCall,
)
from mantis.errors import MantisError
from mantis.runner.context import StepContext, StepFailed
from mantis.runner.grounding import ground_action, groundable

DoneWhen = Callable[[], Awaitable[bool]]
PAUSE_TOOL = "request_user_input"


class BrainRun(msgspec.Struct, kw_only=True):
    """How a brain-driven stretch ended."""

    success: bool
    actions: int = 0
    thoughts: int = 0
    failed_attempts: list[str] = []
    answer: str | None = None
    reason: str = ""
    pause_prompt: str | None = None
    cost_usd: float = 0.0
    groundings: list[dict[str, Any]] = []
    """With grounding on: one record per grounded click point (see :mod:`mantis.runner.grounding`)."""


def _points(action: Action) -> list[tuple[int, int]]:
    match action:
        case Click(x=x, y=y) | DoubleClick(x=x, y=y) | RightClick(x=x, y=y) | Move(x=x, y=y):
            return [(x, y)]
        case Drag(x1=x1, y1=y1, x2=x2, y2=y2):
            return [(x1, y1), (x2, y2)]
        case Scroll(x=x, y=y) if x is not None and y is not None:
            return [(x, y)]
    return []


async def drive(
    ctx: StepContext,
    task: str,
    budget: int,
    *,
    done_when: DoneWhen | None = None,
    grounding: bool = False,
) -> BrainRun:
    """Let the brain act on ``task`` for at most ``budget`` thoughts.

    Stops when the brain answers ``done``, when ``done_when()`` holds after an
    action, when the brain asks the user (``request_user_input`` tool call), or
    when the budget is spent. With ``grounding``, each click-family action is
    refined by the grounder on the frame the brain saw before it is made
    (:func:`mantis.runner.grounding.ground_action`).
    """
    brain = ctx.brain
    if brain is None:
        raise StepFailed(
            "this step needs a vision-language brain but the run has none; set cua_model "
            "to a ready brain (see `mantis doctor`) or give the step params.label",
            "needs_brain",
        )
    width, height = ctx.screen
    history: list[Action] = []
    run = BrainRun(success=False)
    while run.thoughts < budget:
        run.thoughts += 1
        shot = await ctx.shot()
        with ctx.meter.bucket("think"):
            try:
                inf = await brain.think(
                    [shot], task, history[-ctx.config.brain_history :], ctx.screen
                )
            except MantisError as exc:  # an unreachable model is one failed attempt
                run.failed_attempts.append(f"brain error: {exc.message}")
                continue
        run.cost_usd += ctx.costs.charge_inference(brain.name, inf)
        action = inf.action
        if action is None:
            run.failed_attempts.append(f"no action: {inf.error or 'unparseable output'}")
            continue
        if isinstance(action, Done):
            run.success, run.answer = action.success, action.answer
            run.reason = "the brain said done" + ("" if action.success else " (unsuccessful)")
            return run
        if isinstance(action, ToolCall) and action.name == PAUSE_TOOL:
            prompt = str(action.arguments.get("prompt") or action.arguments.get("question") or "")
            run.success, run.pause_prompt = True, prompt or "The brain needs your input."
            run.reason = "the brain asked the user"
            return run
        off = [p for p in _points(action) if not (0 <= p[0] < width and 0 <= p[1] < height)]
        if off:
            run.failed_attempts.append(f"off-screen point {off[0]} on a {width}x{height} screen")
            continue
        if grounding and groundable(action):
            action, records = await ground_action(ctx, shot, action, task)
            run.groundings.extend(records)
        if isinstance(action, Navigate):
            await ctx.navigate(action.url)
        else:
            with ctx.meter.bucket("act"):
                res = await ctx.computer.act(action)
            if not res.ok:
                run.failed_attempts.append(f"{action.__struct_config__.tag}: {res.detail}")
                continue
            await ctx.settle()
        history.append(action)
        run.actions += 1
        if done_when is not None and await done_when():
            run.success, run.reason = True, "the step's condition holds"
            return run
    run.reason = f"budget of {budget} brain actions used up"
    if done_when is not None and await done_when():
        run.success, run.reason = True, "the step's condition holds"
    return run
