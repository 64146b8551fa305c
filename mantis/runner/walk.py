"""The mutable state of one stretch of a run, and the records built from it.

A :class:`Walk` lives from ``run`` / ``resume`` until the plan ends, halts or
pauses. The functions here turn it into what outlives it: a checkpoint after
every step, the pause state a later ``resume`` needs, and the final outcome.
"""

from __future__ import annotations

from typing import Any

from mantis.plans import MicroPlan
from mantis.runner import browserstate
from mantis.runner.browserstate import final_url
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
        browser_state=await browserstate.capture(ctx),
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
