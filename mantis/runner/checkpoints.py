"""Checkpoints per ``workflow_id``: where a run got to, so a later run can continue.

After every finished step the runner saves the next step index, loop counters,
run variables (collected URLs included), rows so far and the plan signature.
A crash loses at most the step that was running; rows are saved together with
the index that produced them, so a resumed run never duplicates them.
``FileCheckpointStore`` keeps one JSON file per workflow id, written atomically.
"""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any, Protocol

import anyio
import msgspec

from mantis import atomic
from mantis.errors import RequestError
from mantis.runner.results import StepResult

_SAFE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,199}$")


class Checkpoint(msgspec.Struct, kw_only=True):
    workflow_id: str
    signature: str
    step_index: int
    loop_counts: dict[str, int] = {}
    vars: dict[str, Any] = {}
    rows: list[dict[str, Any]] = []
    fields: list[str] = []
    required_fields: list[str] = []
    steps: list[StepResult] = []
    wall_time_breakdown: dict[str, float] = {}
    cost_breakdown: dict[str, float] = {}
    saved_at: float = 0.0


class CheckpointStore(Protocol):
    async def save(self, checkpoint: Checkpoint) -> None: ...

    async def load(self, workflow_id: str) -> Checkpoint | None: ...

    async def clear(self, workflow_id: str) -> None: ...


def check_workflow_id(workflow_id: str) -> str:
    if not _SAFE.match(workflow_id or ""):
        raise RequestError(
            f"workflow_id: expected letters, digits, '_', '.', '-' (max 200), got {workflow_id!r}"
        )
    return workflow_id


def check_signature(cp: Checkpoint, signature: str) -> None:
    if cp.signature != signature:
        raise RequestError(
            f"resume_state: the checkpoint of workflow {cp.workflow_id!r} belongs to a different "
            f"plan (signature {cp.signature[:12]} != {signature[:12]}); submit the same plan or "
            "start without resume_state"
        )


class FileCheckpointStore:
    """One ``<workflow_id>.json`` per workflow under ``root``."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def _path(self, workflow_id: str) -> Path:
        return self.root / f"{check_workflow_id(workflow_id)}.json"

    async def save(self, checkpoint: Checkpoint) -> None:
        checkpoint.saved_at = time.time()
        data = msgspec.json.encode(checkpoint)
        await anyio.to_thread.run_sync(atomic.write_bytes, self._path(checkpoint.workflow_id), data)

    async def load(self, workflow_id: str) -> Checkpoint | None:
        path = self._path(workflow_id)
        try:
            data = await anyio.Path(path).read_bytes()
        except FileNotFoundError:
            return None
        try:
            return msgspec.json.decode(data, type=Checkpoint)
        except msgspec.DecodeError as exc:
            raise RequestError(f"checkpoint {path.name} is unreadable: {exc}") from None

    async def clear(self, workflow_id: str) -> None:
        await anyio.Path(self._path(workflow_id)).unlink(missing_ok=True)
