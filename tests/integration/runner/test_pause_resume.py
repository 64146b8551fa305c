"""A request_user_input step pauses the run; resume fills {{user_input}} and continues.

Real Xvfb + Chromium against the demo site; the pause state goes through JSON
and a fresh runner object, as it would through pause_state.json on disk.
"""

from __future__ import annotations

from pathlib import Path

import msgspec
import pytest

from mantis.brains.providers.extraction import LocalExtractor
from mantis.brains.providers.grounding import LocalGrounder
from mantis.brains.providers.verification import LocalVerifier
from mantis.gym.base import SessionSpec
from mantis.gym.computer import LocalComputer
from mantis.plans import MicroPlan, load_plan
from mantis.runner.context import Providers
from mantis.runner.micro import MicroPlanRunner
from mantis.runner.results import PauseState

pytestmark = [pytest.mark.integration, pytest.mark.anyio]


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def providers() -> Providers:
    return Providers(grounder=LocalGrounder(), verifier=LocalVerifier(), extractor=LocalExtractor())


async def test_pause_then_resume_types_the_answer(demo_site: str, tmp_path: Path) -> None:
    loaded = load_plan(
        [
            {"type": "navigate", "intent": "open sign-in", "params": {"url": "{{DEMO_URL}}/login"}},
            {"type": "request_user_input", "intent": "ask", "params": {"prompt": "Which email?"}},
            {
                "type": "fill_field",
                "intent": "type {{user_input}}",
                "params": {"label": "Email", "value": "{{user_input}}"},
            },
            {
                "type": "detect_visible",
                "intent": "typed?",
                "params": {"text": "{{user_input}}"},
                "out_var": "typed",
                "required": True,
            },
            {"type": "request_user_input", "intent": "again", "params": {"prompt": "Password?"}},
            {
                "type": "fill_field",
                "intent": "password",
                "params": {"label": "Password", "value": "{{user_input}}"},
            },
            {
                "type": "submit",
                "intent": "sign in",
                "params": {"label": "Sign in"},
                "hints": {"expect_url_contains": "/inquiry"},
                "required": True,
            },
        ],
        vars={"DEMO_URL": demo_site},
    )
    plan = loaded.plan
    assert isinstance(plan, MicroPlan)
    computer = LocalComputer()
    try:
        info = await computer.open(SessionSpec(profile_dir=str(tmp_path / "profile")))
        first = await MicroPlanRunner(computer, providers()).run(plan, info)
        assert first.status == "paused" and first.pause is not None
        assert first.pause.prompt == "Which email?" and first.pause.step_index == 2

        on_disk = msgspec.json.encode(first.pause)
        state = msgspec.json.decode(on_disk, type=PauseState)
        second = await MicroPlanRunner(computer, providers()).resume(
            plan, info, state, "demo@acme.test", signature=loaded.signature
        )
        assert second.status == "paused" and second.pause is not None, second.steps
        assert second.steps[3].output is True  # the answer is visible in the page

        third = await MicroPlanRunner(computer, providers()).resume(
            plan, info, second.pause, "mantis-demo", signature=loaded.signature
        )
        assert third.status == "succeeded", [(s.index, s.error) for s in third.steps]
        assert third.final_url is not None and third.final_url.endswith("/inquiry")
        assert [s.index for s in third.steps] == [0, 1, 2, 3, 4, 5, 6]
    finally:
        await computer.close()
