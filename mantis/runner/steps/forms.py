"""Label-driven input steps: fill_field, submit, click family, select_option, type_text, key_press.

Targets are found by the grounder on the actual screenshot (local OCR by
default). A click step without a label or a quoted target needs a vision model;
it fails with a message naming what to configure.
"""

from __future__ import annotations

from typing import Any

from mantis.brains.actions import Click, DoubleClick, Key, RightClick, Type
from mantis.plans import Step
from mantis.runner.context import StepContext, StepFailed, quoted_target
from mantis.runner.steps.base import Handler
from mantis.runner.steps.driven import brain_step

NEEDS_BRAIN = (
    "this step has no params.label and no quoted target in its intent, so it needs a "
    "vision-language brain; set cua_model to a ready brain (see `mantis doctor`)"
)


def _label(step: Step) -> str:
    label = step.params.label or quoted_target(step.intent)
    if not label:
        raise StepFailed(NEEDS_BRAIN, "needs_brain")
    return label


async def fill_field(ctx: StepContext, step: Step) -> dict[str, object]:
    """Type ``params.value`` into the input labelled ``params.label``.

    The step's recorded output names the field and how many characters went in, never
    the text itself: results and pause states must not carry passwords or codes.
    """
    label = step.params.label
    if not label:
        raise StepFailed("fill_field needs params.label (the field's visible label)", "bad_step")
    value = "" if step.params.value is None else str(step.params.value)
    found = await ctx.ground(label, "input")
    await ctx.act(Click(x=found.x, y=found.y), settle=False)
    await ctx.act(Key(keys="ctrl+a"), settle=False)
    if value:
        await ctx.act(Type(text=value), settle=False)
    else:
        await ctx.act(Key(keys="BackSpace"), settle=False)
    await ctx.settle()
    return {"label": label, "typed_chars": len(value)}


async def submit(ctx: StepContext, step: Step) -> str:
    candidates = [c for c in [step.params.label, *(step.params.aliases or [])] if c]
    if not candidates:
        candidates = [_label(step)]
    shot = await ctx.shot()
    last: StepFailed | None = None
    for label in candidates:
        try:
            found = await ctx.ground(label, "button", shot=shot)
        except StepFailed as exc:
            last = exc
            continue
        with ctx.meter.bucket("act"):
            await ctx.computer.act(Click(x=found.x, y=found.y))
        with ctx.meter.bucket("load"):
            await ctx.computer.settle(ctx.config.settle_floor_s, ctx.config.load_ceiling_s)
        return label
    assert last is not None
    raise last


async def click(ctx: StepContext, step: Step) -> Any:
    label = step.params.label or quoted_target(step.intent)
    if not label:
        return await brain_step(ctx, step)
    found = await ctx.ground(label, "text")
    kind = step.type
    if kind == "double_click":
        await ctx.act(DoubleClick(x=found.x, y=found.y))
    elif kind == "right_click":
        await ctx.act(RightClick(x=found.x, y=found.y))
    else:
        await ctx.act(Click(x=found.x, y=found.y))
    return label


async def select_option(ctx: StepContext, step: Step) -> str:
    dropdown = step.params.dropdown_label or step.params.label
    option = step.params.option_label or (
        None if step.params.value is None else str(step.params.value)
    )
    if not dropdown or not option:
        raise StepFailed(
            "select_option needs params.dropdown_label and params.option_label", "bad_step"
        )
    found = await ctx.ground(dropdown, "dropdown")
    await ctx.act(Click(x=found.x, y=found.y))
    # An open list (a custom dropdown, or a native popup the screenshot shows) is read
    # below the control's top edge and the option clicked; else native type-ahead.
    x0, y0, w0, h0 = ctx.region
    top = max(y0, found.box.y + 1)
    below = (x0, top, w0, y0 + h0 - top)
    shot = await ctx.shot()
    with ctx.meter.bucket("claude_ground"):
        item = await ctx.providers.grounder.locate(shot, option, role="text", region=below)
    if item is not None and item.y > found.box.bottom - 2:
        await ctx.act(Click(x=item.x, y=item.y))
        ctx.detail["select"] = "clicked the option in the open list"
    else:
        await ctx.act(Type(text=option), settle=False)
        await ctx.act(Key(keys="Return"))
        ctx.detail["select"] = "type-ahead and Return"
    ok, reason = await ctx.verify(f'"{option}" is visible')
    if not ok:
        raise StepFailed(f"option {option!r} not shown after selecting it: {reason}", "no_effect")
    return option


async def type_text(ctx: StepContext, step: Step) -> str:
    text = step.params.text if step.params.text is not None else step.params.value
    if text is None:
        raise StepFailed("type_text needs params.text", "bad_step")
    await ctx.act(Type(text=str(text)))
    return str(text)


async def key_press(ctx: StepContext, step: Step) -> str:
    keys = step.params.keys
    if not keys:
        raise StepFailed('key_press needs params.keys, e.g. "Return" or "ctrl+a"', "bad_step")
    seq = keys if isinstance(keys, list) else [keys]
    for chord in seq:
        await ctx.act(Key(keys=chord))
    return " ".join(seq)


HANDLERS: dict[str, Handler] = {
    "fill_field": fill_field,
    "submit": submit,
    "click": click,
    "double_click": click,
    "right_click": click,
    "select_option": select_option,
    "type_text": type_text,
    "key_press": key_press,
}
