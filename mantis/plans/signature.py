"""The plan signature: sha256 of the canonical JSON of the normalised plan.

Canonical means: keys sorted, no whitespace, fields at their default value
left out, ``extra`` keys left out. So key order, spelled-out defaults and
unknown keys do not change the signature; any change to what runs does.
"""

from __future__ import annotations

import hashlib
from typing import Any

import msgspec

from mantis.plans.model import MicroPlan, Plan, TaskSuite


def normalise(obj: Any) -> Any:
    """Builtin form of a plan Struct tree without defaults and without ``extra``."""
    if isinstance(obj, msgspec.Struct):
        out = {}
        for field in msgspec.structs.fields(obj):
            if field.name == "extra":
                continue
            value = getattr(obj, field.name)
            if field.default is not msgspec.NODEFAULT and value == field.default:
                continue
            if field.default_factory is not msgspec.NODEFAULT and value == field.default_factory():
                continue
            out[field.encode_name] = normalise(value)
        return out
    if isinstance(obj, list | tuple):
        return [normalise(v) for v in obj]
    if isinstance(obj, dict):
        return {str(k): normalise(v) for k, v in obj.items()}
    return obj


def canonical_json(obj: Any) -> bytes:
    """Sorted-key, whitespace-free JSON of ``normalise(obj)``."""
    return msgspec.json.encode(normalise(obj), order="sorted")


def _signed_part(plan: Plan) -> Any:
    if isinstance(plan, MicroPlan):
        return plan.steps
    if isinstance(plan, TaskSuite):
        if plan.micro_plan is not None:
            return plan.micro_plan.steps
        return {"base_url": plan.base_url, "tasks": plan.tasks}
    return plan.text.strip()


def plan_signature(plan: Plan) -> str:
    """sha256 hex of the canonical JSON of the plan's normalised steps.

    A task suite without a micro-plan signs its ``base_url`` and tasks; a text
    plan signs its stripped text.
    """
    return hashlib.sha256(canonical_json(_signed_part(plan))).hexdigest()
