"""After-step checks: ``verify`` (verifier provider) and ``hints`` (success contract).

``check_after`` raises ``StepFailed`` (class ``verify_failed`` / ``wrong_target``);
``holds`` answers the same question as a bool, for brain loops that stop as
soon as their step's condition is met.
"""

from __future__ import annotations

from mantis.plans import Step
from mantis.runner.context import StepContext, StepFailed


def has_conditions(step: Step) -> bool:
    h = step.hints
    return bool(
        step.verify or h.expect_url_contains or h.expect_url_excludes or h.expect_text_present
    )


async def check_after(ctx: StepContext, step: Step) -> None:
    if step.verify:
        ok, reason = await ctx.verify(step.verify)
        if not ok:
            raise StepFailed(f"verify failed: {reason}", "verify_failed")
    hints = step.hints
    if hints.expect_url_contains or hints.expect_url_excludes:
        url = await ctx.current_url()
        for part in hints.expect_url_contains:
            if part not in url:
                raise StepFailed(f"expected URL to contain {part!r}, got {url}", "wrong_target")
        for part in hints.expect_url_excludes:
            if part in url:
                raise StepFailed(f"expected URL not to contain {part!r}, got {url}", "wrong_target")
    for text in hints.expect_text_present:
        ok, reason = await ctx.verify(f'"{text}" is visible')
        if not ok:
            raise StepFailed(f"expected text {text!r} on screen: {reason}", "wrong_target")


async def holds(ctx: StepContext, step: Step) -> bool:
    try:
        await check_after(ctx, step)
    except StepFailed:
        return False
    return True
