"""``{{NAME}}`` placeholders: filling them from submission ``vars`` and from a resume answer.

``{{user_input}}`` is special: it is left in place at load and filled by
:func:`fill_user_input` when a paused run resumes. Any other placeholder still
unresolved after load is an error naming the field that holds it. Placeholders
inside ``extra`` keys are neither filled nor checked: extra keys have no
behaviour.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import msgspec

from mantis.plans.issues import Report, join
from mantis.plans.model import MicroPlan, Step, StepParams

USER_INPUT = "user_input"

_PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_.-]*)\s*\}\}")


def substitute(text: str, values: Mapping[str, str]) -> str:
    """Replace each ``{{name}}`` (spaces inside the braces allowed) whose name is in ``values``.

    Placeholders with no value are left exactly as written.
    """

    def fill(match: re.Match[str]) -> str:
        name = match[1]
        return str(values[name]) if name in values else match[0]

    return _PLACEHOLDER.sub(fill, text)


def placeholders(text: str) -> list[str]:
    """Names of the placeholders in ``text``, in order."""
    return _PLACEHOLDER.findall(text)


def resolve(obj: Any, values: Mapping[str, str], path: str, report: Report) -> Any:
    """Fill placeholders in every string of a plan Struct tree; report the unresolved.

    Returns a new tree; ``obj`` is not modified.
    """
    if isinstance(obj, str):
        text = substitute(obj, values)
        for name in placeholders(text):
            if name != USER_INPUT:
                report.issue(path, f"unresolved placeholder {{{{{name}}}}}; pass it in vars")
        return text
    if isinstance(obj, msgspec.Struct):
        changes = {}
        for field in msgspec.structs.fields(obj):
            if field.name == "extra":
                continue
            value = getattr(obj, field.name)
            new = resolve(value, values, join(path, field.encode_name), report)
            if new is not value:
                changes[field.name] = new
        return msgspec.structs.replace(obj, **changes) if changes else obj
    if isinstance(obj, list | tuple):
        items = [resolve(v, values, join(path, i), report) for i, v in enumerate(obj)]
        same = all(new is old for new, old in zip(items, obj, strict=True))
        return obj if same else type(obj)(items)
    if isinstance(obj, dict):
        out = {k: resolve(v, values, join(path, str(k)), report) for k, v in obj.items()}
        return obj if all(out[k] is obj[k] for k in obj) else out
    return obj


def _fill_any(obj: Any, values: Mapping[str, str]) -> Any:
    if isinstance(obj, str):
        return substitute(obj, values)
    if isinstance(obj, list | tuple):
        return type(obj)(_fill_any(v, values) for v in obj)
    if isinstance(obj, dict):
        return {k: _fill_any(v, values) for k, v in obj.items()}
    return obj


def _fill_params(params: StepParams, values: Mapping[str, str]) -> StepParams:
    changes = {
        f.name: _fill_any(getattr(params, f.name), values) for f in msgspec.structs.fields(params)
    }
    return msgspec.structs.replace(params, **changes)


def _fill_step(step: Step, values: Mapping[str, str]) -> Step:
    return msgspec.structs.replace(
        step,
        intent=substitute(step.intent, values),
        params=_fill_params(step.params, values),
        args=_fill_any(step.args, values),
        steps=None if step.steps is None else [_fill_step(s, values) for s in step.steps],
    )


def fill_user_input(plan: MicroPlan, answer: str, start: int) -> MicroPlan:
    """Put the resume ``answer`` into ``{{user_input}}`` of steps ``start`` onward.

    Fills intents, every string in ``params`` (``extra`` included), ``tool_call``
    ``args``, and the same fields of nested loop bodies. Earlier steps are untouched.
    """
    values = {USER_INPUT: answer}
    steps = [
        step if i < max(start, 0) else _fill_step(step, values) for i, step in enumerate(plan.steps)
    ]
    return msgspec.structs.replace(plan, steps=steps)
