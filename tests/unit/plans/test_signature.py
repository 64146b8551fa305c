"""The plan signature: stable under key order and defaults, sensitive to content."""

from __future__ import annotations

import hashlib
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from mantis.plans import load_plan, plan_signature

STEPS: list[dict[str, Any]] = [
    {"type": "navigate", "intent": "Open", "url": "https://example.com"},
    {
        "type": "fill_field",
        "intent": "Fill the zip",
        "params": {"label": "Zip", "value": "90210"},
        "hints": {"expect_text_present": ["Results"]},
        "budget": 4,
    },
    {"type": "loop", "intent": "Again", "loop_target": 1, "loop_count": 3},
]


def signature(data: Any, **kwargs: Any) -> str:
    return load_plan(data, **kwargs).signature


def reorder(value: Any, data: st.DataObject) -> Any:
    if isinstance(value, dict):
        keys = data.draw(st.permutations(list(value)))
        return {k: reorder(value[k], data) for k in keys}
    if isinstance(value, list):
        return [reorder(v, data) for v in value]
    return value


@given(st.data())
def test_signature_is_invariant_under_key_order(data: st.DataObject) -> None:
    assert signature(reorder(STEPS, data)) == signature(STEPS)


@given(st.integers(min_value=1, max_value=10_000))
def test_signature_changes_with_the_budget(budget: int) -> None:
    changed = [STEPS[0], {**STEPS[1], "budget": budget}, STEPS[2]]

    assert (signature(changed) == signature(STEPS)) == (budget == 4)


def test_signature_is_sha256_of_canonical_json() -> None:
    plan = load_plan([{"type": "click", "intent": "Go", "params": {"label": "OK"}}]).plan
    canonical = b'[{"intent":"Go","params":{"label":"OK"},"type":"click"}]'

    assert plan_signature(plan) == hashlib.sha256(canonical).hexdigest()


def test_signature_ignores_shape_extras_and_spelled_out_defaults() -> None:
    wrapped = {"task_id": "t1", "steps": [{**s, "note": "x"} for s in STEPS]}
    explicit = [{**s, "retries": 2, "required": False} for s in STEPS]
    shorthand = [{**STEPS[0], "url": None, "params": {"url": "https://example.com"}}, *STEPS[1:]]

    assert signature(wrapped) == signature(STEPS)
    assert signature(explicit) == signature(STEPS)
    assert signature(shorthand) == signature(STEPS)


def test_signature_changes_with_content() -> None:
    other_intent = [{**STEPS[0], "intent": "Open it"}, *STEPS[1:]]
    other_type = [STEPS[0], {**STEPS[1], "type": "type_text"}, STEPS[2]]

    assert len({signature(STEPS), signature(other_intent), signature(other_type)}) == 3


def test_signature_is_taken_after_substitution() -> None:
    templated = [{"type": "navigate", "url": "{{ENV_URL}}"}]

    first = signature(templated, vars={"ENV_URL": "https://a.test"})

    assert first == signature([{"type": "navigate", "url": "https://a.test"}])
    assert first != signature(templated, vars={"ENV_URL": "https://b.test"})


def test_text_plan_signature_ignores_surrounding_whitespace() -> None:
    assert signature("Open the site.") == signature("\n Open the site. ")
    assert signature("Open the site.") != signature("Open the other site.")


def test_task_suite_signature_follows_its_tasks() -> None:
    suite = {"session_name": "s", "tasks": [{"task_id": "a", "intent": "Log in"}]}
    changed = {"session_name": "s", "tasks": [{"task_id": "a", "intent": "Log out"}]}
    renamed = {**suite, "session_name": "other", "owner": "ops"}

    assert signature(suite) != signature(changed)
    assert signature(suite) == signature(renamed)
