"""Brain-driven steps: a target described in words, and the legacy ``holo3`` / ``claude`` types.

The step's intent (plus its ``hint``) is the brain's task; the loop stops on the
brain's ``done``, on the step's ``budget``, or as soon as the step's ``verify``
/ ``hints`` hold. With ``grounding: true`` each click the brain proposes is
first refined by the grounder (:mod:`mantis.runner.grounding`); the records go
to the step's ``detail.brain.grounding``. ``claude`` is the provider-only alias: it extracts (with an
``extract`` spec) or checks (with ``verify``) without any brain action.
"""

from __future__ import annotations

from typing import Any

from mantis.plans import Step
from mantis.runner.agent import drive
from mantis.runner.checks import has_conditions, holds
from mantis.runner.context import StepContext, StepFailed
from mantis.runner.steps.base import Handler, Pause


def task_of(step: Step, extra: str = "") -> str:
    parts = [step.intent.strip() or f"Do the {step.type} step", extra, step.hint or ""]
    return "\n".join(p for p in parts if p)


async def brain_step(ctx: StepContext, step: Step, *, extra: str = "") -> Any:
    async def done_when() -> bool:
        return await holds(ctx, step)

    run = await drive(
        ctx,
        task_of(step, extra),
        step.budget,
        done_when=done_when if has_conditions(step) else None,
        grounding=step.grounding,
    )
    ctx.detail["brain"] = {
        "actions": run.actions,
        "thoughts": run.thoughts,
        "failed_attempts": run.failed_attempts,
        "reason": run.reason,
        "cost_usd": round(run.cost_usd, 6),
    }
    if step.grounding:
        ctx.detail["brain"]["grounding"] = run.groundings
    if run.pause_prompt is not None:
        return Pause(prompt=run.pause_prompt)
    if not run.success:
        tail = (
            f"; failed attempts: {'; '.join(run.failed_attempts[-3:])}"
            if run.failed_attempts
            else ""
        )
        raise StepFailed(
            f"{run.reason}{tail}", "brain_budget" if "budget" in run.reason else "brain_failed"
        )
    return run.answer


async def holo3(ctx: StepContext, step: Step) -> Any:
    return await brain_step(ctx, step)


async def claude(ctx: StepContext, step: Step) -> Any:
    if step.extract is not None:
        from mantis.runner.steps.perception import extract_data

        return await extract_data(ctx, step)
    if step.verify:
        return True  # the runner's after-step check runs the verifier
    raise StepFailed(
        "a `claude` step is provider-only: give it an `extract` spec or a `verify` condition "
        "(use `holo3` or a click/scroll without a label for brain actions)",
        "bad_step",
    )


HANDLERS: dict[str, Handler] = {"holo3": holo3, "claude": claude}
