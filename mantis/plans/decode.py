"""Raw JSON-like data → plan Structs, keeping unknown keys and naming bad fields.

Each Struct level splits its input into the keys the model knows and the rest,
which go to the Struct's ``extra``. Known keys are converted by ``msgspec``;
its ``ValidationError`` (``Expected `int`, got `str` - at `$.budget` ``) is
rewritten into a plan path and an *expected, got* message
(``steps[2].budget: expected int, got str``). Every function reports into a
:class:`~mantis.plans.issues.Report` instead of raising, so one pass can list
all problems; a part that failed decodes to ``None``.
"""

from __future__ import annotations

import functools
import re
from typing import Any, TypeVar

import msgspec

from mantis.plans.issues import Report, join
from mantis.plans.model import (
    DIRECTIONS,
    FIELD_TYPES,
    PROXY_PROVIDERS,
    STEP_TYPES,
    VERIFY_TYPES,
    ExtractField,
    ExtractSpec,
    Runtime,
    Step,
    StepParams,
    Task,
    TaskVerify,
)

S = TypeVar("S", bound=msgspec.Struct)

#: Step keys that are shorthands for a ``params`` key.
_PARAM_SHORTHANDS = ("url", "seconds", "wait_for_load")
_HINT_KEYS = ("expect_url_contains", "expect_url_excludes", "expect_text_present")
#: Spellings of extraction field types seen in real plans.
FIELD_TYPE_ALIASES = {"string": "str", "integer": "int", "number": "float", "boolean": "bool"}

_AT = re.compile(r"^(?P<msg>.*?)(?: - at `\$(?P<path>[^`]*)`)?$", re.DOTALL)
_PART = re.compile(r"\.([^.\[]+)|\[(\d+)\]")


