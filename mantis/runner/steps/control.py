"""Control-flow steps: done, if_else, request_user_input, tool_call (loops live in the runner)."""

from __future__ import annotations

from typing import Any

from mantis.errors import MantisError
from mantis.plans import Step
from mantis.runner.context import StepContext, StepFailed, truthy
from mantis.runner.expand import store
from mantis.runner.steps.base import Handler, Jump, Pause, Stop
from mantis.runner.tools import ToolContext, ToolError


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


async def tool_call(ctx: StepContext, step: Step) -> Any:
    name = step.name or step.params.extra.get("name")
    if not name:
        raise StepFailed("tool_call needs `name`: the registered host tool to call", "bad_step")
    tool = ctx.tools.get(str(name))
    if tool is None:
        known = ", ".join(ctx.tools.names()) or "none"
        raise StepFailed(
            f"tool_call: no host tool named {name!r} is registered (registered: {known})",
            "unknown_tool",
        )
    try:
        url: str | None = await ctx.current_url()
    except MantisError:  # the URL is informative for the tool; missing it must not fail the step
        url = None
    try:
        result = await tool(dict(step.args), ToolContext(ctx.vars, ctx.rows, url))
    except ToolError as exc:
        raise StepFailed(f"tool {name!r} failed: {exc.message}", "tool_failed") from None
    out = step.out_var or step.params.out_var
    if out:
        store(ctx.vars, out, result)
    return result


HANDLERS: dict[str, Handler] = {
    "tool_call": tool_call,
    "request_user_input": request_user_input,
    "done": done,
    "if_else": if_else,
}
