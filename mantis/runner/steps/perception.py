"""Perception steps: detect_visible and extract_data / extract_rows.

Both read the screen through the providers (local OCR by default): no action
is taken on the page.
"""

from __future__ import annotations

from typing import Any

from mantis.brains.providers.base import FieldSpec
from mantis.plans import Step
from mantis.runner.context import StepContext, StepFailed, quoted_target
from mantis.runner.recipes import UnknownRecipe, resolve_recipe
from mantis.runner.steps.base import Handler

DEFAULT_MAX_ROWS = 50


async def detect_visible(ctx: StepContext, step: Step) -> bool:
    text = step.params.text or step.params.label or quoted_target(step.intent)
    if not text:
        raise StepFailed(
            "detect_visible needs params.text or a quoted phrase in the intent "
            "(visual detection of non-text things needs a vision brain)",
            "bad_step",
        )
    shot = await ctx.shot()
    with ctx.meter.bucket("claude_verify"):
        found = await ctx.providers.verifier.text_visible(shot, text, region=ctx.region)
    visible = found is not None
    name = step.out_var or step.params.out_var
    if name:
        ctx.vars[name] = visible
    return visible


def _fields(ctx: StepContext, step: Step) -> tuple[list[FieldSpec], int | None]:
    spec = step.extract
    if ctx.extraction:  # the run's extraction schema overrides the plan's
        return list(ctx.extraction), spec.max_items if spec is not None else None
    if spec is not None and not spec.fields and spec.recipe:
        try:
            return resolve_recipe(spec.recipe, ctx.recipes), spec.max_items
        except UnknownRecipe as exc:
            raise StepFailed(str(exc), "unknown_recipe") from None
    if spec is None or not spec.fields:
        raise StepFailed(f"{step.type} needs an `extract` spec with fields or a recipe", "bad_step")
    fields = [
        FieldSpec(name=f.name, type=f.type, required=f.required, example=f.example)
        for f in spec.fields
    ]
    return fields, spec.max_items


async def extract_data(ctx: StepContext, step: Step) -> list[dict[str, Any]]:
    fields, max_items = _fields(ctx, step)
    if max_items is None:
        max_items = DEFAULT_MAX_ROWS if step.type == "extract_rows" else 1
    shot = await ctx.shot()
    with ctx.meter.bucket("claude_extract"):
        rows = await ctx.providers.extractor.extract(
            shot, fields, max_items=max_items, region=ctx.region
        )
    if not rows:
        raise StepFailed(
            f"no rows with fields {', '.join(f.name for f in fields)} found on screen", "no_data"
        )
    names = [f.name for f in fields]
    if not ctx.fields:
        ctx.fields = names
        ctx.required_fields = [f.name for f in fields if f.required]
    ctx.rows.extend({n: row.get(n, "") for n in names} for row in rows)
    return rows


HANDLERS: dict[str, Handler] = {
    "detect_visible": detect_visible,
    "extract_data": extract_data,
    "extract_rows": extract_data,
}
