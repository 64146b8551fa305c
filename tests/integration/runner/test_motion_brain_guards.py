"""Scroll, drag, custom dropdown, tool_call, brain-driven steps, run guards and checkpoints."""

from __future__ import annotations

from pathlib import Path

import pytest

from examples.demo_site.server import INVENTORY
from mantis.brains.actions import Click
from mantis.brains.base import Inference, Usage
from mantis.brains.providers import LocalGrounder
from mantis.errors import RequestError
from mantis.runner.checkpoints import FileCheckpointStore
from mantis.runner.micro import MicroPlanRunner
from mantis.runner.tools import ToolRegistry

from .conftest import failures, micro
from .fakes import ScriptedBrain

pytestmark = [pytest.mark.integration, pytest.mark.anyio]


async def test_scroll_drag_custom_dropdown_and_tool_call(
    demo_site: str, browser, providers
) -> None:
    computer, info = browser
    seen: list[dict] = []

    async def note(args: dict, ctx) -> str:  # type: ignore[no-untyped-def]
        seen.append(args)
        return f"noted {args['what']}"

    plan = micro(
        [
            {"type": "navigate", "intent": "long", "params": {"url": "{{DEMO_URL}}/long"}},
            {"type": "scroll", "intent": "scroll until 'Bottom marker reached' shows"},
            {
                "type": "scroll",
                "intent": "a bit more",
                "params": {"direction": "down", "amount": 5},
            },
            {"type": "navigate", "intent": "drag", "params": {"url": "{{DEMO_URL}}/drag"}},
            {
                "type": "drag",
                "intent": "crate to zone",
                "params": {"from": "Crate", "to": "Drop zone"},
                "verify": '"Dropped the crate" is visible',
            },
            {"type": "navigate", "intent": "picker", "params": {"url": "{{DEMO_URL}}/picker"}},
            {
                "type": "select_option",
                "intent": "emerald",
                "params": {"dropdown_label": "Colour", "option_label": "Emerald"},
                "hints": {"expect_text_present": "Chosen: Emerald"},
            },
            {
                "type": "tool_call",
                "intent": "note it",
                "name": "note",
                "args": {"what": "colour"},
                "out_var": "noted",
            },
            {"type": "tool_call", "intent": "missing tool", "name": "nope"},
        ],
        demo_site,
    )
    out = await MicroPlanRunner(computer, providers, tools=ToolRegistry({"note": note})).run(
        plan, info
    )
    assert failures(out) == [(8, "tool_call", out.steps[8].error)]
    assert "no host tool named 'nope'" in (out.steps[8].error or "")
    assert out.status == "succeeded"  # the failed step was optional
    assert out.steps[1].output["found"] == "Bottom marker reached"
    assert out.steps[2].output["at_end"] is True  # already at the bottom: still a success
    assert seen == [{"what": "colour"}] and out.steps[7].output == "noted colour"


async def test_brain_step_counts_mistakes_and_stops_when_hints_hold(
    demo_site: str, browser, providers
) -> None:
    computer, info = browser
    grounder = LocalGrounder()

    async def click_suv(shot):  # type: ignore[no-untyped-def]
        found = await grounder.locate(shot, "SUV only")
        assert found is not None
        return Click(x=found.x, y=found.y)

    brain = ScriptedBrain(
        [
            Inference(action=None, raw="I think I should click", error="unparseable output"),
            Click(x=5000, y=10),
            Inference(action=None, raw="", usage=Usage(input_tokens=1000, output_tokens=100)),
            click_suv,  # the hints hold after this click: no further thought for holo3
        ],
        name="claude",
    )
    plan = micro(
        [
            {"type": "navigate", "intent": "open", "params": {"url": "{{DEMO_URL}}/inventory"}},
            {
                "type": "holo3",
                "intent": "Show only SUVs",
                "hint": "use the filter links",
                "budget": 6,
                "hints": {"expect_url_contains": "body=suv"},
            },
            {"type": "click", "intent": "Open the first car's details", "budget": 2},
        ],
        demo_site,
    )
    out = await MicroPlanRunner(computer, providers, brain=brain).run(plan, info)
    step = out.steps[1]
    assert step.success, step.error
    assert len(step.detail["brain"]["failed_attempts"]) == 3
    assert len(brain.calls) == 4 + 1  # 4 for holo3, then the click step's only thought
    assert "use the filter links" in brain.calls[0][0]
    assert out.steps[2].success  # the script ran out: the fake brain says done
    assert out.summary.cost_breakdown["claude"] == pytest.approx((1000 * 3 + 100 * 15) / 1e6)
    assert step.cost_usd == pytest.approx(out.summary.cost_total)


