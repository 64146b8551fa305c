"""Loading a plan: detect its shape, decode, fill variables, validate, sign.

Shapes (PLANS.md): a bare array of steps; ``{"steps": [...], "runtime"?, ...}``;
a task suite ``{"tasks": [...], "_micro_plan"?: [...], ...}``; plain text.
A ``str`` / ``bytes`` argument that starts with ``[`` or ``{`` is parsed as
JSON, any other string is a :class:`TextPlan`. Already-built plan Structs are
re-checked as if submitted again.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import msgspec

from mantis.plans.caps import PlanCaps
from mantis.plans.decode import (
    convert,
    decode_runtime,
    decode_steps,
    decode_task,
    describe,
    split_extra,
)
from mantis.plans.issues import PlanIssue, Report, join
from mantis.plans.model import LoadedPlan, MicroPlan, Plan, Step, TaskSuite, TextPlan
from mantis.plans.signature import plan_signature
from mantis.plans.validate import check_step_count, check_steps
from mantis.plans.variables import resolve

_DEFAULT_CAPS = PlanCaps()


def load_plan(
    data: Any, *, caps: PlanCaps = _DEFAULT_CAPS, vars: Mapping[str, str] | None = None
) -> LoadedPlan:
    """Turn submitted plan data into a validated, signed plan.

    Raises :class:`~mantis.errors.PlanError` for the first problem found; its
    ``extra["errors"]`` lists every problem as ``{"path", "message"}``.
    Clamps and dropped runtime keys are reported in ``LoadedPlan.warnings``.
    """
    report = Report()
    plan = _load(data, caps, vars or {}, report)
    report.raise_first()
    assert plan is not None  # no issues means every part decoded
    return LoadedPlan(plan=plan, signature=plan_signature(plan), warnings=report.warnings)


def validate_plan(
    data: Any, caps: PlanCaps = _DEFAULT_CAPS, *, vars: Mapping[str, str] | None = None
) -> list[PlanIssue]:
    """Every problem :func:`load_plan` would find, in order; empty when the plan is valid."""
    report = Report()
    _load(data, caps, vars or {}, report)
    return report.issues


def dump_plan(plan: Plan) -> Any:
    """Builtin JSON-ready form of a plan with ``extra`` keys merged back in place.

    Defaults are left out, so the result is the normalised plan as a caller
    would write it; loading it again gives an equal plan.
    """
    if isinstance(plan, TextPlan):
        return plan.text
    return _merge_extra(plan)


def _merge_extra(obj: Any) -> Any:
    if isinstance(obj, msgspec.Struct):
        out: dict[str, Any] = {}
        for field in msgspec.structs.fields(obj):
            value = getattr(obj, field.name)
            if field.name == "extra":
                continue
            if field.default is not msgspec.NODEFAULT and value == field.default:
                continue
            if field.default_factory is not msgspec.NODEFAULT and value == field.default_factory():
                continue
            out[field.encode_name] = _merge_extra(value)
        extra = getattr(obj, "extra", None) or {}
        return {**out, **{k: v for k, v in extra.items() if k not in out}}
    if isinstance(obj, list | tuple):
        return [_merge_extra(v) for v in obj]
    if isinstance(obj, dict):
        return {k: _merge_extra(v) for k, v in obj.items()}
    return obj


def _parse(data: Any, report: Report) -> Any:
    if isinstance(data, MicroPlan | TaskSuite | TextPlan):
        return dump_plan(data)
    if isinstance(data, bytes | bytearray | memoryview):
        try:
            data = bytes(data).decode()
        except UnicodeDecodeError as error:
            report.issue("", f"plan is not UTF-8 text: {error}")
            return None
    if not isinstance(data, str):
        return data
    text = data.strip()
    if not text:
        report.issue("", "plan is empty")
        return None
    if text[0] not in "[{":
        return TextPlan(text)
    try:
        return msgspec.json.decode(text)
    except msgspec.DecodeError as error:
        report.issue("", f"malformed JSON: {error}")
        return None


def _load(data: Any, caps: PlanCaps, values: Mapping[str, str], report: Report) -> Plan | None:
    raw = _parse(data, report)
    if raw is None or isinstance(raw, TextPlan):
        return raw
    if isinstance(raw, list):
        return _load_micro_plan({"steps": raw}, "steps", caps, values, report)
    if isinstance(raw, dict) and ("tasks" in raw or "_micro_plan" in raw):
        return _load_suite(raw, caps, values, report)
    if isinstance(raw, dict) and "steps" in raw:
        return _load_micro_plan(raw, "steps", caps, values, report)
    got = f"object with keys {sorted(raw)}" if isinstance(raw, dict) else describe(raw)
    report.issue(
        "",
        f"expected an array of steps, an object with steps, or a task suite with tasks; got {got}",
    )
    return None


def _micro_steps(
    raw: Any, base: str, caps: PlanCaps, values: Mapping[str, str], report: Report
) -> list[Step] | None:
    if not check_step_count(raw, base, caps, report):
        return None
    decoded = decode_steps(raw, base, report)
    if decoded is None:
        return None
    resolved = [
        None if step is None else resolve(step, values, join(base, i), report)
        for i, step in enumerate(decoded)
    ]
    checked = check_steps(resolved, base, caps, report)
    if any(step is None for step in checked):
        return None
    return [step for step in checked if step is not None]


def _load_micro_plan(
    raw: dict[str, Any], base: str, caps: PlanCaps, values: Mapping[str, str], report: Report
) -> MicroPlan | None:
    """``raw`` is a wrapped micro-plan; its steps have paths ``base[i]``."""
    prefix = base.removesuffix("steps").rstrip(".")
    steps = _micro_steps(raw.get("steps"), base, caps, values, report)
    runtime = decode_runtime(raw.get("runtime"), join(prefix, "runtime"), report)
    if runtime is not None:
        runtime = resolve(runtime, values, join(prefix, "runtime"), report)
    extra = split_extra(raw, MicroPlan)["extra"]
    if steps is None or runtime is None:
        return None
    return MicroPlan(steps=steps, runtime=runtime, extra=extra)


def _load_suite(
    raw: dict[str, Any], caps: PlanCaps, values: Mapping[str, str], report: Report
) -> TaskSuite | None:
    data = split_extra(raw, TaskSuite)
    scalars: dict[str, Any] = {
        k: data[k] for k in ("session_name", "base_url", "auth") if k in data
    }
    head = convert(scalars, TaskSuite, "", report)
    runtime = decode_runtime(raw.get("runtime"), "runtime", report)
    if runtime is not None:
        runtime = resolve(runtime, values, "runtime", report)

    tasks: list[Any] = []
    if "tasks" in data:
        if isinstance(data["tasks"], list):
            tasks = [decode_task(t, join("tasks", i), report) for i, t in enumerate(data["tasks"])]
        else:
            report.issue("tasks", f"expected array of tasks, got {describe(data['tasks'])}")

    micro: MicroPlan | None = None
    raw_micro = data.get("_micro_plan")
    if isinstance(raw_micro, dict):
        micro = _load_micro_plan(raw_micro, "_micro_plan.steps", caps, values, report)
        if micro is not None and runtime is not None and raw_micro.get("runtime") is None:
            micro = msgspec.structs.replace(micro, runtime=runtime)
    elif raw_micro is not None:
        steps = _micro_steps(raw_micro, "_micro_plan", caps, values, report)
        if steps is not None and runtime is not None:
            micro = MicroPlan(steps=steps, runtime=runtime)
    elif isinstance(data.get("tasks", []), list) and not data.get("tasks"):
        report.issue("tasks", "expected at least one task (or a _micro_plan)")

    if (
        head is None
        or runtime is None
        or None in tasks
        or (raw_micro is not None and micro is None)
    ):
        return None
    suite = TaskSuite(
        session_name=head.session_name,
        base_url=head.base_url,
        auth=head.auth,
        tasks=tasks,
        extra=data["extra"],
    )
    # runtime and the micro-plan were resolved above, each with its own path
    suite = resolve(suite, values, "", report)
    return msgspec.structs.replace(suite, runtime=runtime, micro_plan=micro)
