"""Runner overhead on the demo plan, on a real Xvfb + Chromium with local OCR.

    python bench/runner_overhead.py [--runs 3]   prints tables, writes bench/results/runner_overhead.json

Runs examples/plans/demo.json against the demo site ``--runs`` times (a fresh
browser profile each time; browser start-up is not counted) and reports the
wall time per step split into the nine buckets, and the runner's own
``overhead`` share of the total (target < 5 %). Baseline, in the same run: the
computer calls the first run made (navigate, act, settle, screenshot,
current_url), recorded and replayed in a fresh browser with no runner and no
OCR; the ratio runner / replay is what the runner's perception and bookkeeping
add on top of the bare browser work.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import anyio
import msgspec

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "examples" / "demo_site"))

import server as demo_site  # noqa: E402

from mantis.brains.actions import Action  # noqa: E402
from mantis.brains.providers import LocalExtractor, LocalGrounder, LocalVerifier  # noqa: E402
from mantis.gym.base import ActResult, Screenshot, SessionInfo, SessionSpec  # noqa: E402
from mantis.gym.computer import LocalComputer  # noqa: E402
from mantis.plans import MicroPlan, load_plan  # noqa: E402
from mantis.runner.context import Providers  # noqa: E402
from mantis.runner.meter import BUCKETS  # noqa: E402
from mantis.runner.micro import MicroPlanRunner  # noqa: E402

TARGET_OVERHEAD = 0.05


class Recorder:
    """A ``Computer`` that passes every call through and records it for replay."""

    def __init__(self, inner: LocalComputer) -> None:
        self.inner = inner
        self.calls: list[tuple[str, tuple[Any, ...]]] = []

    async def open(self, spec: SessionSpec) -> SessionInfo:
        return await self.inner.open(spec)

    async def screenshot(self) -> Screenshot:
        self.calls.append(("screenshot", ()))
        return await self.inner.screenshot()

    async def act(self, action: Action) -> ActResult:
        self.calls.append(("act", (action,)))
        return await self.inner.act(action)

    async def navigate(self, url: str) -> None:
        self.calls.append(("navigate", (url,)))
        await self.inner.navigate(url)

    async def current_url(self) -> str:
        self.calls.append(("current_url", ()))
        return await self.inner.current_url()

    async def settle(self, floor_s: float = 0.15, ceiling_s: float = 3.0) -> float:
        self.calls.append(("settle", (floor_s, ceiling_s)))
        return await self.inner.settle(floor_s, ceiling_s)

    async def close(self) -> None:
        await self.inner.close()


def demo_plan(site: str) -> MicroPlan:
    data = msgspec.json.decode((ROOT / "examples/plans/demo.json").read_bytes())
    plan = load_plan(data, vars={"DEMO_URL": site}).plan
    assert isinstance(plan, MicroPlan)
    return plan


async def one_run(plan: MicroPlan, profile: Path) -> tuple[Any, list[tuple[str, tuple[Any, ...]]]]:
    providers = Providers(
        grounder=LocalGrounder(), verifier=LocalVerifier(), extractor=LocalExtractor()
    )
    computer = Recorder(LocalComputer())
    try:
        info = await computer.open(SessionSpec(profile_dir=str(profile)))
        outcome = await MicroPlanRunner(computer, providers).run(plan, info)
    finally:
        await computer.close()
    return outcome, computer.calls


async def replay(calls: list[tuple[str, tuple[Any, ...]]], profile: Path) -> float:
    computer = LocalComputer()
    try:
        await computer.open(SessionSpec(profile_dir=str(profile)))
        started = time.perf_counter()
        for name, args in calls:
            await getattr(computer, name)(*args)
        return time.perf_counter() - started
    finally:
        await computer.close()


def fmt(v: float) -> str:
    return f"{v:7.3f}"


async def main(runs: int) -> int:
    server, site = demo_site.start()
    plan = demo_plan(site)
    outcomes = []
    calls: list[tuple[str, tuple[Any, ...]]] = []
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(runs):
            outcome, recorded = await one_run(plan, Path(tmp) / f"run{i}")
            if outcome.status != "succeeded":
                bad = [(s.index, s.error) for s in outcome.steps if not s.success]
                print(f"run {i}: {outcome.status} {bad}")
                return 1
            outcomes.append(outcome)
            calls = calls or recorded
        raw_s = await replay(calls, Path(tmp) / "replay")
    server.shutdown()

    totals = [o.summary.total_time_s for o in outcomes]
    per_step: list[dict[str, Any]] = []
    print(f"demo plan, {runs} runs; mean seconds per step and bucket")
    short = [b.replace("claude_", "c_") for b in BUCKETS]
    print(f"{'#':>2} {'type':14}" + "".join(f"{b:>10}" for b in short) + f"{'total':>10}")
    for idx, step in enumerate(outcomes[0].steps):
        buckets = {
            b: statistics.mean(o.steps[idx].time_breakdown.get(b, 0.0) for o in outcomes)
            for b in BUCKETS
        }
        total = statistics.mean(o.steps[idx].duration_s for o in outcomes)
        per_step.append({"index": idx, "type": step.type, "total_s": total, "buckets": buckets})
        cells = "".join(f"{buckets[b]:10.3f}" for b in BUCKETS)
        print(f"{idx:>2} {step.type:14}{cells}{total:10.3f}")
    summary = {
        b: statistics.mean(o.summary.wall_time_breakdown.get(b, 0.0) for o in outcomes)
        for b in BUCKETS
    }
    mean_total = statistics.mean(totals)
    share = summary["overhead"] / mean_total
    print(
        f"   {'run total':14}"
        + "".join(f"{summary[b]:10.3f}" for b in BUCKETS)
        + f"{mean_total:10.3f}"
    )
    print(
        f"\nrunner overhead: {summary['overhead'] * 1000:.1f} ms of {mean_total:.2f} s "
        f"= {share:.2%} (target < {TARGET_OVERHEAD:.0%}) "
        f"{'OK' if share < TARGET_OVERHEAD else 'OVER TARGET'}"
    )
    print(
        f"baseline: {len(calls)} raw computer calls replayed with no runner in {raw_s:.2f} s; "
        f"runner / raw = {mean_total / raw_s:.2f}x (the difference is OCR perception + checks)"
    )
    out = ROOT / "bench" / "results" / "runner_overhead.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    result = {
        "runs": runs,
        "total_s": totals,
        "mean_total_s": mean_total,
        "buckets_s": summary,
        "overhead_share": share,
        "target_overhead_share": TARGET_OVERHEAD,
        "steps": per_step,
        "baseline": {"raw_calls": len(calls), "raw_s": raw_s, "ratio": mean_total / raw_s},
    }
    out.write_text(json.dumps(result, indent=2))
    print(f"wrote {out.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    sys.exit(anyio.run(main, args.runs))
