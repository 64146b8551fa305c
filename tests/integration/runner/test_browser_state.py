"""Browser state across a pause: form values, scroll and URL come back on a fresh browser.

Real Xvfb + Chromium against the demo site's ``/profile-form``. The plan types
into the form with real input, scrolls, and pauses; the pause state goes through
JSON; the first browser is closed and the run resumes on a fresh
``LocalComputer`` over the same profile, as a parked run does.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import msgspec
import pytest

from mantis.gym.base import SessionSpec
from mantis.gym.computer import LocalComputer
from mantis.plans import MicroPlan, load_plan
from mantis.runner.context import Providers
from mantis.runner.micro import MicroPlanRunner
from mantis.runner.results import PauseState

pytestmark = [pytest.mark.integration, pytest.mark.anyio]

FILL = [
    {"type": "navigate", "intent": "open", "params": {"url": "{{DEMO_URL}}/profile-form"}},
    {
        "type": "fill_field",
        "intent": "name",
        "params": {"label": "Display name", "value": "Ada Lovelace"},
        "required": True,
    },
    {
        "type": "fill_field",
        "intent": "city",
        "params": {"label": "City", "value": "London"},
        "required": True,
    },
    {
        "type": "fill_field",
        "intent": "bio",
        "params": {"label": "Bio", "value": "Counts engines"},
        "required": True,
    },
    {
        "type": "select_option",
        "intent": "team",
        "params": {"dropdown_label": "Team", "option_label": "Green"},
        "required": True,
    },
    {
        "type": "click",
        "intent": "newsletter",
        "params": {"label": "Subscribe to newsletter"},
        "required": True,
    },
    {
        "type": "fill_field",
        "intent": "password",
        "params": {"label": "Password", "value": "hunter22"},
        "required": True,
    },
    {"type": "scroll", "intent": "down", "params": {"direction": "down", "amount": 2}},
    {"type": "request_user_input", "intent": "ask", "params": {"prompt": "Save it?"}},
    {"type": "wait", "intent": "a beat", "params": {"seconds": 0.1}},
]

READ_FORM = """(() => {
  const f = document.forms.profile;
  return {display_name: f.display_name.value, city: f.city.value, bio: f.bio.value,
          team: f.team.value, newsletter: f.newsletter.checked, secret: f.secret.value,
          csrf: f.csrf.value, scroll_y: Math.round(scrollY)};
})()"""


def plan_for(demo: str) -> tuple[MicroPlan, str]:
    loaded = load_plan(FILL, vars={"DEMO_URL": demo})
    assert isinstance(loaded.plan, MicroPlan)
    return loaded.plan, loaded.signature


async def pause_on_form(
    demo: str, profile: Path, providers: Providers, *, cdp: bool
) -> tuple[PauseState, dict[str, Any]]:
    """Run the plan up to its pause on a first browser; return the state (via JSON)."""
    plan, _ = plan_for(demo)
    spec = SessionSpec(profile_dir=str(profile), enable_cdp=cdp)
    async with LocalComputer() as computer:
        info = await computer.open(spec)
        out = await MicroPlanRunner(computer, providers).run(plan, info)
        assert out.status == "paused" and out.pause is not None, [
            (s.index, s.error) for s in out.steps if not s.success
        ]
        before = json.loads(await computer.cdp(READ_FORM, "check")) if cdp else {}
    state = msgspec.json.decode(msgspec.json.encode(out.pause), type=PauseState)
    return state, before


async def test_cdp_restores_url_scroll_and_form_values_but_not_the_password(
    demo_site: str, tmp_path: Path, providers: Providers
) -> None:
    profile = tmp_path / "profile"
    state, before = await pause_on_form(demo_site, profile, providers, cdp=True)
    # The plan really typed: what the page held at the pause.
    assert before["display_name"] == "Ada Lovelace" and before["secret"] == "hunter22"
    assert before["team"] == "green" and before["newsletter"] is True
    assert before["scroll_y"] > 0

    saved = state.browser_state
    assert saved["captured_by"] == "cdp"
    assert saved["url"] == f"{demo_site}/profile-form"
    assert saved["scroll_y"] == before["scroll_y"] and saved["scroll_x"] == 0
    assert saved["viewport"]["width"] > 0 and saved["viewport"]["height"] > 0
    assert saved["form"] == {
        "#display_name": "Ada Lovelace",
        'form[name="profile"] input[name="city"]': "London",
        "#bio": "Counts engines",
        "#team": "green",
        "#newsletter": True,
    }
    assert saved["dropped"] == ["#secret"]
    assert "hunter22" not in json.dumps(saved)

    events: list[tuple[str, dict[str, Any]]] = []

    async def sink(kind: str, data: dict[str, Any]) -> None:
        events.append((kind, data))

    plan, signature = plan_for(demo_site)
    async with LocalComputer() as fresh:
        info = await fresh.open(SessionSpec(profile_dir=str(profile), enable_cdp=True))
        assert await fresh.current_url() != saved["url"]
        done = await MicroPlanRunner(fresh, providers, events=sink).resume(
            plan, info, state, "yes", signature=signature
        )
        assert done.status == "succeeded", [(s.index, s.error) for s in done.steps]
        after = json.loads(await fresh.cdp(READ_FORM, "check"))
        assert await fresh.current_url() == saved["url"]

    assert after == {**before, "secret": ""}, after
    report = next(d for k, d in events if k == "browser_state_restored")
    assert report["via"] == "cdp" and report["navigated"] is True
    assert report["fields_restored"] == 5 and report["fields_missing"] == []
    assert report["scroll_restored"] is True and report["viewport_matches"] is True
    assert report["passwords_left_empty"] == ["#secret"]


async def test_without_cdp_only_the_url_comes_back_and_the_report_says_so(
    demo_site: str, tmp_path: Path, providers: Providers
) -> None:
    profile = tmp_path / "profile"
    state, _ = await pause_on_form(demo_site, profile, providers, cdp=False)
    saved = state.browser_state
    assert set(saved) <= {"url", "scroll_y"} and saved["url"] == f"{demo_site}/profile-form"

    events: list[tuple[str, dict[str, Any]]] = []

    async def sink(kind: str, data: dict[str, Any]) -> None:
        events.append((kind, data))

    plan, signature = plan_for(demo_site)
    async with LocalComputer() as fresh:
        info = await fresh.open(SessionSpec(profile_dir=str(profile)))
        done = await MicroPlanRunner(fresh, providers, events=sink).resume(
            plan, info, state, "yes", signature=signature
        )
        assert done.status == "succeeded", [(s.index, s.error) for s in done.steps]
        assert await fresh.current_url() == saved["url"]

    report = next(d for k, d in events if k == "browser_state_restored")
    assert report["via"] == "screen" and report["navigated"] is True
    assert report["fields_restored"] == 0 and report["fields_saved"] == 0
    assert "form values need a computer offering CDP" in report["note"]
