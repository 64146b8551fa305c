"""The run directory: the portable record of one run.

``tenants/<tenant>/runs/<run_id>/`` holds ``status.json`` (rewritten atomically
on each transition), ``result.json``, ``task_suite.json`` (the plan as
dispatched) and ``events.log`` (append-only JSON lines).
"""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

import msgspec

from mantis import atomic
from mantis.errors import RequestError

ID_RE = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")


def check_id(value: str, field: str) -> str:
    if not ID_RE.fullmatch(value) or ".." in value:
        raise RequestError(
            f"{field}: expected 1-128 characters of A-Z a-z 0-9 . _ : - (no '..'), got {value!r}",
            extra={"field": field},
        )
    return value


class RunDir:
    def __init__(self, data_dir: Path, tenant: str, run_id: str) -> None:
        self.path = (
            data_dir / "tenants" / check_id(tenant, "tenant") / "runs" / check_id(run_id, "run_id")
        )

    def create(self) -> None:
        self.path.mkdir(parents=True, exist_ok=True)

    def write_status(self, body: dict[str, Any]) -> None:
        atomic.write_json(self.path / "status.json", body)

    def write_plan(self, plan: Any) -> None:
        atomic.write_json(self.path / "task_suite.json", plan)

    def append_event(self, kind: str, data: dict[str, Any]) -> None:
        line = msgspec.json.encode({"ts": time.time(), "kind": kind, "data": data})
        with open(self.path / "events.log", "ab") as fh:
            fh.write(line + b"\n")

    def file(self, name: str) -> Path:
        return self.path / name
