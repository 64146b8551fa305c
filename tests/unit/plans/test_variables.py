"""{{NAME}} placeholders: filled from vars at load, {{user_input}} kept for resume."""

from __future__ import annotations

import pytest

from mantis.errors import PlanError
from mantis.plans import MicroPlan, TaskSuite, fill_user_input, load_plan, substitute


def test_substitute_fills_known_names_and_leaves_the_rest() -> None:
    text = "{{HOST}}/a/{{ PATH }}/{{user_input}}/{{missing}}"

    assert substitute(text, {"HOST": "h", "PATH": "p"}) == "h/a/p/{{user_input}}/{{missing}}"


def test_substitute_ignores_text_that_is_not_a_placeholder() -> None:
    assert substitute("{HOST} {{}} {{1x}}", {"HOST": "h", "1x": "no"}) == "{HOST} {{}} {{1x}}"


def test_vars_fill_every_string_field_at_load() -> None:
    steps = [
        {"type": "navigate", "intent": "Open {{SITE}}", "url": "{{ENV_URL}}/login"},
        {
            "type": "fill_field",
            "intent": "Email",
            "params": {"label": "Email", "value": "{{EMAIL}}"},
        },
        {"type": "tool_call", "name": "notify", "args": {"to": ["{{EMAIL}}"]}},
    ]
    values = {"ENV_URL": "https://crm.test", "SITE": "the CRM", "EMAIL": "a@b.test"}

    plan = load_plan(steps, vars=values).plan

    assert isinstance(plan, MicroPlan)
    assert plan.steps[0].intent == "Open the CRM"
    assert plan.steps[0].params.url == "https://crm.test/login"
    assert plan.steps[1].params.value == "a@b.test"
    assert plan.steps[2].args == {"to": ["a@b.test"]}


def test_unresolved_placeholder_names_the_field_and_variable() -> None:
    steps = [{"type": "navigate", "intent": "Open", "params": {"url": "{{ENV_URL}}/x"}}]

    with pytest.raises(PlanError) as caught:
        load_plan(steps, vars={"OTHER": "1"})

    assert caught.value.path == "steps[0].params.url"
    assert caught.value.reason == "unresolved placeholder {{ENV_URL}}; pass it in vars"


def test_unresolved_placeholder_in_a_shorthand_url_reports_the_normalised_path() -> None:
    with pytest.raises(PlanError) as caught:
        load_plan([{"type": "navigate", "url": "{{ ENV_URL }}"}])

    assert str(caught.value) == (
        "steps[0].params.url: unresolved placeholder {{ENV_URL}}; pass it in vars"
    )


def test_user_input_is_left_for_resume() -> None:
    steps = [
        {"type": "request_user_input", "intent": "Ask", "params": {"prompt": "Zip code?"}},
        {
            "type": "fill_field",
            "intent": "Type {{user_input}}",
            "params": {"value": "{{user_input}}"},
        },
    ]

    plan = load_plan(steps).plan

    assert isinstance(plan, MicroPlan)
    assert plan.steps[1].params.value == "{{user_input}}"


def test_placeholders_in_extra_keys_are_ignored() -> None:
    plan = load_plan([{"type": "click", "note": "{{NOBODY}}"}]).plan

    assert isinstance(plan, MicroPlan)
    assert plan.steps[0].extra == {"note": "{{NOBODY}}"}


def test_suite_fields_and_micro_plan_are_filled() -> None:
    data = {
        "session_name": "s",
        "base_url": "{{ENV_URL}}",
        "auth": {"user": "{{USER}}"},
        "tasks": [{"task_id": "a", "intent": "Log in as {{USER}}"}],
        "_micro_plan": [{"type": "navigate", "url": "{{ENV_URL}}/home"}],
    }

    suite = load_plan(data, vars={"ENV_URL": "https://x.test", "USER": "ann"}).plan

    assert isinstance(suite, TaskSuite)
    assert suite.base_url == "https://x.test"
    assert suite.auth == {"user": "ann"}
    assert suite.tasks[0].intent == "Log in as ann"
    assert suite.micro_plan is not None
    assert suite.micro_plan.steps[0].params.url == "https://x.test/home"


def test_unresolved_in_a_suite_micro_plan_has_its_path() -> None:
    data = {"tasks": [], "_micro_plan": [{"type": "click"}, {"type": "navigate", "url": "{{U}}"}]}

    with pytest.raises(PlanError) as caught:
        load_plan(data)

    assert caught.value.path == "_micro_plan[1].params.url"


def test_fill_user_input_fills_intents_and_params_from_start_on() -> None:
    steps = [
        {
            "type": "type_text",
            "intent": "early {{user_input}}",
            "params": {"text": "{{user_input}}"},
        },
        {"type": "request_user_input", "intent": "Ask", "params": {"prompt": "Zip?"}},
        {
            "type": "fill_field",
            "intent": "Type {{user_input}} into Zip",
            "params": {"label": "Zip", "value": "{{ user_input }}", "aliases": ["{{user_input}}"]},
            "verify": "{{user_input}} shown",
        },
        {
            "type": "loop",
            "loop_count": 1,
            "steps": [{"type": "type_text", "params": {"text": "again {{user_input}}"}}],
        },
    ]
    plan = load_plan(steps).plan
    assert isinstance(plan, MicroPlan)

    filled = fill_user_input(plan, "90210", start=2)

    assert filled.steps[0] == plan.steps[0]
    assert filled.steps[2].intent == "Type 90210 into Zip"
    assert filled.steps[2].params.value == "90210"
    assert filled.steps[2].params.aliases == ["90210"]
    assert filled.steps[2].verify == "{{user_input}} shown"  # only intents and params
    body = filled.steps[3].steps
    assert body is not None and body[0].params.text == "again 90210"
    assert plan.steps[2].params.value == "{{ user_input }}"  # the original is unchanged


def test_suite_runtime_is_filled_once_and_shared_with_its_micro_plan() -> None:
    data = {
        "runtime": {"proxy_city": "{{CITY}}"},
        "_micro_plan": [{"type": "click"}],
    }

    suite = load_plan(data, vars={"CITY": "Austin"}).plan

    assert isinstance(suite, TaskSuite)
    assert suite.runtime.proxy_city == "Austin"
    assert suite.micro_plan is not None
    assert suite.micro_plan.runtime.proxy_city == "Austin"
    with pytest.raises(PlanError) as caught:
        load_plan(data)
    assert caught.value.extra["errors"] == [
        {
            "path": "runtime.proxy_city",
            "message": "unresolved placeholder {{CITY}}; pass it in vars",
        }
    ]
