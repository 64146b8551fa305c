"""Control-flow steps: done, if_else, loop (jump form)."""

from __future__ import annotations

from mantis.plans import Step
from mantis.runner.context import StepContext, truthy
from mantis.runner.steps.base import Handler, Jump, Stop


async def done(ctx: StepContext, step: Step) -> Stop:
    return Stop(answer=step.intent or None)


async def if_else(ctx: StepContext, step: Step) -> Jump | None:
    name = step.condition_var
    if not name or name not in ctx.vars:
        return None
    value = truthy(ctx.vars[name])
    target = step.then_target if value else step.else_target
    if target is None or target < 0:
        return None
    return Jump(target, reason=f"{name}={value}")


HANDLERS: dict[str, Handler] = {
    "done": done,
    "if_else": if_else,
}
