"""Navigation steps: navigate, navigate_back, wait, extract_url."""

from __future__ import annotations

import anyio

from mantis.brains.actions import Key
from mantis.plans import Step
from mantis.runner.context import StepContext, StepFailed, url_in
from mantis.runner.expand import store
from mantis.runner.steps.base import Handler


async def navigate(ctx: StepContext, step: Step) -> str:
    url = step.params.url or url_in(step.intent)
    if not url:
        raise StepFailed("navigate needs params.url, url, or a URL in the intent", "bad_step")
    await ctx.navigate(url)
    return url


async def navigate_back(ctx: StepContext, step: Step) -> str:
    before = await ctx.current_url()
    with ctx.meter.bucket("load"):
        await ctx.computer.act(Key(keys="alt+Left"))
        await ctx.computer.settle(ctx.config.settle_floor_s, ctx.config.load_ceiling_s)
    after = await ctx.current_url()
    if after == before:
        raise StepFailed(f"going back did not change the URL (still {after})", "no_effect")
    return after


async def wait(ctx: StepContext, step: Step) -> float:
    seconds = min(float(step.params.seconds or 1.0), ctx.config.max_wait_seconds)
    await anyio.sleep(seconds)
    return seconds


async def extract_url(ctx: StepContext, step: Step) -> str:
    url = await ctx.current_url()
    name = step.out_var or step.params.out_var
    if name:
        store(ctx.vars, name, url)  # "urls[]" appends: URL collection for later navigate steps
    return url


HANDLERS: dict[str, Handler] = {
    "navigate": navigate,
    "navigate_back": navigate_back,
    "wait": wait,
    "extract_url": extract_url,
}
