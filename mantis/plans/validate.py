"""Semantic rules a decoded plan must satisfy, and the caps applied to it.

Types are :mod:`mantis.plans.decode`'s business; here: the step-count cap,
jump targets in range (``loop_target`` backwards), what each control-flow step
needs, and clamping ``loop_count`` / ``params.seconds`` to :class:`PlanCaps`
with a warning. Jump targets are indices into the list that holds the step, so
inside a nested loop body they count from the body's first step.
"""

from __future__ import annotations

from typing import Any

import msgspec

from mantis.plans.caps import PlanCaps
from mantis.plans.issues import Report, join
from mantis.plans.model import Step


def count_raw_steps(raw: Any) -> int:
    """Steps in a raw step list, nested loop bodies included."""
    total = 0
    pending = [raw]
    while pending:
        items = pending.pop()
        if not isinstance(items, list):
            continue
        total += len(items)
        pending.extend(item.get("steps") for item in items if isinstance(item, dict))
    return total


def check_step_count(raw: Any, base: str, caps: PlanCaps, report: Report) -> bool:
    """Report a plan longer than ``caps.max_steps_per_plan``; ``True`` when within the cap."""
    cap = caps.max_steps_per_plan
    total = count_raw_steps(raw)
    if total <= cap:
        return True
    report.issue(
        base, f"plan has {total} steps (nested loop bodies included); max_steps_per_plan is {cap}"
    )
    return False


def check_steps(
    steps: list[Step | None], base: str, caps: PlanCaps, report: Report
) -> list[Step | None]:
    """Check every step at ``base[i]`` and return the steps with caps applied.

    ``None`` entries (steps that failed to decode) keep their index so later
    targets are still judged against the real plan length.
    """
    return [
        None if step is None else _check_step(step, i, len(steps), join(base, i), caps, report)
        for i, step in enumerate(steps)
    ]


def _check_target(
    value: int | None, name: str, index: int, total: int, path: str, report: Report
) -> None:
    if value is None:
        return
    where = join(path, name)
    if name != "loop_target" and value == -1:
        return
    if not 0 <= value < total:
        report.issue(where, f"out of range (plan has {total} steps)")
    elif name == "loop_target" and value >= index:
        report.issue(where, f"must point backwards (step {index} cannot jump to {value})")


def _check_step(
    step: Step, index: int, total: int, path: str, caps: PlanCaps, report: Report
) -> Step:
    for name in ("then_target", "else_target", "loop_target"):
        _check_target(getattr(step, name), name, index, total, path, report)

    if step.type == "if_else" and not step.condition_var:
        report.issue(join(path, "condition_var"), "required for if_else")
    if step.type == "loop":
        if step.loop_target is None and step.steps is None:
            report.issue(path, "loop needs loop_target or an inline steps body")
        elif step.loop_target is not None and step.steps is not None:
            report.issue(path, "loop takes loop_target or an inline steps body, not both")
    if step.type == "tool_call" and not step.name:
        report.issue(join(path, "name"), "required for tool_call")
    if step.extract is not None and step.extract.recipe is None and not step.extract.fields:
        report.issue(join(path, "extract"), "expected fields or recipe, got neither")

    changes: dict[str, Any] = {}
    if step.steps is not None:
        changes["steps"] = check_steps(list(step.steps), join(path, "steps"), caps, report)
    if step.loop_count is not None and step.loop_count > caps.max_loop_iterations:
        report.warn(
            join(path, "loop_count"),
            f"{step.loop_count} clamped to {caps.max_loop_iterations} (max_loop_iterations)",
        )
        changes["loop_count"] = caps.max_loop_iterations
    seconds = step.params.seconds
    if seconds is not None and seconds > caps.max_wait_seconds:
        report.warn(
            join(path, "params.seconds"),
            f"{seconds:g} clamped to {caps.max_wait_seconds:g} (max_wait_seconds)",
        )
        changes["params"] = msgspec.structs.replace(step.params, seconds=caps.max_wait_seconds)
    return msgspec.structs.replace(step, **changes) if changes else step
