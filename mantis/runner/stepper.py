"""One step of a run: guard, ``{{list[i]}}`` filling, the handler with retries, checks.

Returns the step's result and the control signal its handler gave (``Jump``,
``Stop``, ``Pause``, or None to go on). ``loop`` steps are decided here too,
from the walk's loop counters.
"""

from __future__ import annotations

from typing import Any

from mantis.plans import Step
from mantis.runner.checks import check_after
from mantis.runner.context import StepFailed, truthy
from mantis.runner.expand import ListExhausted, expand
from mantis.runner.loops import innermost_loop
from mantis.runner.meter import StepClock
from mantis.runner.results import StepResult
from mantis.runner.steps import HANDLERS, Jump, Pause, Stop
from mantis.runner.walk import Walk


async def run_step(walk: Walk, idx: int, step: Step) -> tuple[StepResult, Any]:
    ctx = walk.ctx
    clock = StepClock(ctx.meter)
    cost_before = ctx.costs.total
    ctx.detail = {}

    def result(**kw: Any) -> StepResult:
        duration, breakdown = clock.finish()
        return StepResult(
            index=idx,
            type=step.type,
            intent=step.intent,
            duration_s=duration,
            time_breakdown=breakdown,
            cost_usd=round(ctx.costs.total - cost_before, 6),
            detail=dict(ctx.detail),
            **kw,
        )

    if step.guard and not truthy(ctx.vars.get(step.guard)):
        return result(success=True, skipped=True, attempts=0), None
    if step.type == "loop":
        signal = loop_signal(walk, idx, step)
        return result(success=True, output=walk.loop_counts.get(idx, 0)), signal
    loop = innermost_loop(walk.plan.steps, idx)
    ctx.loop_index = walk.loop_counts.get(loop, 0) if loop is not None else 0
    try:
        step = expand(step, ctx.vars, ctx.loop_index)
    except ListExhausted as exc:
        if loop is None:
            return result(success=False, error=f"{exc} and no loop runs this step"), None
        walk.loop_counts.pop(loop, None)
        ctx.detail["loop_end"] = str(exc)
        return result(success=True, skipped=True, attempts=0), Jump(loop + 1, str(exc))
    except StepFailed as exc:  # a placeholder over a missing list or a bad fixed index
        ctx.detail["error_class"] = exc.cls
        return result(success=False, attempts=0, error=exc.message), None

    handler = HANDLERS.get(step.type)
    attempts = 0
    max_attempts = 1 + (max(0, step.retries) if step.required else 0)
    error: str | None = None
    output: Any = None
    while attempts < max_attempts:
        attempts += 1
        error = None
        try:
            if handler is None:
                raise StepFailed(
                    f"step type {step.type!r} is not supported by this runner",
                    "unsupported_step",
                )
            output = await handler(ctx, step)
            if not isinstance(output, Pause):
                await check_after(ctx, step)
            break
        except StepFailed as exc:
            error = exc.message
            ctx.detail["error_class"] = exc.cls
            await ctx.emit(
                "step_attempt_failed",
                {"index": idx, "attempt": attempts, "class": exc.cls, "error": exc.message},
            )
    final = result(
        success=error is None,
        attempts=attempts,
        error=error,
        output=output if not isinstance(output, Jump | Stop | Pause) else None,
    )
    return final, (output if error is None else None)


def loop_signal(walk: Walk, idx: int, step: Step) -> Jump | None:
    """Jump back to ``loop_target`` while iterations remain and ``stop_var`` is falsy."""
    counts = walk.loop_counts
    if step.stop_var and truthy(walk.ctx.vars.get(step.stop_var)):
        counts.pop(idx, None)
        walk.ctx.detail["exit"] = f"stop_var {step.stop_var} is true"
        return None
    target = step.loop_target
    limit = walk.ctx.config.max_loop_iterations
    count = limit if step.loop_count is None else min(step.loop_count, limit)
    if target is None or target < 0 or counts.get(idx, 0) >= count:
        counts.pop(idx, None)
        return None
    counts[idx] = counts.get(idx, 0) + 1
    return Jump(target, reason=f"iteration {counts[idx]} of {count}")
