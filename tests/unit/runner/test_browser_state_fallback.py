"""Browser state falls back to URL + scroll when the computer's CDP refuses or fails."""

from __future__ import annotations

from typing import Any

import pytest

from mantis.errors import ComputerError
from mantis.gym.base import CdpUnavailable
from mantis.runner.browserstate import CAPTURE_JS, restore_js
from mantis.runner.context import RunnerConfig
from mantis.runner.micro import MicroPlanRunner
from tests.unit.runner.conftest import plan_of
from tests.unit.runner.fakes import PageComputer, PageProviders

pytestmark = pytest.mark.anyio

A = "http://shop.test/form"


class RefusingComputer(PageComputer):
    """``cdp`` as a session opened without ``enable_cdp`` (or a remote 403) answers."""

    def __init__(self, error: Exception, **kw: Any) -> None:
        super().__init__({A: "Form"}, url=A, **kw)
        self.error = error
        self.cdp_calls = 0

    async def cdp(self, expression: str, step_id: str) -> str:
        self.cdp_calls += 1
        raise self.error


@pytest.mark.parametrize(
    ("error", "warned"),
    [(CdpUnavailable("cdp: not enabled"), False), (ComputerError("the expression threw"), True)],
)
async def test_refused_or_failing_cdp_falls_back_to_url_and_scroll(error, warned):
    computer = RefusingComputer(error, scroll_step=100)
    computer.scroll_y = 300
    events: list[tuple[str, dict]] = []

    async def sink(kind: str, data: dict) -> None:
        events.append((kind, data))

    r = MicroPlanRunner(
        computer,
        PageProviders(computer).providers(),
        RunnerConfig(settle_floor_s=0),
        events=sink,
    )
    plan = plan_of([{"type": "request_user_input", "params": {"prompt": "Go?"}}])
    paused = await r.run(plan, computer.info())
    assert paused.pause is not None and paused.pause.browser_state == {"url": A, "scroll_y": 300}
    computer.scroll_y, computer.url = 0, "about:blank"
    done = await r.resume(plan, computer.info(), paused.pause, "yes")
    assert done.status == "succeeded" and computer.visited() == [A]
    assert computer.cdp_calls == 2 and computer.scroll_y == 300
    report = next(d for k, d in events if k == "browser_state_restored")
    assert report["via"] == "screen" and report["scroll_restored"] is True
    assert any(k == "warning" and "CDP" in d["message"] for k, d in events) is warned


async def test_saved_form_without_cdp_on_resume_is_reported_not_restored():
    computer = PageComputer({A: "Form"}, url="about:blank")  # no cdp attribute at all
    events: list[tuple[str, dict]] = []

    async def sink(kind: str, data: dict) -> None:
        events.append((kind, data))

    r = MicroPlanRunner(computer, PageProviders(computer).providers(), events=sink)
    plan = plan_of([{"type": "request_user_input", "params": {"prompt": "Go?"}}])
    paused = await r.run(plan, computer.info())
    assert paused.pause is not None
    paused.pause.browser_state = {
        "url": A,
        "form": {"#name": "Ada", "#plan": "team"},
        "dropped": ["#pw"],
        "captured_by": "cdp",
    }
    await r.resume(plan, computer.info(), paused.pause, "yes")
    report = next(d for k, d in events if k == "browser_state_restored")
    assert report["via"] == "screen" and report["fields_restored"] == 0
    assert report["fields_saved"] == 2 and report["passwords_left_empty"] == ["#pw"]
    assert "2 form value(s) were saved but not restored" in report["note"]


def test_scripts_carry_the_state_as_a_json_literal():
    js = restore_js(
        {"url": A, "captured_by": "cdp", "scroll_y": 40, "form": {'a[name="x"]': "</script>\"'"}}
    )
    assert js.endswith(
        '({"url": "http://shop.test/form", "scroll_x": 0, "scroll_y": 40, '
        '"form": {"a[name=\\"x\\"]": "</script>\\"\'"}})'
    )
    # A screen-captured URL (from the address bar) is not compared with location.href.
    assert '"url": ""' in restore_js({"url": A})
    assert "password" in CAPTURE_JS and "hidden" in CAPTURE_JS
