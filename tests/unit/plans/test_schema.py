"""The JSON Schema is generated from the model and describes what the loader accepts."""

from __future__ import annotations

import json

from mantis.plans import STEP_TYPES, VERIFY_TYPES, plan_json_schema


def test_schema_is_draft_2020_12_json_with_a_title() -> None:
    schema = plan_json_schema()

    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["title"] == "Mantis plan"
    assert json.loads(json.dumps(schema)) == schema


def test_schema_lists_every_step_type_as_an_enum() -> None:
    step_type = plan_json_schema()["$defs"]["Step"]["properties"]["type"]

    assert set(step_type["enum"]) == set(STEP_TYPES)
    assert plan_json_schema()["$defs"]["Step"]["required"] == ["type"]


def test_schema_covers_every_shape() -> None:
    schema = plan_json_schema()
    refs = json.dumps(schema["anyOf"])

    assert '"type": "array"' in refs and '"type": "string"' in refs
    assert "#/$defs/MicroPlan" in refs and "#/$defs/TaskSuite" in refs
    suite = schema["$defs"]["TaskSuite"]["properties"]
    assert "_micro_plan" in suite
    verify = schema["$defs"]["TaskVerify"]["properties"]["type"]
    assert set(verify["enum"]) == set(VERIFY_TYPES)


def test_schema_describes_input_not_internals() -> None:
    defs = plan_json_schema()["$defs"]
    step = defs["Step"]["properties"]

    assert all("extra" not in d.get("properties", {}) for d in defs.values())
    assert all(d["additionalProperties"] is True for d in defs.values())
    assert {"url", "seconds", "wait_for_load", "max_steps"} <= set(step)
    assert "from" in defs["StepParams"]["properties"]
    hint = defs["Hints"]["properties"]["expect_url_contains"]
    assert {"type": "string"} in hint["anyOf"]
    assert defs["Runtime"]["properties"]["proxy_provider"]["anyOf"][0]["enum"]
