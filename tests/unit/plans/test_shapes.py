"""Every plan shape loads into the model, and unknown keys survive the trip."""

from __future__ import annotations

import json

import msgspec
import pytest

from mantis.plans import (
    STEP_TYPES,
    LoadedPlan,
    MicroPlan,
    TaskSuite,
    TextPlan,
    dump_plan,
    load_plan,
)

STEPS = [
    {"type": "navigate", "intent": "Open the listings", "url": "https://example.com/cars"},
    {
        "type": "click",
        "intent": "Click 'Search'",
        "params": {"label": "Search", "colour": "blue"},
        "owner": "ops",
    },
    {"type": "extract_rows", "intent": "Read the rows", "extract": {"recipe": "cars"}},
]


def test_bare_array_is_a_micro_plan() -> None:
    loaded = load_plan(STEPS)

    assert isinstance(loaded.plan, MicroPlan)
    assert [s.type for s in loaded.plan.steps] == ["navigate", "click", "extract_rows"]
    assert loaded.warnings == []
    assert len(loaded.signature) == 64


def test_wrapped_plan_keeps_its_extra_keys() -> None:
    data = {
        "task_id": "cars-1",
        "domain": "example.com",
        "source_plan": {"v": 2},
        "steps": STEPS,
        "runtime": {"max_cost": 2.5, "proxy_provider": "oxylabs"},
    }

    plan = load_plan(data).plan

    assert isinstance(plan, MicroPlan)
    assert plan.extra == {"task_id": "cars-1", "domain": "example.com", "source_plan": {"v": 2}}
    assert plan.runtime.max_cost == 2.5
    assert plan.runtime.proxy_provider == "oxylabs"


def test_extra_keys_on_steps_and_params_are_kept_and_echoed() -> None:
    plan = load_plan(STEPS).plan
    assert isinstance(plan, MicroPlan)

    click = plan.steps[1]
    assert click.extra == {"owner": "ops"}
    assert click.params.label == "Search"
    assert click.params.extra == {"colour": "blue"}
    echoed = dump_plan(plan)
    assert echoed["steps"][1]["owner"] == "ops"
    assert echoed["steps"][1]["params"] == {"label": "Search", "colour": "blue"}


def test_dumped_plan_loads_back_equal() -> None:
    plan = load_plan({"steps": STEPS, "runtime": {"max_cost": 1}, "domain": "x"}).plan

    assert load_plan(dump_plan(plan)).plan == plan
    assert load_plan(plan).plan == plan


def test_json_text_is_parsed_and_prose_is_a_text_plan() -> None:
    assert isinstance(load_plan(json.dumps(STEPS)).plan, MicroPlan)
    assert isinstance(load_plan(json.dumps(STEPS).encode()).plan, MicroPlan)

    loaded = load_plan("  Open example.com and ask the user for the zip code, then search.\n")

    assert loaded.plan == TextPlan(
        "Open example.com and ask the user for the zip code, then search."
    )
    assert len(loaded.signature) == 64


def test_task_suite_without_micro_plan() -> None:
    data = {
        "session_name": "crm",
        "base_url": "https://crm.example.com",
        "auth": {"kind": "cookie"},
        "owner": "sales",
        "tasks": [
            {
                "task_id": 7,
                "intent": "Log in",
                "start_url": "https://crm.example.com/login",
                "save_session": True,
                "max_steps": 12,
                "verify": {"type": "url_contains", "value": "/dashboard"},
                "notes": "first",
            },
            {"task_id": "report", "intent": "Open the report", "require_session": True},
        ],
    }

    suite = load_plan(data).plan

    assert isinstance(suite, TaskSuite)
    assert suite.micro_plan is None
    assert suite.extra == {"owner": "sales"}
    assert suite.auth == {"kind": "cookie"}
    first, second = suite.tasks
    assert first.task_id == "7"
    assert first.verify is not None and first.verify.type == "url_contains"
    assert first.extra == {"notes": "first"}
    assert second.require_session and second.verify is None


@pytest.mark.parametrize("form", ["array", "object"])
def test_task_suite_with_micro_plan(form: str) -> None:
    micro = STEPS if form == "array" else {"steps": STEPS}
    data = {
        "session_name": "cars",
        "tasks": [{"task_id": "t", "intent": "unused"}],
        "runtime": {"max_time_minutes": 5},
        "_micro_plan": micro,
    }

    suite = load_plan(data).plan

    assert isinstance(suite, TaskSuite)
    assert suite.micro_plan is not None
    assert [s.type for s in suite.micro_plan.steps] == ["navigate", "click", "extract_rows"]
    assert suite.micro_plan.runtime.max_time_minutes == 5


def test_suite_signature_is_its_micro_plan_signature() -> None:
    suite = load_plan({"session_name": "s", "_micro_plan": STEPS})

    assert suite.signature == load_plan(STEPS).signature


