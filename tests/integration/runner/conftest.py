"""Shared fixtures: one real Xvfb + Chromium per test, and the local OCR providers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from mantis.brains.providers import LocalExtractor, LocalGrounder, LocalVerifier
from mantis.gym.base import SessionInfo, SessionSpec
from mantis.gym.computer import LocalComputer
from mantis.plans import MicroPlan, load_plan
from mantis.runner.context import Providers


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def providers() -> Providers:
    return Providers(grounder=LocalGrounder(), verifier=LocalVerifier(), extractor=LocalExtractor())


@pytest.fixture
async def browser(tmp_path: Path) -> AsyncIterator[tuple[LocalComputer, SessionInfo]]:
    computer = LocalComputer()
    try:
        info = await computer.open(SessionSpec(profile_dir=str(tmp_path / "profile")))
        yield computer, info
    finally:
        await computer.close()


def micro(steps: list[dict], demo: str, **extra: object) -> MicroPlan:
    plan = load_plan({"steps": steps, **extra}, vars={"DEMO_URL": demo}).plan
    assert isinstance(plan, MicroPlan)
    return plan


def failures(outcome) -> list:  # type: ignore[no-untyped-def]
    return [(s.index, s.type, s.error) for s in outcome.steps if not s.success]
