"""Click grounding on a real Xvfb + Chromium: an off-target brain click lands on "Sign in".

The scripted brain finds the demo site's "Sign in" button itself (OCR on the
frame it is shown) and proposes a click 40 px below it, where nothing is. With
``grounding: false`` the click misses and the step's hint fails; with
``grounding: true`` the local grounder moves it onto the button, the form is
submitted and the site answers with the inquiry page.
"""

from __future__ import annotations

import pytest

from mantis.brains.actions import Click
from mantis.brains.providers import LocalGrounder
from mantis.gym.base import Screenshot
from mantis.runner.micro import MicroPlanRunner

from .conftest import micro
from .fakes import ScriptedBrain

pytestmark = [pytest.mark.integration, pytest.mark.anyio]


def plan(demo: str, grounding: bool):  # type: ignore[no-untyped-def]
    return micro(
        [
            {"type": "navigate", "url": "{{DEMO_URL}}/login"},
            {"type": "fill_field", "params": {"label": "Email", "value": "demo@acme.test"}},
            {"type": "fill_field", "params": {"label": "Password", "value": "mantis-demo"}},
            {
                "type": "click",
                "intent": "Sign in to the site",
                "grounding": grounding,
                "budget": 1,
                "retries": 0,
                "hints": {"expect_url_contains": "/inquiry"},
            },
        ],
        demo,
    )


async def test_grounding_moves_an_off_target_click_onto_the_real_button(
    demo_site: str, browser, providers
) -> None:
    computer, info = browser
    ocr = LocalGrounder()
    proposed: list[tuple[int, int]] = []

    async def click_below_sign_in(shot: Screenshot) -> Click:
        page = (0, info.content_top, info.width, info.height - info.content_top)
        found = await ocr.locate(shot, "Sign in", role="button", region=page)
        assert found is not None
        proposed.append((found.x, found.y + 40))
        return Click(x=found.x, y=found.y + 40, reasoning='Click the "Sign in" button')

    off = await MicroPlanRunner(
        computer, providers, brain=ScriptedBrain([click_below_sign_in])
    ).run(plan(demo_site, False), info)
    missed = off.steps[-1]
    assert not missed.success and "/login" in (await computer.current_url()), missed.error

    on = await MicroPlanRunner(computer, providers, brain=ScriptedBrain([click_below_sign_in])).run(
        plan(demo_site, True), info
    )
    step = on.steps[-1]
    assert step.success, [(s.index, s.type, s.error) for s in on.steps]
    assert (await computer.current_url()).endswith("/inquiry")
    (record,) = step.detail["brain"]["grounding"]
    assert record["grounded"] and record["from"] == list(proposed[-1])
    assert record["target"] == "Sign in" and 30 <= record["distance"] <= 50
    assert on.summary.wall_time_breakdown.get("claude_ground", 0) > 0
