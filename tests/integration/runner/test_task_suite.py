"""Task suites: brain-driven tasks within max_steps, verify clauses, sessions, continue_on_failure."""

from __future__ import annotations

import pytest

from mantis.brains.actions import Click
from mantis.brains.providers import LocalGrounder
from mantis.plans import TaskSuite, load_plan
from mantis.runner.suite import TaskSuiteRunner

from .fakes import ScriptedBrain

pytestmark = [pytest.mark.integration, pytest.mark.anyio]


async def test_suite_runs_tasks_checks_verify_and_continues_on_failure(
    demo_site: str, browser, providers
) -> None:
    computer, info = browser
    grounder = LocalGrounder()

    async def click_suv(shot):  # type: ignore[no-untyped-def]
        found = await grounder.locate(shot, "SUV only")
        assert found is not None
        return Click(x=found.x, y=found.y)

    suite = load_plan(
        {
            "session_name": "acme",
            "base_url": demo_site,
            "continue_on_failure": True,
            "tasks": [
                {"task_id": "needs-login", "intent": "use the session", "require_session": True},
                {
                    "task_id": "suv",
                    "intent": "Show only SUVs",
                    "start_url": "/inventory",
                    "save_session": True,
                    "max_steps": 3,
                    "verify": {"type": "url_contains", "value": "body=suv"},
                },
                {
                    "task_id": "car",
                    "intent": "Look at the car",
                    "start_url": "/cars/1",
                    "require_session": True,
                    "verify": {"type": "page_contains_text", "value": "Camry"},
                },
                {
                    "task_id": "title",
                    "intent": "Open the picker",
                    "start_url": "/picker",
                    "verify": {"type": "title_contains", "value": "Picker"},
                },
                {
                    "task_id": "absent",
                    "intent": "nothing",
                    "start_url": "/picker",
                    "verify": {"type": "page_not_contains_text", "value": "Pick a colour"},
                },
            ],
        }
    ).plan
    assert isinstance(suite, TaskSuite)
    brain = ScriptedBrain([click_suv])  # afterwards the fake brain answers done
    out = await TaskSuiteRunner(computer, providers, brain).run(suite, info)
    ok = {s.output: s.success for s in out.steps}
    assert ok == {"needs-login": False, "suv": True, "car": True, "title": True, "absent": False}
    assert "require_session" in (out.steps[0].error or "")
    assert out.status == "succeeded" and out.summary.steps_failed == 2

    out = await TaskSuiteRunner(computer, providers, ScriptedBrain([])).run(
        suite, info, continue_on_failure=False
    )
    assert out.status == "failed" and out.halt is not None and out.halt.cls == "task_failed"
    assert len(out.steps) == 1
