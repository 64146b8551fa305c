"""The bodies of ``action=status`` and ``action=result``, built from a run row."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

import msgspec

from mantis.runner.results import TERMINAL, RunOutcome
from mantis.server.live import viewer_url
from mantis.server.store import RunRow


def _iso(ts: float | None) -> str | None:
    return None if ts is None else datetime.fromtimestamp(ts, UTC).isoformat()


def polling_hint_ms(row: RunRow, now: float | None = None) -> int:
    """How long a poller should wait: short while things move, longer when they do not.

    0 once terminal; 5 s while paused (a person must act); otherwise 250 ms just
    after a change, growing with the time since the last one, up to 3 s.
    """
    if row.status in TERMINAL:
        return 0
    if row.status == "paused":
        return 5000
    quiet_s = max(0.0, (time.time() if now is None else now) - row.updated_at)
    return int(min(3000, 250 + quiet_s * 250))


def poll_body(row: RunRow) -> dict[str, Any]:
    """The cheap poll of ``GET /v1/runs/{id}``: only what a poller decides on."""
    return {
        "run_id": row.run_id,
        "status": row.status,
        "phase": row.phase,
        "step_index": row.step_index,
        "step_total": row.step_total,
        "updated_at": _iso(row.updated_at),
        "polling_backoff_ms_hint": polling_hint_ms(row),
    }


def status_body(row: RunRow) -> dict[str, Any]:
    body: dict[str, Any] = {
        "run_id": row.run_id,
        "status": row.status,
        "created_at": _iso(row.created_at),
        "started_at": _iso(row.started_at),
        "finished_at": _iso(row.finished_at),
        "updated_at": _iso(row.updated_at),
        "profile_id": f"{row.tenant}__{row.profile_id}",
        "workflow_id": f"{row.tenant}__{row.workflow_id}",
        "cua_model": row.cua_model,
        "phase": row.phase,
        "step_index": row.step_index,
        "step_total": row.step_total,
        "polling_backoff_ms_hint": polling_hint_ms(row),
    }
    if row.status == "running" and row.payload.get("viewer_token"):
        body["viewer_url"] = viewer_url(row.run_id, row.payload["viewer_token"])
    if row.status == "paused":
        body["prompt"] = row.prompt
        body["reason"] = row.reason
    if row.error_class:
        body["error"] = {"class": row.error_class, "message": row.error_message}
    if row.status in TERMINAL and row.summary is not None:
        body["summary"] = row.summary
    return body


def result_body(row: RunRow, outcome: RunOutcome | None) -> dict[str, Any]:
    body = status_body(row)
    if outcome is None:
        body["result"] = {"leads": [], "extracted_rows": [], "step_details": [], "artifacts": []}
        return body
    body["result"] = {
        "leads": outcome.rows,
        "extracted_rows": outcome.rows,
        "fields": outcome.fields,
        "step_details": msgspec.to_builtins(outcome.steps),
        "artifacts": msgspec.to_builtins(outcome.artifacts),
        "final_url": outcome.final_url,
    }
    return body
