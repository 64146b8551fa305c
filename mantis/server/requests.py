"""The ``POST /v1/predict`` body: decoding, the one-plan-field rule, plan resolution.

Plan files named in a request are resolved inside ``MANTIS_PLANS_DIR`` only:
absolute paths, ``..`` and symlinks that lead out of it are rejected.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal

import msgspec

from mantis.errors import RequestError
from mantis.plans.model import ProxyProvider

PLAN_FIELDS = ("task_suite", "task_file_contents", "task_file", "micro", "plan_text")
Action = Literal["status", "result", "logs", "cancel", "resume"]


class PredictRequest(msgspec.Struct, kw_only=True, omit_defaults=True):
    action: Action | None = None
    run_id: str | None = None
    user_input: str | None = None
    tail: int = 200
    # plan fields (exactly one when submitting)
    task_suite: dict[str, Any] | None = None
    task_file_contents: str | None = None
    task_file: str | None = None
    micro: str | list[Any] | dict[str, Any] | None = None
    plan_text: str | None = None
    # run options
    detached: bool = True
    cua_model: str | None = None
    profile_id: str | None = None
    workflow_id: str | None = None
    state_key: str | None = None
    resume_state: bool = False
    max_cost: float | None = None
    max_time_minutes: float | None = None
    max_steps: int = 30
    vars: dict[str, str] = {}
    extraction_schema: dict[str, Any] | None = None
    proxy_disabled: bool | None = None
    proxy_provider: ProxyProvider | None = None
    proxy_city: str | None = None
    proxy_state: str | None = None
    record_video: bool = False
    video_format: Literal["mp4", "webm", "gif"] = "mp4"
    video_fps: Annotated[int, msgspec.Meta(ge=1, le=30)] = 5
    live_viewer: bool = False
    enable_cdp: bool = False  # open the session with CDP: browser state (forms) kept across pauses
    callback_url: str | None = None


_decoder = msgspec.json.Decoder(PredictRequest)


def decode_request(body: bytes) -> PredictRequest:
    if not body.strip():
        raise RequestError("request body: expected a JSON object, got an empty body")
    try:
        return _decoder.decode(body)
    except msgspec.DecodeError as exc:
        raise RequestError(f"request body: malformed JSON ({exc})") from None
    except msgspec.ValidationError as exc:
        msg = str(exc)
        field = msg.rsplit("`$.", 1)[-1].rstrip("`") if "`$." in msg else "request body"
        raise RequestError(f"{field}: {msg}", extra={"field": field}) from None


def resolve_in(root: Path, name: str, field: str) -> Path:
    """Resolve ``name`` inside ``root``; reject anything that escapes it."""
    if not name or "\0" in name or Path(name).is_absolute() or ".." in Path(name).parts:
        raise RequestError(
            f"{field}: expected a relative path inside the plans directory, got {name!r}",
            extra={"field": field},
        )
    root_real = root.resolve()
    try:
        path = (root / name).resolve()
        is_file = path.is_file()
    except (OSError, ValueError):  # e.g. a name too long for the filesystem
        raise RequestError(
            f"{field}: no plan file {name!r} in the plans directory", extra={"field": field}
        ) from None
    if not path.is_relative_to(root_real):
        raise RequestError(
            f"{field}: {name!r} leads outside the plans directory", extra={"field": field}
        )
    if not is_file:
        raise RequestError(
            f"{field}: no plan file {name!r} in the plans directory", extra={"field": field}
        )
    return path


def _read_json_file(path: Path, field: str) -> Any:
    try:
        return msgspec.json.decode(path.read_bytes())
    except msgspec.DecodeError as exc:
        raise RequestError(
            f"{field}: {path.name} is not valid JSON ({exc})", extra={"field": field}
        ) from None


def plan_data(req: PredictRequest, plans_dir: Path) -> tuple[str, Any]:
    """Return (field, raw plan data) for the one plan field the request carries."""
    present = [f for f in PLAN_FIELDS if getattr(req, f) is not None]
    if not present:
        raise RequestError(f"no plan given: expected exactly one of {', '.join(PLAN_FIELDS)}")
    if len(present) > 1:
        raise RequestError(
            f"several plan fields given ({', '.join(present)}): expected exactly one",
            extra={"fields": present},
        )
    field = present[0]
    value = getattr(req, field)
    if field == "task_suite":
        return field, value
    if field == "task_file_contents":
        try:
            return field, msgspec.json.decode(value)
        except msgspec.DecodeError as exc:
            raise RequestError(
                f"task_file_contents: not valid JSON ({exc})", extra={"field": field}
            ) from None
    if field == "task_file":
        return field, _read_json_file(resolve_in(plans_dir, value, field), field)
    if field == "micro":
        if isinstance(value, str):
            return field, _read_json_file(resolve_in(plans_dir, value, field), field)
        return field, value
    return field, {"plan_text": value}
