"""The demo plan runs through the runner on a real Xvfb + Chromium with local OCR."""

from __future__ import annotations

from pathlib import Path

import httpx
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

pytestmark = [pytest.mark.integration, pytest.mark.anyio]
ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


async def test_demo_plan_extracts_every_listing(demo_site: str, tmp_path: Path) -> None:
    data = msgspec.json.decode((ROOT / "examples/plans/demo.json").read_bytes())
    plan = load_plan(data, vars={"DEMO_URL": demo_site}).plan
    assert isinstance(plan, MicroPlan)
    providers = Providers(
        grounder=LocalGrounder(), verifier=LocalVerifier(), extractor=LocalExtractor()
    )
    events: list[tuple[str, dict]] = []

    async def sink(kind: str, data: dict) -> None:
        events.append((kind, data))

    computer = LocalComputer()
    try:
        info = await computer.open(SessionSpec(profile_dir=str(tmp_path / "profile")))
        outcome = await MicroPlanRunner(computer, providers, events=sink).run(plan, info)
    finally:
        await computer.close()

    failures = [(s.index, s.type, s.error) for s in outcome.steps if not s.success]
    assert outcome.status == "succeeded", failures
    assert failures == []
    async with httpx.AsyncClient() as client:
        expected = (await client.get(f"{demo_site}/api/listings.json")).json()
    assert outcome.fields == ["make", "model", "year", "price"]
    assert outcome.rows == [{k: r[k] for k in outcome.fields} for r in expected]
    assert outcome.final_url is not None and outcome.final_url.endswith("/listings")
    assert outcome.summary.viable == len(expected)
    kinds = [k for k, _ in events]
    assert kinds.count("step_started") == len(plan.steps)
    total = outcome.summary.total_time_s
    assert abs(sum(outcome.summary.wall_time_breakdown.values()) - total) <= 0.05 * total
