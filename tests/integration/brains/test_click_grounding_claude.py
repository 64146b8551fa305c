"""Click grounding with the Claude grounder: the real SDK against the fake Messages server.

The brain proposes a click 40 px below a drawn "Send inquiry" button; with
grounding on, ``ClaudeGrounder`` is asked about the brain's whole reasoning in
a 400x300 window around that point, and its answer (in the window's pixels)
moves the click onto the button.
"""

from __future__ import annotations

from typing import Any

import pytest

from mantis.brains.actions import Click
from mantis.brains.claude import anthropic_client
from mantis.brains.pricing import claude_cost
from mantis.brains.providers.claude_grounding import ClaudeGrounder
from mantis.config import Settings
from mantis.runner.context import Providers
from mantis.runner.grounding import WINDOW, window_around
from mantis.runner.micro import MicroPlanRunner
from tests.fakes.anthropic_tools import FakeAnthropicTools
from tests.unit.runner.conftest import plan_of
from tests.unit.runner.test_click_grounding import (
    BUTTON,
    INFO,
    OFF,
    REASONING,
    SCREEN,
    Brain,
    RecordingComputer,
    render,
)

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


async def test_claude_grounder_refines_the_brains_click_from_its_reasoning() -> None:
    left, top, _, _ = window_around(*OFF, SCREEN, WINDOW)
    cx, cy = BUTTON.center
    answer = {
        "found": True,
        "x": cx - left,
        "y": cy - top,
        "box": [BUTTON.x - left, BUTTON.y - top, BUTTON.w, BUTTON.h],
        "text": "Send inquiry",
        "confidence": 0.9,
    }
    with FakeAnthropicTools([answer]) as fake:
        client = anthropic_client("sk-test", base_url=fake.url, max_retries=1)
        try:
            grounder = ClaudeGrounder(
                client, model="claude-test", cost=lambda u: claude_cost(u, Settings())
            )
            computer = RecordingComputer(render())
            brain = Brain([Click(x=OFF[0], y=OFF[1], reasoning=REASONING)])
            plan = plan_of([{"type": "click", "intent": "Submit the form", "grounding": True}])
            any_provider: Any = grounder  # only the grounder is asked anything here
            providers = Providers(grounder=grounder, verifier=any_provider, extractor=any_provider)
            out = await MicroPlanRunner(computer, providers, brain=brain).run(plan, INFO)
        finally:
            await client.close()
    assert not fake.failures, fake.failures
    assert out.steps[0].success, out.steps[0].error
    (click,) = [a for a in computer.actions if isinstance(a, Click)]
    assert (click.x, click.y) == (cx, cy)
    assert fake.image_sizes == [WINDOW]  # the window around the brain's point, not the screen
    prompt = fake.requests[0].body["messages"][0]["content"][1]["text"]
    assert REASONING in prompt and "the button" in prompt
    (record,) = out.steps[0].detail["brain"]["grounding"]
    assert record["grounded"] and record["target"] == REASONING and record["distance"] == 40.0
    assert out.summary.wall_time_breakdown.get("claude_ground", 0) > 0