def describe(value: Any) -> str:
    """The JSON type name of ``value``, spelled as msgspec spells it."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, dict):
        return "object"
    if isinstance(value, list | tuple):
        return "array"
    return type(value).__name__


@functools.cache
def _known_keys(cls: type[msgspec.Struct]) -> frozenset[str]:
    return frozenset(f.encode_name for f in msgspec.structs.fields(cls)) - {"extra"}


def split_extra(raw: dict[str, Any], cls: type[msgspec.Struct]) -> dict[str, Any]:
    """Known keys of ``cls`` (nulls dropped, so they read as absent) plus ``extra``: the rest."""
    known = _known_keys(cls)
    out = {k: v for k, v in raw.items() if k in known and v is not None}
    if "extra" in {f.name for f in msgspec.structs.fields(cls)}:
        out["extra"] = {k: v for k, v in raw.items() if k not in known}
    return out


def _parts(rel: str) -> list[str | int]:
    return [name if name else int(index) for name, index in _PART.findall(rel)]


def _lookup(data: Any, parts: list[str | int]) -> tuple[bool, Any]:
    for part in parts:
        try:
            data = data[part]
        except (KeyError, IndexError, TypeError):
            return False, None
    return True, data


def _choices(parts: list[str | int]) -> tuple[str, ...]:
    last = parts[-1] if parts else ""
    if last == "proxy_provider":
        return PROXY_PROVIDERS
    if last == "direction":
        return DIRECTIONS
    if len(parts) >= 2 and parts[-2] == "verify":
        return VERIFY_TYPES
    if len(parts) >= 3 and parts[-3] == "fields":
        return FIELD_TYPES
    return STEP_TYPES


def _translate(
    error: msgspec.ValidationError,
    base: str,
    data: Any,
    renames: dict[str, str] | None = None,
) -> tuple[str, str]:
    """Turn a msgspec error on ``data`` (found at plan path ``base``) into ``(path, message)``."""
    match = _AT.match(str(error))
    assert match is not None  # the pattern matches any string
    text, rel = match["msg"], match["path"] or ""
    parts = _parts(rel)
    missing = re.match(r"Object missing required field `(.+)`", text)
    if missing:
        parts.append(missing[1])
        message = "required field missing"
    elif text.startswith("Invalid enum value"):
        found, value = _lookup(data, parts)
        got = repr(value) if found else text.removeprefix("Invalid enum value ")
        message = f"expected one of {', '.join(_choices(parts))}; got {got}"
    else:
        # null always reads as "absent", so it is not worth offering as an option
        message = text[:1].lower() + text[1:].replace("`", "").replace(" | null", "")
        found, value = _lookup(data, parts)
        if ", got " not in message and found:
            message += f", got {msgspec.json.encode(value).decode()}"
    path = base
    for part in parts:
        path = join(path, part)
    if renames:
        for new, old in renames.items():
            if path == join(base, new) or path.startswith(join(base, new) + "["):
                path = join(base, old) + path[len(join(base, new)) :]
    return path, message


def convert(data: dict[str, Any], cls: type[S], path: str, report: Report) -> S | None:
    """``msgspec.convert`` that reports a failure at ``path`` instead of raising."""
    try:
        return msgspec.convert(data, cls)
    except msgspec.ValidationError as error:
        report.issue(*_translate(error, path, data))
        return None


def _expect_object(raw: Any, path: str, report: Report) -> bool:
    if isinstance(raw, dict):
        return True
    report.issue(path, f"expected object, got {describe(raw)}")
    return False


def decode_steps(raw: Any, base: str, report: Report) -> list[Step | None] | None:
    """Decode a list of steps whose items have paths ``base[i]``; ``None`` if not a list."""
    if not isinstance(raw, list):
        report.issue(base, f"expected array of steps, got {describe(raw)}")
        return None
    return [decode_step(item, join(base, i), report) for i, item in enumerate(raw)]


def _check_type(raw: dict[str, Any], path: str, report: Report) -> bool:
    if "type" not in raw:
        report.issue(join(path, "type"), "required field missing")
        return False
    kind = raw["type"]
    if not isinstance(kind, str):
        report.issue(join(path, "type"), f"expected str, got {describe(kind)}")
        return False
    if kind not in STEP_TYPES:
        known = ", ".join(STEP_TYPES)
        report.issue(join(path, "type"), f"unknown step type {kind!r}; known types: {known}")
        return False
    return True


def _prepare_params(raw: Any, shorthands: dict[str, Any]) -> Any:
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        return raw  # msgspec reports it with the right path
    params = {**shorthands, **raw}
    value = params.get("value")
    if isinstance(value, int | float) and not isinstance(value, bool):
        params["value"] = str(value)
    return split_extra(params, StepParams)


def _prepare_hints(raw: Any) -> Any:
    if not isinstance(raw, dict):
        return raw
    hints = dict(raw)
    for key in _HINT_KEYS:
        if isinstance(hints.get(key), str):
            hints[key] = [hints[key]]
    return hints


def _prepare_extract(raw: Any) -> Any:
    if not isinstance(raw, dict):
        return raw
    spec = split_extra(raw, ExtractSpec)
    fields = spec.get("fields")
    if isinstance(fields, list):
        spec["fields"] = [_prepare_field(f) for f in fields]
    return spec


def _prepare_field(raw: Any) -> Any:
    if not isinstance(raw, dict):
        return raw
    field = split_extra(raw, ExtractField)
    kind = field.get("type")
    if isinstance(kind, str):
        field["type"] = FIELD_TYPE_ALIASES.get(kind.lower(), kind)
    return field


def decode_step(raw: Any, path: str, report: Report) -> Step | None:
    """Decode one step at ``path``: shorthands folded in, unknown keys kept in ``extra``."""
    if not _expect_object(raw, path, report) or not _check_type(raw, path, report):
        return None
    data = dict(raw)
    renames: dict[str, str] = {}
    shorthands = {}
    for key in _PARAM_SHORTHANDS:
        if key in data:
            shorthands[key] = data.pop(key)
            if not isinstance(data.get("params"), dict) or key not in data["params"]:
                renames[f"params.{key}"] = key
    if "max_steps" in data:
        budget = data.pop("max_steps")
        if data.get("budget") is None:
            data["budget"] = budget
            renames["budget"] = "max_steps"

    nested: list[Step | None] | None = None
    if data.get("steps") is not None:
        nested = decode_steps(data["steps"], join(path, "steps"), report)
        if nested is None or None in nested:
            return None
    data.pop("steps", None)

    prepared = split_extra(data, Step)
    prepared["params"] = _prepare_params(data.get("params"), shorthands)
    for key, prepare in (("hints", _prepare_hints), ("extract", _prepare_extract)):
        if key in prepared:
            prepared[key] = prepare(prepared[key])
    try:
        step = msgspec.convert(prepared, Step)
    except msgspec.ValidationError as error:
        report.issue(*_translate(error, path, prepared, renames))
        return None
    if nested is not None:
        step = msgspec.structs.replace(step, steps=nested)
    return step


def decode_runtime(raw: Any, path: str, report: Report) -> Runtime | None:
    """Decode a ``runtime`` block; unknown keys are dropped with a warning."""
    if raw is None:
        return Runtime()
    if not _expect_object(raw, path, report):
        return None
    for key in raw:
        if key not in _known_keys(Runtime):
            report.warn(join(path, key), "unknown runtime key dropped")
    return convert(split_extra(raw, Runtime), Runtime, path, report)


def decode_task(raw: Any, path: str, report: Report) -> Task | None:
    """Decode one task of a suite; a numeric ``task_id`` becomes a string."""
    if not _expect_object(raw, path, report):
        return None
    data = split_extra(raw, Task)
    task_id = data.get("task_id")
    if isinstance(task_id, int) and not isinstance(task_id, bool):
        data["task_id"] = str(task_id)
    verify = data.get("verify")
    if isinstance(verify, dict):
        data["verify"] = split_extra(verify, TaskVerify)
    return convert(data, Task, path, report)
