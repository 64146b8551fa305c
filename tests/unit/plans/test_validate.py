"""Semantic rules and caps: jump targets, control-flow requirements, clamps."""

from __future__ import annotations

from typing import Any

import pytest

from mantis.errors import ConfigError, PlanError
from mantis.plans import MicroPlan, PlanCaps, load_plan, validate_plan


def step(kind: str = "click", **fields: Any) -> dict[str, Any]:
    return {"type": kind, "intent": f"{kind} step", **fields}


def issues(data: Any, caps: PlanCaps | None = None) -> list[tuple[str, str]]:
    return [(i.path, i.message) for i in validate_plan(data, caps or PlanCaps())]


def test_loop_target_out_of_range() -> None:
    plan = [step(), step(), step(), step(), step("loop", loop_target=5)]

    assert issues(plan) == [("steps[4].loop_target", "out of range (plan has 5 steps)")]


@pytest.mark.parametrize("target", [4, 3])
def test_loop_target_must_point_backwards(target: int) -> None:
    plan = [step(), step(), step(), step("loop", loop_target=target), step()]

    [(path, message)] = issues(plan)

    assert path == "steps[3].loop_target"
    assert message.startswith("must point backwards")


def test_loop_target_minus_one_is_out_of_range() -> None:
    plan = [step(), step("loop", loop_target=-1)]

    assert issues(plan) == [("steps[1].loop_target", "out of range (plan has 2 steps)")]


def test_if_else_targets_allow_minus_one_but_not_out_of_range() -> None:
    ok = [step("if_else", condition_var="x", then_target=1, else_target=-1), step()]
    bad = [step("if_else", condition_var="x", then_target=2, else_target=-2), step()]

    assert issues(ok) == []
    assert issues(bad) == [
        ("steps[0].then_target", "out of range (plan has 2 steps)"),
        ("steps[0].else_target", "out of range (plan has 2 steps)"),
    ]


def test_targets_inside_a_loop_body_count_from_the_body() -> None:
    body = [step(), step("loop", loop_target=0, loop_count=2), step("loop", loop_target=3)]
    plan = [step(), step(), step("loop", loop_count=2, steps=body)]

    assert issues(plan) == [("steps[2].steps[2].loop_target", "out of range (plan has 3 steps)")]


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ([step("if_else")], [("steps[0].condition_var", "required for if_else")]),
        ([step("tool_call")], [("steps[0].name", "required for tool_call")]),
        ([step("loop")], [("steps[0]", "loop needs loop_target or an inline steps body")]),
        (
            [step(), step("loop", loop_target=0, steps=[step()])],
            [("steps[1]", "loop takes loop_target or an inline steps body, not both")],
        ),
        (
            [step("extract_data", extract={"entity_name": "car"})],
            [("steps[0].extract", "expected fields or recipe, got neither")],
        ),
    ],
)
def test_control_flow_steps_need_their_fields(data: Any, expected: list[tuple[str, str]]) -> None:
    assert issues(data) == expected


def test_too_many_steps_names_the_cap() -> None:
    with pytest.raises(PlanError) as caught:
        load_plan([step()] * 201)

    assert caught.value.path == "steps"
    assert "201 steps" in caught.value.reason
    assert "max_steps_per_plan is 200" in caught.value.reason


def test_nested_steps_count_towards_the_cap() -> None:
    caps = PlanCaps(max_steps_per_plan=4)
    nested = [step(), step(), step("loop", loop_count=2, steps=[step(), step()])]

    [(path, message)] = issues(nested, caps)

    assert path == "steps"
    assert message.startswith("plan has 5 steps")
    assert issues(nested[1:], caps) == []


def test_loop_count_above_the_cap_is_clamped_with_a_warning() -> None:
    plan = [step(), step("loop", loop_target=0, loop_count=500)]

    loaded = load_plan(plan, caps=PlanCaps(max_loop_iterations=50))

    assert isinstance(loaded.plan, MicroPlan)
    assert loaded.plan.steps[1].loop_count == 50
    assert loaded.warnings == ["steps[1].loop_count: 500 clamped to 50 (max_loop_iterations)"]


def test_nested_loop_count_is_clamped_too() -> None:
    plan = [step("loop", loop_count=3, steps=[step(), step("loop", loop_target=0, loop_count=99)])]

    loaded = load_plan(plan, caps=PlanCaps(max_loop_iterations=10))

    assert isinstance(loaded.plan, MicroPlan)
    body = loaded.plan.steps[0].steps
    assert body is not None and body[1].loop_count == 10
    assert loaded.warnings == [
        "steps[0].steps[1].loop_count: 99 clamped to 10 (max_loop_iterations)"
    ]


def test_wait_seconds_above_the_cap_are_clamped_with_a_warning() -> None:
    loaded = load_plan([step("wait", seconds=120)], caps=PlanCaps(max_wait_seconds=30))

    assert isinstance(loaded.plan, MicroPlan)
    assert loaded.plan.steps[0].params.seconds == 30
    assert loaded.warnings == ["steps[0].params.seconds: 120 clamped to 30 (max_wait_seconds)"]


def test_unknown_runtime_keys_are_dropped_with_a_warning() -> None:
    data = {"steps": [step()], "runtime": {"max_cost": 3, "gpu": "h100"}}

    loaded = load_plan(data)

    assert isinstance(loaded.plan, MicroPlan)
    assert loaded.plan.runtime.max_cost == 3
    assert loaded.warnings == ["runtime.gpu: unknown runtime key dropped"]


def test_runtime_block_decodes_every_field() -> None:
    runtime = {
        "proxy_disabled": False,
        "proxy_provider": "iproyal",
        "proxy_city": "Austin",
        "proxy_state": "TX",
        "max_cost": 0,
        "max_time_minutes": 1,
        "state_repeat_threshold": 3,
        "pinned_source_url_pattern": "example.com",
        "off_source_step_budget": 2,
    }

    plan = load_plan({"steps": [step()], "runtime": runtime}).plan

    assert isinstance(plan, MicroPlan)
    assert plan.runtime.proxy_city == "Austin"
    assert plan.runtime.state_repeat_threshold == 3
    assert plan.runtime.off_source_step_budget == 2


@pytest.mark.parametrize(
    "bad",
    [{"max_steps_per_plan": 0}, {"max_loop_iterations": -1}, {"max_wait_seconds": -1.0}],
)
def test_caps_reject_impossible_limits(bad: dict[str, Any]) -> None:
    with pytest.raises(ConfigError):
        PlanCaps(**bad)
