"""Halts, the cost meter, the checkpoint store and pause scroll state, without a browser."""

from __future__ import annotations

import msgspec
import pytest

from mantis.brains.actions import Done
from mantis.brains.base import Inference, Usage
from mantis.errors import RequestError
from mantis.runner.checkpoints import Checkpoint, FileCheckpointStore
from mantis.runner.context import RunnerConfig
from mantis.runner.costs import CostMeter, PriceTable
from mantis.runner.micro import MicroPlanRunner
from tests.integration.runner.fakes import ScriptedBrain
from tests.unit.runner.conftest import plan_of
from tests.unit.runner.fakes import PageComputer, PageProviders

pytestmark = pytest.mark.anyio

A, B = "http://shop.test/list", "http://elsewhere.test/"


def runner(computer: PageComputer, **kw) -> MicroPlanRunner:
    providers = PageProviders(computer).providers()
    return MicroPlanRunner(computer, providers, RunnerConfig(settle_floor_s=0), **kw)


def test_cost_meter_prices_claude_tokens_gpu_time_and_proxy_bytes():
    prices = PriceTable(gpu_per_hour=3.6, proxy_per_gib=2.0)
    meter = CostMeter(prices)
    usage = Usage(input_tokens=1_000_000, output_tokens=100_000, cache_read_tokens=2_000_000)
    assert meter.charge_inference("claude-sonnet", Inference(action=None, usage=usage)) == (
        pytest.approx(3.0 + 1.5 + 0.6)
    )
    assert meter.charge_inference("holo3", Inference(action=None, latency_s=10)) == pytest.approx(
        0.01
    )
    assert meter.price_inference("claude", Inference(action=None, cost_usd=0.25)) == (
        "claude",
        0.25,
    )
    assert meter.charge_proxy_bytes(2**29) == pytest.approx(1.0)
    assert meter.snapshot() == {"gpu": 0.01, "claude": 5.1, "proxy": 1.0}
    assert CostMeter(prices, carry={"claude": 1.5, "bogus": 9}).total == 1.5
    with pytest.raises(ValueError, match="gpu_per_hour"):
        PriceTable(gpu_per_hour=-1)


async def test_checkpoint_store_writes_atomically_and_refuses_another_plan(tmp_path):
    store = FileCheckpointStore(tmp_path)
    await store.save(Checkpoint(workflow_id="wf-1", signature="a" * 64, step_index=3))
    assert [p.name for p in tmp_path.iterdir()] == ["wf-1.json"]  # no temp file left behind
    loaded = await store.load("wf-1")
    assert loaded is not None and loaded.step_index == 3 and loaded.saved_at > 0
    (tmp_path / "wf-2.json").write_text("{not json")
    with pytest.raises(RequestError, match="unreadable"):
        await store.load("wf-2")
    with pytest.raises(RequestError, match="workflow_id"):
        await store.load("../escape")
    await store.clear("wf-1")
    assert await store.load("wf-1") is None

    computer = PageComputer(url=A)
    plan = plan_of([{"type": "wait", "params": {"seconds": 0}}])
    await store.save(Checkpoint(workflow_id="wf-3", signature="b" * 64, step_index=1))
    with pytest.raises(RequestError, match="different plan"):
        await runner(computer, checkpoints=store).run(
            plan, computer.info(), workflow_id="wf-3", resume_state=True
        )


async def test_checkpoint_after_each_step_and_resume_skips_done_steps(tmp_path):
    store = FileCheckpointStore(tmp_path)
    computer = PageComputer(url=A)
    steps = [
        {"type": "navigate", "params": {"url": A}},
        {"type": "navigate", "params": {"url": B}, "required": True, "retries": 0},
        {"type": "click", "intent": 'click "Ready"', "required": True, "retries": 0},
        {"type": "navigate", "params": {"url": A}},
    ]
    plan = plan_of(steps)
    first = await runner(computer, checkpoints=store).run(plan, computer.info(), workflow_id="w")
    assert first.status == "failed" and first.halt.cls == "required_step_failed"
    saved = msgspec.json.decode((tmp_path / "w.json").read_bytes())
    assert saved["step_index"] == 2 and len(saved["steps"]) == 2
    computer.pages[B] = "Ready"
    computer.log.clear()
    second = await runner(computer, checkpoints=store).run(
        plan, computer.info(), workflow_id="w", resume_state=True
    )
    assert second.status == "succeeded" and computer.visited() == [A]
    assert [s.index for s in second.steps] == [0, 1, 2, 3]
    assert await store.load("w") is None  # a finished run clears its checkpoint


