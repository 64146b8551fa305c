"""The mutable state of one stretch of a run, and the records built from it.

A :class:`Walk` lives from ``run`` / ``resume`` until the plan ends, halts or
pauses. The functions here turn it into what outlives it: a checkpoint after
every step, the pause state a later ``resume`` needs, and the final outcome.
"""

from __future__ import annotations

from typing import Any

from mantis.errors import MantisError
from mantis.plans import MicroPlan
from mantis.runner.checkpoints import Checkpoint
from mantis.runner.context import StepContext
from mantis.runner.guards import RunGuards
from mantis.runner.results import (
    HaltInfo,
    PauseState,
    RunOutcome,
    RunStatus,
    RunSummary,
    StepResult,
    viable_count,
)


class Walk:
    """What changes while steps run: results, loop counters, and the step context."""

    def __init__(self, ctx: StepContext, plan: MicroPlan, signature: str, guards: RunGuards):
        self.ctx = ctx
        self.plan = plan
        self.signature = signature
        self.guards = guards
        self.results: list[StepResult] = []
        self.loop_counts: dict[int, int] = {}
        self.workflow_id: str | None = None

    def restore(
        self,
        vars: dict[str, Any],
        rows: list[dict[str, Any]],
        fields: list[str],
        required: list[str],
        loops: dict[str, int],
    ) -> None:
        """Put saved state (a checkpoint's or a pause's) back into this walk."""
        ctx = self.ctx
        ctx.vars, ctx.rows = dict(vars), list(rows)
        ctx.fields, ctx.required_fields = list(fields), list(required)
        self.loop_counts = {int(k): v for k, v in loops.items()}

    def saved_loops(self) -> dict[str, int]:
        return {str(k): v for k, v in self.loop_counts.items()}


async def final_url(ctx: StepContext) -> str | None:
    """The browser's URL, or None (with a warning event) when it cannot be read."""
    try:
        return await ctx.computer.current_url()
    except MantisError as exc:  # the URL is informative; missing it must not fail the run
        await ctx.emit("warning", {"message": f"could not read the current URL: {exc}"})
        return None


def checkpoint_of(walk: Walk, next_index: int) -> Checkpoint:
    assert walk.workflow_id is not None
    ctx = walk.ctx
    return Checkpoint(
        workflow_id=walk.workflow_id,
        signature=walk.signature,
        step_index=next_index,
        loop_counts=walk.saved_loops(),
        vars=ctx.vars,
        rows=ctx.rows,
        fields=ctx.fields,
        required_fields=ctx.required_fields,
        steps=walk.results,
        wall_time_breakdown=ctx.meter.snapshot(),
        cost_breakdown=ctx.costs.snapshot(),
    )


async def browser_state(ctx: StepContext) -> dict[str, Any]:
    """Where the browser stands at a pause: its URL and, when the computer reports it,
    the page's vertical scroll offset (``Screenshot.scroll_y``).

    Form contents are not captured: that needs a computer offering CDP (DOM
    access), which the ``Computer`` protocol does not promise yet.
    """
    state: dict[str, Any] = {"url": await final_url(ctx)}
    try:
        shot = await ctx.computer.screenshot()
    except MantisError:
        return state
    if shot.scroll_y is not None:
        state["scroll_y"] = shot.scroll_y
    return state


async def pause_state(walk: Walk, idx: int, prompt: str) -> PauseState:
    ctx = walk.ctx
    ctx.meter.stop()
    state = PauseState(
        step_index=idx + 1,
        signature=walk.signature,
        prompt=prompt,
        reason="user_input",
        steps=walk.results,
        vars={k: v for k, v in ctx.vars.items() if k != "user_input"},
        rows=ctx.rows,
        fields=ctx.fields,
        required_fields=ctx.required_fields,
        loop_counts=walk.saved_loops(),
        browser_state=await browser_state(ctx),
        wall_time_breakdown=ctx.meter.snapshot(),
        cost_breakdown=ctx.costs.snapshot(),
    )
    await ctx.emit("paused", {"index": idx, "prompt": prompt})
    return state


async def outcome(walk: Walk, halt: HaltInfo | None, pause: PauseState | None) -> RunOutcome:
    ctx, results = walk.ctx, walk.results
    url = pause.browser_state.get("url") if pause else await final_url(ctx)
    costs = ctx.costs.snapshot()
    summary = RunSummary(
        total_time_s=round(ctx.meter.elapsed(), 4),
        steps_executed=sum(1 for r in results if not r.skipped),
        steps_failed=sum(1 for r in results if not r.success and not r.skipped),
        rows=len(ctx.rows),
        viable=viable_count(ctx.rows, ctx.required_fields),
        cost_total=round(sum(costs.values()), 6),
        cost_breakdown=costs,
        wall_time_breakdown=ctx.meter.snapshot(),
    )
    if halt is not None:
        await ctx.emit("halted", {"class": halt.cls, "message": halt.message})
    status: RunStatus = "paused" if pause else ("failed" if halt else "succeeded")
    return RunOutcome(
        status=status,
        steps=results,
        rows=ctx.rows,
        fields=ctx.fields,
        summary=summary,
        halt=halt,
        final_url=url,
        pause=pause,
    )


async def restore_scroll(ctx: StepContext, target: int, *, tolerance: int = 40) -> bool:
    """Scroll until the page's ``scroll_y`` is within ``tolerance`` px of ``target``.

    Wheel moves are in clicks whose pixel size the runner does not know, so it
    re-reads ``scroll_y`` after each move and stops when close, when a move made
    no progress, or after ``RunnerConfig.max_scroll_repeats`` moves. False when the
    computer does not report ``scroll_y`` or the target was not reached.
    """
    from mantis.brains.actions import Scroll

    for _ in range(ctx.config.max_scroll_repeats):
        current = (await ctx.shot()).scroll_y
        if current is None:
            return False
        gap = target - current
        if abs(gap) <= tolerance:
            return True
        await ctx.act(Scroll(direction="down" if gap > 0 else "up", amount=3))
        after = (await ctx.shot()).scroll_y
        if after is None or after == current:
            return False
    current = (await ctx.shot()).scroll_y
    return current is not None and abs(target - current) <= tolerance
