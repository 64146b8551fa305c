"""Control-flow steps: done, if_else, request_user_input (the loop jump lives in the runner)."""

from __future__ import annotations

from mantis.plans import Step
from mantis.runner.context import StepContext, truthy
from mantis.runner.steps.base import Handler, Jump, Pause, Stop


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


async def request_user_input(ctx: StepContext, step: Step) -> Pause:
    prompt = step.params.prompt or step.intent or "The run needs your input to continue."
    return Pause(prompt=prompt)


HANDLERS: dict[str, Handler] = {
    "request_user_input": request_user_input,
    "done": done,
    "if_else": if_else,
}
