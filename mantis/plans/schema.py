"""The JSON Schema (draft 2020-12) of plan input, generated from the model.

``msgspec`` describes the normalised Structs; the input accepts a little more,
so the generated schema is widened to match what :func:`load_plan` takes:
hint values may be a single string, steps may use the top-level shorthands,
``params.value`` and ``task_id`` may be numbers, ``_micro_plan`` may be a bare
array, and extraction field types may use their long names (``string``,
``integer``...). The internal ``extra`` field and the ``shape`` storage tag are
left out; unknown keys are allowed everywhere instead.
"""

from __future__ import annotations

from typing import Any

import msgspec

from mantis.plans.decode import FIELD_TYPE_ALIASES
from mantis.plans.model import MicroPlan, TaskSuite

DRAFT = "https://json-schema.org/draft/2020-12/schema"

_STEP_SHORTHANDS: dict[str, dict[str, Any]] = {
    "url": {"type": "string", "description": "Shorthand for params.url."},
    "seconds": {"type": "number", "minimum": 0, "description": "Shorthand for params.seconds."},
    "wait_for_load": {"type": "boolean", "description": "Shorthand for params.wait_for_load."},
    "max_steps": {"type": "integer", "minimum": 1, "description": "Alias of budget."},
}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/$defs/{name}"}


def _widen(defs: dict[str, Any]) -> None:
    for definition in defs.values():
        properties = definition.get("properties", {})
        properties.pop("extra", None)
        if properties.pop("shape", None) is not None:  # the storage tag, not input
            definition["required"].remove("shape")
            if not definition["required"]:
                del definition["required"]
        definition["additionalProperties"] = True

    for prop in defs["Hints"]["properties"].values():
        items = {key: prop.pop(key) for key in list(prop) if key != "default"}
        prop["anyOf"] = [{"type": "string"}, items]

    defs["Step"]["properties"].update(_STEP_SHORTHANDS)
    defs["Step"]["properties"]["type"]["type"] = "string"
    defs["StepParams"]["properties"]["value"]["anyOf"].insert(1, {"type": "number"})
    task_id = defs["Task"]["properties"]["task_id"]
    defs["Task"]["properties"]["task_id"] = {"anyOf": [task_id, {"type": "integer"}]}
    defs["TaskSuite"]["properties"]["_micro_plan"] = {
        "anyOf": [{"type": "array", "items": _ref("Step")}, _ref("MicroPlan"), {"type": "null"}],
        "default": None,
    }
    field_type = defs["ExtractField"]["properties"]["type"]
    field_type["enum"] = [*field_type["enum"], *FIELD_TYPE_ALIASES]


def plan_json_schema() -> dict[str, Any]:
    """The schema every accepted plan shape validates against."""
    _, defs = msgspec.json.schema_components([MicroPlan, TaskSuite], ref_template="#/$defs/{name}")
    _widen(defs)
    return {
        "$schema": DRAFT,
        "title": "Mantis plan",
        "description": (
            "A micro-plan (an array of steps, or an object with steps and runtime), "
            "a task suite, or a plain-text plan."
        ),
        "anyOf": [
            {"title": "Micro-plan (bare)", "type": "array", "items": _ref("Step")},
            _ref("MicroPlan"),
            _ref("TaskSuite"),
            {"title": "Plain-text plan", "type": "string"},
        ],
        "$defs": defs,
    }
