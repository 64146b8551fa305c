"""What a run produces: step results, the outcome, and the files written for it.

Every extracted row keeps every schema field (missing → ``""``) in schema order.
Files (all written atomically into the run directory): ``result.json``,
``extracted_rows.json``, ``extracted_rows.csv`` (schema columns) and the legacy
``leads.csv`` (fixed columns).
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any, Literal

import msgspec

from mantis import atomic

RunStatus = Literal["queued", "running", "paused", "succeeded", "failed", "cancelled"]
TERMINAL: frozenset[str] = frozenset({"succeeded", "failed", "cancelled"})
LEGACY_LEAD_COLUMNS = ("status", "year", "make", "model", "price", "phone", "url", "seller")


class StepResult(msgspec.Struct, kw_only=True):
    index: int
    type: str
    intent: str
    success: bool
    attempts: int = 1
    duration_s: float = 0.0
    time_breakdown: dict[str, float] = {}
    error: str | None = None
    skipped: bool = False
    output: Any = None
    cost_usd: float = 0.0
    detail: dict[str, Any] = {}
    """Notes for people: brain attempts, an ambiguous match, the loop decision."""


class HaltInfo(msgspec.Struct, kw_only=True):
    """Why a run stopped early: a machine-readable class and a human sentence."""

    cls: str = msgspec.field(name="class")
    message: str


class RunSummary(msgspec.Struct, kw_only=True):
    total_time_s: float
    steps_executed: int
    steps_failed: int
    rows: int
    viable: int
    cost_total: float
    cost_breakdown: dict[str, float]
    wall_time_breakdown: dict[str, float]


class Artifact(msgspec.Struct, kw_only=True, omit_defaults=True):
    name: str
    kind: Literal["structured_data", "file"]
    mime_type: str
    row_count: int | None = None
    schema: dict[str, Any] | None = None
    download_url: str | None = None


class PauseState(msgspec.Struct, kw_only=True):
    """Everything needed to resume a paused run, JSON-serialisable (``pause_state.json``).

    ``step_index`` is the first step to run on resume; ``signature`` is the plan's,
    and resume refuses a different plan.
    """

    step_index: int
    signature: str
    prompt: str
    reason: str = "user_input"
    steps: list[StepResult] = []
    vars: dict[str, Any] = {}
    rows: list[dict[str, Any]] = []
    fields: list[str] = []
    required_fields: list[str] = []
    loop_counts: dict[str, int] = {}
    browser_state: dict[str, Any] = {}
    wall_time_breakdown: dict[str, float] = {}
    cost_breakdown: dict[str, float] = {}


class RunOutcome(msgspec.Struct, kw_only=True):
    status: RunStatus
    steps: list[StepResult]
    rows: list[dict[str, Any]]
    fields: list[str]
    summary: RunSummary
    halt: HaltInfo | None = None
    artifacts: list[Artifact] = []
    final_url: str | None = None
    pause: PauseState | None = None


def viable_count(rows: list[dict[str, Any]], required: list[str]) -> int:
    return sum(1 for r in rows if all(r.get(f) not in ("", None) for f in required))


def _csv(columns: list[str] | tuple[str, ...], rows: list[dict[str, Any]]) -> str:
    buf = io.StringIO()
    writer = csv.DictWriter(
        buf, fieldnames=list(columns), extrasaction="ignore", lineterminator="\n"
    )
    writer.writeheader()
    for row in rows:
        writer.writerow({c: row.get(c, "") for c in columns})
    return buf.getvalue()


def write_artifacts(
    run_dir: Path, outcome: RunOutcome, link_base: str | None = None
) -> list[Artifact]:
    """Write the row files of ``outcome`` into ``run_dir``; return their descriptions.

    Nothing is written when no rows were extracted (``artifacts`` is then ``[]``).
    """
    if not outcome.rows:
        return []
    fields = outcome.fields
    schema = {"fields": [{"name": f} for f in fields]}
    atomic.write_json(run_dir / "extracted_rows.json", outcome.rows)
    atomic.write_text(run_dir / "extracted_rows.csv", _csv(fields, outcome.rows))
    leads = [{"status": "extracted", **r} for r in outcome.rows]
    atomic.write_text(run_dir / "leads.csv", _csv(LEGACY_LEAD_COLUMNS, leads))

    def link(name: str) -> str | None:
        return f"{link_base}/{name}" if link_base else None

    n = len(outcome.rows)
    return [
        Artifact(
            name="extracted_rows",
            kind="structured_data",
            mime_type="application/json",
            row_count=n,
            schema=schema,
            download_url=link("extracted_rows.json"),
        ),
        Artifact(
            name="extracted_rows.csv",
            kind="file",
            mime_type="text/csv",
            row_count=n,
            schema=schema,
            download_url=link("extracted_rows.csv"),
        ),
        Artifact(
            name="leads.csv",
            kind="file",
            mime_type="text/csv",
            row_count=n,
            download_url=link("leads.csv"),
        ),
    ]