def test_shorthands_are_normalised_into_params_and_budget() -> None:
    step = {"type": "wait", "intent": "Let it settle", "seconds": 3, "wait_for_load": True}
    click = {"type": "click", "intent": "Find the button", "max_steps": 4}

    plan = load_plan([step, click]).plan

    assert isinstance(plan, MicroPlan)
    assert plan.steps[0].params.seconds == 3.0
    assert plan.steps[0].params.wait_for_load is True
    assert plan.steps[1].budget == 4
    assert plan.steps[0].extra == {}


def test_explicit_params_win_over_shorthands() -> None:
    step = {"type": "navigate", "url": "https://a.test", "params": {"url": "https://b.test"}}

    plan = load_plan([step]).plan

    assert isinstance(plan, MicroPlan)
    assert plan.steps[0].params.url == "https://b.test"


def test_hint_strings_become_lists() -> None:
    step = {
        "type": "submit",
        "intent": "Submit the form",
        "params": {"label": "Send", "aliases": ["Submit", "Go"]},
        "hints": {"expect_url_contains": "/thanks", "expect_text_present": ["Thank", "you"]},
    }

    plan = load_plan([step]).plan

    assert isinstance(plan, MicroPlan)
    hints = plan.steps[0].hints
    assert hints.expect_url_contains == ["/thanks"]
    assert hints.expect_url_excludes == []
    assert hints.expect_text_present == ["Thank", "you"]


def test_every_step_field_decodes() -> None:
    steps = [
        {"type": "detect_visible", "intent": "Is there a banner?", "out_var": "banner"},
        {
            "type": "if_else",
            "intent": "Banner?",
            "condition_var": "banner",
            "then_target": 2,
            "else_target": -1,
        },
        {
            "type": "extract_data",
            "intent": "Read the car",
            "section": "extraction",
            "required": True,
            "retries": 0,
            "gate": True,
            "verify": "a price is visible",
            "claude_only": True,
            "grounding": True,
            "guard": "banner",
            "hint": "the price is bold",
            "extract": {
                "entity_name": "car",
                "schema_name": "cars",
                "max_items": 20,
                "fields": [
                    {"name": "price", "type": "float", "required": True, "example": 9.5},
                    {"name": "make", "type": "string"},
                ],
            },
        },
        {"type": "drag", "intent": "Move it", "params": {"from": [1, 2], "to": "Trash"}},
        {"type": "scroll", "intent": "Down", "params": {"direction": "down", "amount": 5}},
        {"type": "fill_field", "intent": "Zip", "params": {"label": "Zip", "value": 90210}},
        {
            "type": "paginate",
            "intent": "Next",
            "params": {"url_template": "/p/{n}", "max_pages": 3},
        },
        {"type": "tool_call", "intent": "Notify", "name": "notify", "args": {"to": "ops"}},
        {"type": "loop", "intent": "Again", "loop_target": 3, "loop_count": 2, "stop_var": "s"},
    ]

    plan = load_plan(steps).plan

    assert isinstance(plan, MicroPlan)
    extract = plan.steps[2]
    assert extract.extract is not None
    assert [f.type for f in extract.extract.fields] == ["float", "str"]
    assert extract.retries == 0 and extract.claude_only and extract.guard == "banner"
    assert plan.steps[3].params.from_ == (1, 2)
    assert plan.steps[3].params.to == "Trash"
    assert plan.steps[5].params.value == "90210"
    assert plan.steps[7].name == "notify"
    assert plan.steps[8].loop_count == 2


@pytest.mark.parametrize("kind", STEP_TYPES)
def test_every_step_type_is_accepted(kind: str) -> None:
    step: dict[str, object] = {"type": kind, "intent": "do it"}
    extras: dict[str, dict[str, object]] = {
        "if_else": {"condition_var": "x"},
        "loop": {"steps": [{"type": "click", "intent": "more"}]},
        "tool_call": {"name": "t"},
    }
    step.update(extras.get(kind, {}))

    plan = load_plan([step]).plan

    assert isinstance(plan, MicroPlan)
    assert plan.steps[0].type == kind


def test_nested_loop_body_is_decoded() -> None:
    steps = [
        {
            "type": "loop",
            "intent": "Each page",
            "loop_count": 3,
            "steps": [
                {"type": "extract_rows", "intent": "Read", "extract": {"recipe": "r"}},
                {"type": "paginate", "intent": "Next", "params": {"label": "Next"}, "tag": 1},
            ],
        }
    ]

    plan = load_plan(steps).plan

    assert isinstance(plan, MicroPlan)
    body = plan.steps[0].steps
    assert body is not None
    assert [s.type for s in body] == ["extract_rows", "paginate"]
    assert body[1].extra == {"tag": 1}


@pytest.mark.parametrize(
    "data",
    [
        STEPS,
        {"session_name": "s", "tasks": [{"task_id": "a", "intent": "x"}], "_micro_plan": STEPS},
        "Open the site and read the prices.",
    ],
)
def test_loaded_plan_survives_storage_as_json(data: object) -> None:
    loaded = load_plan(data)

    stored = msgspec.json.encode(loaded)

    assert msgspec.json.decode(stored, type=LoadedPlan) == loaded
