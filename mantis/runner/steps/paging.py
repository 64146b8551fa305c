"""Result-list steps: paginate (URL template or labelled Next) and filter.

``paginate`` moves to the next page each time it runs. With
``params.url_template`` (``{n}`` = page number) it loads page 2, 3, …; otherwise
it clicks the control labelled ``params.label`` (default ``Next``). When there
is no next page — past ``params.max_pages``, no Next control, or the click /
the next URL did not change the screen — it succeeds and sets ``out_var`` (default
``no_more_pages``) to true, so a ``loop`` with that ``stop_var`` ends.
"""

from __future__ import annotations

from typing import Any

from mantis.plans import Step
from mantis.runner.context import StepContext, StepFailed, quoted_target
from mantis.runner.steps.base import Handler
from mantis.runner.steps.motion import page_print

END_VAR = "no_more_pages"


def _page_key(step: Step) -> str:
    return f"_page:{step.params.url_template or step.params.label or 'Next'}"


async def paginate(ctx: StepContext, step: Step) -> dict[str, Any]:
    end_var = step.out_var or step.params.out_var or END_VAR
    key = _page_key(step)
    page = int(ctx.vars.get(key, 1)) + 1
    limit = step.params.max_pages or ctx.config.max_pages
    ctx.vars[end_var] = False
    if page > limit:
        ctx.vars[end_var] = True
        return {"page": page - 1, "end": f"max_pages {limit} reached"}
    if step.params.url_template:
        if "{n}" not in step.params.url_template:
            raise StepFailed(
                "paginate params.url_template needs a {n} page-number slot", "bad_step"
            )
        url = step.params.url_template.replace("{n}", str(page))
        shown = page_print(ctx, await ctx.shot())
        await ctx.navigate(url)
        if page_print(ctx, await ctx.shot()) == shown:
            ctx.vars[end_var] = True  # a site that clamps past-the-end pages shows the last again
            return {"page": page - 1, "end": f"{url} shows the same page"}
        ctx.vars[key] = page
        return {"page": page, "url": url}
    label = step.params.label or quoted_target(step.intent) or "Next"
    before = await ctx.shot()
    with ctx.meter.bucket("claude_ground"):
        found = await ctx.providers.grounder.locate(before, label, role="button", region=ctx.region)
    if found is None:
        ctx.vars[end_var] = True
        return {"page": page - 1, "end": f"no {label!r} control on screen"}
    from mantis.brains.actions import Click

    with ctx.meter.bucket("act"):
        await ctx.computer.act(Click(x=found.x, y=found.y))
    with ctx.meter.bucket("load"):
        await ctx.computer.settle(ctx.config.settle_floor_s, ctx.config.load_ceiling_s)
    if page_print(ctx, await ctx.shot()) == page_print(ctx, before):
        ctx.vars[end_var] = True
        return {"page": page - 1, "end": f"clicking {label!r} changed nothing"}
    ctx.vars[key] = page
    return {"page": page, "clicked": label}


async def filter_step(ctx: StepContext, step: Step) -> str:
    label = step.params.label or quoted_target(step.intent)
    if not label:
        raise StepFailed(
            "filter needs params.label (the filter control's visible text)", "bad_step"
        )
    found = await ctx.ground(label, "button")
    from mantis.brains.actions import Click

    with ctx.meter.bucket("act"):
        await ctx.computer.act(Click(x=found.x, y=found.y))
    with ctx.meter.bucket("load"):
        await ctx.computer.settle(ctx.config.settle_floor_s, ctx.config.load_ceiling_s)
    return label


HANDLERS: dict[str, Handler] = {"paginate": paginate, "filter": filter_step}