async def test_guards_halt_with_a_class_and_a_sentence(demo_site: str, browser, providers) -> None:
    computer, info = browser
    stuck = micro(
        [
            {"type": "navigate", "intent": "open", "params": {"url": "{{DEMO_URL}}/long"}},
            {"type": "wait", "intent": "nothing changes", "params": {"seconds": 0}},
            {"type": "loop", "intent": "again", "loop_target": 1, "loop_count": 20},
        ],
        demo_site,
        runtime={"state_repeat_threshold": 3},
    )
    out = await MicroPlanRunner(computer, providers).run(stuck, info)
    assert out.status == "failed" and out.halt is not None and out.halt.cls == "loop_stuck"
    assert "not making progress" in out.halt.message

    drift = micro(
        [
            {"type": "navigate", "intent": "a", "params": {"url": "{{DEMO_URL}}/inventory"}},
            {"type": "navigate", "intent": "b", "params": {"url": "{{DEMO_URL}}/long"}},
            {"type": "navigate", "intent": "c", "params": {"url": "{{DEMO_URL}}/drag"}},
            {"type": "navigate", "intent": "d", "params": {"url": "{{DEMO_URL}}/picker"}},
        ],
        demo_site,
        runtime={"pinned_source_url_pattern": "/inventory", "off_source_step_budget": 1},
    )
    out = await MicroPlanRunner(computer, providers).run(drift, info)
    assert out.halt is not None and out.halt.cls == "off_source_drift", out.halt
    assert len(out.steps) == 3

    costly = micro(
        [
            {"type": "holo3", "intent": "think a lot", "budget": 3},
            {"type": "wait", "intent": "never", "params": {"seconds": 0}},
        ],
        demo_site,
    )
    brain = ScriptedBrain([Inference(action=None, cost_usd=0.2)] * 3, name="claude")
    out = await MicroPlanRunner(computer, providers, brain=brain).run(costly, info, max_cost=0.1)
    assert out.halt is not None and out.halt.cls == "budget_cap" and "max_cost" in out.halt.message
    out = await MicroPlanRunner(computer, providers).run(
        micro([{"type": "wait", "intent": "w", "params": {"seconds": 0.2}}] * 2, demo_site),
        info,
        max_time_minutes=0.001,
    )
    assert out.halt is not None and out.halt.cls == "time_cap"


async def test_crash_mid_loop_resumes_from_checkpoint_without_duplicate_rows(
    demo_site: str, browser, providers, tmp_path: Path
) -> None:
    computer, info = browser
    store = FileCheckpointStore(tmp_path / "checkpoints")
    fields = [{"name": n} for n in ("make", "model")] + [
        {"name": "year", "type": "int"},
        {"name": "price", "type": "int"},
    ]
    plan = micro(
        [
            {"type": "navigate", "intent": "open", "params": {"url": "{{DEMO_URL}}/inventory"}},
            {"type": "extract_rows", "intent": "read", "extract": {"fields": fields}},
            {"type": "tool_call", "intent": "maybe crash", "name": "tick"},
            {
                "type": "paginate",
                "intent": "page n",
                "params": {"url_template": "{{DEMO_URL}}/inventory?page={n}"},
            },
            {"type": "loop", "intent": "again", "loop_target": 1, "stop_var": "no_more_pages"},
        ],
        demo_site,
    )

    async def crash_on_page_two(args: dict, ctx) -> int:  # type: ignore[no-untyped-def]
        if len(ctx.rows) == 8:
            raise RuntimeError("the worker died")
        return len(ctx.rows)

    crashing = MicroPlanRunner(
        computer, providers, checkpoints=store, tools=ToolRegistry({"tick": crash_on_page_two})
    )
    with pytest.raises(RuntimeError):
        await crashing.run(plan, info, workflow_id="wf-1")
    cp = await store.load("wf-1")
    assert cp is not None and cp.step_index == 2 and len(cp.rows) == 8

    async def fine(args: dict, ctx) -> int:  # type: ignore[no-untyped-def]
        return len(ctx.rows)

    fresh = MicroPlanRunner(
        computer, providers, checkpoints=store, tools=ToolRegistry({"tick": fine})
    )
    other = micro([{"type": "wait", "intent": "another plan", "params": {"seconds": 0}}], demo_site)
    with pytest.raises(RequestError, match="different plan"):
        await fresh.run(other, info, workflow_id="wf-1", resume_state=True)
    out = await fresh.run(plan, info, workflow_id="wf-1", resume_state=True)
    assert out.status == "succeeded", failures(out)
    assert [r["model"] for r in out.rows] == [c["model"] for c in INVENTORY]
    assert await store.load("wf-1") is None  # a finished run leaves no checkpoint
