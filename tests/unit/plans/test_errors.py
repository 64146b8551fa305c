"""Invalid plans are rejected with the JSON path of the field and an expected-vs-got message."""

from __future__ import annotations

from typing import Any

import pytest

from mantis.errors import PlanError
from mantis.plans import STEP_TYPES, load_plan, validate_plan


def rejection(data: Any, **kwargs: Any) -> PlanError:
    with pytest.raises(PlanError) as caught:
        load_plan(data, **kwargs)
    return caught.value


def click(**fields: Any) -> dict[str, Any]:
    return {"type": "click", "intent": "Click it", **fields}


@pytest.mark.parametrize(
    ("data", "path", "message"),
    [
        ([click(), click(), click(budget="8")], "steps[2].budget", "expected int, got str"),
        ([click(max_steps="8")], "steps[0].max_steps", "expected int, got str"),
        ([click(url=3)], "steps[0].url", "expected str, got int"),
        ([click(params={"label": 3})], "steps[0].params.label", "expected str, got int"),
        ([click(params=[])], "steps[0].params", "expected object, got array"),
        ([click(required="yes")], "steps[0].required", "expected bool, got str"),
        (
            [click(hints={"expect_url_contains": 5})],
            "steps[0].hints.expect_url_contains",
            "got int",
        ),
        ([click(retries=-1)], "steps[0].retries", "expected int >= 0, got -1"),
        ([{"intent": "no type"}], "steps[0].type", "required field missing"),
        ([{"type": 4}], "steps[0].type", "expected str, got int"),
        (["click"], "steps[0]", "expected object, got str"),
        ({"steps": {"type": "click"}}, "steps", "expected array of steps, got object"),
        (
            [{"type": "drag", "params": {"from": [1, "a"]}}],
            "steps[0].params.from[1]",
            "expected int, got str",
        ),
        (
            [{"type": "scroll", "params": {"direction": "sideways"}}],
            "steps[0].params.direction",
            "expected one of up, down, left, right; got 'sideways'",
        ),
        (
            [{"type": "extract_data", "extract": {"fields": [{"name": "a", "type": "date"}]}}],
            "steps[0].extract.fields[0].type",
            "expected one of str, int, float, bool; got 'date'",
        ),
        (
            [{"type": "extract_data", "extract": {"fields": [{"type": "str"}]}}],
            "steps[0].extract.fields[0].name",
            "required field missing",
        ),
        (
            {"steps": [click()], "runtime": {"max_cost": -1}},
            "runtime.max_cost",
            "expected float >= 0.0, got -1",
        ),
        (
            {"steps": [click()], "runtime": {"max_time_minutes": 0.5}},
            "runtime.max_time_minutes",
            "expected float >= 1.0, got 0.5",
        ),
        (
            {"steps": [click()], "runtime": {"proxy_provider": "tor"}},
            "runtime.proxy_provider",
            "expected one of privateproxy, oxylabs, iproyal; got 'tor'",
        ),
        ({"steps": [click()], "runtime": []}, "runtime", "expected object, got array"),
        (
            {
                "tasks": [
                    {"task_id": "a", "intent": "x", "verify": {"type": "url_is", "value": "/"}}
                ]
            },
            "tasks[0].verify.type",
            "expected one of url_contains, url_not_contains, page_contains_text, "
            "page_not_contains_text, title_contains; got 'url_is'",
        ),
        ({"tasks": [{"task_id": "a"}]}, "tasks[0].intent", "required field missing"),
        ({"tasks": [{"intent": "x"}]}, "tasks[0].task_id", "required field missing"),
        (
            {"tasks": [{"task_id": "a", "intent": "x", "max_steps": 0}]},
            "tasks[0].max_steps",
            "expected int >= 1, got 0",
        ),
        ({"tasks": "log in"}, "tasks", "expected array of tasks, got str"),
        ({"tasks": []}, "tasks", "expected at least one task"),
        ({"tasks": None}, "tasks", "expected at least one task"),
        (
            {"session_name": 3, "tasks": [{"task_id": "a", "intent": "x"}]},
            "session_name",
            "got int",
        ),
        (
            {"tasks": [], "_micro_plan": [click(), {"type": "hover"}]},
            "_micro_plan[1].type",
            "unknown step type 'hover'",
        ),
        (
            {"tasks": [], "_micro_plan": {"steps": [click(budget=0)]}},
            "_micro_plan.steps[0].budget",
            "expected int >= 1, got 0",
        ),
    ],
)
def test_bad_field_names_its_path(data: Any, path: str, message: str) -> None:
    error = rejection(data)

    assert error.path == path
    assert message in error.reason
    assert error.status_code == 400


def test_unknown_step_type_lists_the_known_types() -> None:
    error = rejection([click(), {"type": "hover", "intent": "Hover the menu"}])

    assert error.path == "steps[1].type"
    assert error.reason == f"unknown step type 'hover'; known types: {', '.join(STEP_TYPES)}"
    assert str(error).startswith("steps[1].type: unknown step type 'hover'; known types: navigate,")


def test_nested_loop_error_has_the_nested_path() -> None:
    plan = [
        click(),
        click(),
        click(),
        {"type": "loop", "loop_count": 2, "steps": [{"type": "wait", "seconds": "x"}]},
    ]

    error = rejection(plan)

    assert error.path == "steps[3].steps[0].seconds"
    assert error.reason == "expected float, got str"


def test_nested_unknown_type_has_the_nested_path() -> None:
    plan = [click(), {"type": "loop", "steps": [click(), {"type": "teleport"}]}]

    assert rejection(plan).path == "steps[1].steps[1].type"


def test_error_lists_every_problem_first_one_raised() -> None:
    plan = [click(budget="x"), {"type": "hover"}, click(loop_target=9)]

    error = rejection(plan)

    assert error.path == "steps[0].budget"
    assert error.extra["path"] == "steps[0].budget"
    assert error.extra["errors"] == [
        {"path": "steps[0].budget", "message": "expected int, got str"},
        {"path": "steps[1].type", "message": error.extra["errors"][1]["message"]},
        {"path": "steps[2].loop_target", "message": "out of range (plan has 3 steps)"},
    ]
    assert [(i.path, i.message) for i in validate_plan(plan)] == [
        (e["path"], e["message"]) for e in error.extra["errors"]
    ]


def test_valid_plan_has_no_issues() -> None:
    assert validate_plan([click()]) == []


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ("", "plan is empty"),
        ("[{", "malformed JSON"),
        (b"\xff\xfe", "not UTF-8"),
        ({"name": "no steps"}, "expected an array of steps, an object with steps, or a task suite"),
        (42, "got int"),
    ],
)
def test_unrecognisable_input_is_rejected_at_the_root(data: Any, message: str) -> None:
    error = rejection(data)

    assert error.path == ""
    assert message in error.reason