async def test_budget_cap_halts_before_the_next_step():
    computer = PageComputer(url=A)
    brain = ScriptedBrain([Inference(action=Done(success=True), cost_usd=0.6)] * 3, name="claude")
    plan = plan_of([{"type": "holo3", "intent": "do a thing"}] * 3)
    out = await runner(computer, brain=brain).run(plan, computer.info(), max_cost=0.5)
    assert out.status == "failed" and out.halt is not None and out.halt.cls == "budget_cap"
    assert len(out.steps) == 1 and out.summary.cost_breakdown["claude"] == pytest.approx(0.6)
    assert "max_cost of $0.50" in out.halt.message


async def test_time_cap_halts_with_a_tiny_cap():
    computer = PageComputer(url=A, delay_s=0.02)
    plan = plan_of([{"type": "navigate", "params": {"url": f"{A}?p={i}"}} for i in range(20)])
    out = await runner(computer).run(plan, computer.info(), max_time_minutes=0.05 / 60)
    assert out.status == "failed" and out.halt.cls == "time_cap"
    assert 2 <= len(out.steps) <= 4


async def test_loop_stuck_when_iterations_leave_page_and_rows_unchanged():
    computer = PageComputer(url=A)
    plan = plan_of(
        [{"type": "loop", "loop_count": 10, "steps": [{"type": "wait", "params": {"seconds": 0}}]}],
        runtime={"state_repeat_threshold": 3},
    )
    out = await runner(computer).run(plan, computer.info())
    assert out.halt is not None and out.halt.cls == "loop_stuck"
    assert sum(1 for s in out.steps if s.type == "wait") == 3


async def test_loop_with_progress_is_not_stuck():
    computer = PageComputer(url=A)
    pages = [f"{A}?p={i}" for i in range(3)]
    collect = []
    for url in pages:
        collect += [
            {"type": "navigate", "params": {"url": url}},
            {"type": "extract_url", "out_var": "pages[]"},
        ]
    loop = {"type": "navigate", "params": {"url": "{{pages[i]}}"}}
    plan = plan_of(
        [*collect, {"type": "loop", "loop_count": 5, "steps": [loop]}],
        runtime={"state_repeat_threshold": 2},
    )
    out = await runner(computer).run(plan, computer.info())
    assert out.status == "succeeded" and out.halt is None
    assert computer.visited() == pages + pages


async def test_off_source_drift_after_the_step_budget():
    computer = PageComputer(url=A)
    plan = plan_of(
        [
            {"type": "navigate", "params": {"url": B}},
            {"type": "navigate", "params": {"url": A}},
            {"type": "navigate", "params": {"url": B}},
            {"type": "navigate", "params": {"url": f"{B}x"}},
            {"type": "navigate", "params": {"url": A}},
        ],
        runtime={"pinned_source_url_pattern": r"shop\.test", "off_source_step_budget": 1},
    )
    out = await runner(computer).run(plan, computer.info())
    assert out.halt is not None and out.halt.cls == "off_source_drift"
    assert len(out.steps) == 4 and "elsewhere.test/x" in out.halt.message


async def test_pause_keeps_scroll_offset_and_resume_scrolls_back():
    computer = PageComputer({A: "Form"}, url=A, scroll_step=100)
    computer.scroll_y = 600
    plan = plan_of(
        [
            {"type": "request_user_input", "params": {"prompt": "Code?"}},
            {"type": "navigate", "params": {"url": "http://shop.test/{{user_input}}"}},
        ]
    )
    r = runner(computer)
    paused = await r.run(plan, computer.info())
    assert paused.status == "paused" and paused.pause is not None
    assert paused.pause.browser_state == {"url": A, "scroll_y": 600}
    computer.scroll_y = 0  # e.g. the page reloaded in a new session
    done = await r.resume(plan, computer.info(), paused.pause, "42")
    assert done.status == "succeeded"
    scrolls = [a for kind, a in computer.log if kind == "act"]
    assert len(scrolls) == 2 and computer.visited()[-1] == "http://shop.test/42"
