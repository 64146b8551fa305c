from __future__ import annotations

import pytest

from mantis.plans import MicroPlan, load_plan


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def plan_of(steps: list[dict], **extra: object) -> MicroPlan:
    plan = load_plan({"steps": steps, **extra}).plan
    assert isinstance(plan, MicroPlan)
    return plan
