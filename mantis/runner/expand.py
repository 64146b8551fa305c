"""Run-time placeholders: ``{{name[i]}}`` and ``{{name[N]}}`` over list variables.

URL collection works in two halves. A step that records a value with an
``out_var`` ending in ``[]`` (``"out_var": "urls[]"``) *appends* it to the list
``urls`` instead of overwriting. A later step may then use ``{{urls[i]}}`` —
``i`` is the 0-based iteration of the innermost loop running the step — or a
fixed index ``{{urls[0]}}`` / ``{{urls[-1]}}`` in its intent or string params.
When ``i`` runs past the end of the list, the innermost loop ends and the run
continues after it (``ListExhausted``). These placeholders are filled as each
step runs; load-time ``{{NAME}}`` filling leaves them alone.
"""

from __future__ import annotations

import re
from typing import Any

import msgspec

from mantis.plans import Step
from mantis.runner.context import StepFailed

_INDEXED = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\[\s*(i|-?\d+)\s*\]\s*\}\}")


class ListExhausted(Exception):
    """``{{name[i]}}`` with ``i`` past the end of ``name``: the innermost loop is done."""

    def __init__(self, name: str, index: int, size: int) -> None:
        super().__init__(f"{name}[{index}] is past the end ({size} items)")
        self.name, self.index, self.size = name, index, size


def store(vars: dict[str, Any], out_var: str, value: Any) -> None:
    """Write ``value`` to ``out_var``; ``name[]`` appends to the list ``name``."""
    if out_var.endswith("[]"):
        name = out_var[:-2]
        current = vars.get(name)
        vars[name] = [*current, value] if isinstance(current, list) else [value]
    else:
        vars[out_var] = value


def _fill(text: str, vars: dict[str, Any], loop_index: int) -> str:
    def one(m: re.Match[str]) -> str:
        name, raw = m[1], m[2]
        items = vars.get(name)
        if not isinstance(items, list):
            raise StepFailed(
                f"{{{{{name}[{raw}]}}}}: run variable {name!r} is not a list "
                f'(collect into it with out_var "{name}[]")',
                "bad_step",
            )
        index = loop_index if raw == "i" else int(raw)
        if raw == "i" and index >= len(items):
            raise ListExhausted(name, index, len(items))
        if not -len(items) <= index < len(items):
            raise StepFailed(f"{name}[{index}]: the list has {len(items)} items", "bad_step")
        return str(items[index])

    return _INDEXED.sub(one, text)


def _walk(obj: Any, vars: dict[str, Any], i: int) -> Any:
    if isinstance(obj, str):
        return _fill(obj, vars, i) if "{{" in obj else obj
    if isinstance(obj, list):
        return [_walk(v, vars, i) for v in obj]
    if isinstance(obj, dict):
        return {k: _walk(v, vars, i) for k, v in obj.items()}
    return obj


def expand(step: Step, vars: dict[str, Any], loop_index: int) -> Step:
    """``step`` with its indexed placeholders filled (the same object when it has none)."""
    if not _INDEXED.search(msgspec.json.encode(step).decode()):
        return step
    params = msgspec.structs.replace(
        step.params,
        **{
            f.name: _walk(getattr(step.params, f.name), vars, loop_index)
            for f in msgspec.structs.fields(step.params)
            if f.name != "extra"
        },
    )
    return msgspec.structs.replace(
        step,
        intent=_fill(step.intent, vars, loop_index),
        params=params,
        args=_walk(step.args, vars, loop_index),
    )
