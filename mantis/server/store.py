"""RunStore: the SQLite (WAL) index of runs and their events.

SQLite is the source of truth for queries; the run directory holds the
portable record of one run. Every query is scoped by tenant: a run of another
tenant is indistinguishable from a run that does not exist.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import aiosqlite
import msgspec

_SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    run_id TEXT PRIMARY KEY,
    tenant TEXT NOT NULL,
    status TEXT NOT NULL,
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL,
    started_at REAL,
    finished_at REAL,
    profile_id TEXT NOT NULL,
    workflow_id TEXT NOT NULL,
    cua_model TEXT NOT NULL,
    phase TEXT NOT NULL DEFAULT 'queued',
    step_index INTEGER NOT NULL DEFAULT 0,
    step_total INTEGER NOT NULL DEFAULT 0,
    error_class TEXT,
    error_message TEXT,
    summary TEXT,
    payload TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS runs_tenant_created ON runs (tenant, created_at DESC);
CREATE TABLE IF NOT EXISTS events (
    run_id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    ts REAL NOT NULL,
    kind TEXT NOT NULL,
    data TEXT NOT NULL,
    PRIMARY KEY (run_id, seq)
);
"""


class RunRow(msgspec.Struct, kw_only=True):
    run_id: str
    tenant: str
    status: str
    created_at: float
    updated_at: float
    started_at: float | None
    finished_at: float | None
    profile_id: str
    workflow_id: str
    cua_model: str
    phase: str
    step_index: int
    step_total: int
    error_class: str | None
    error_message: str | None
    summary: dict[str, Any] | None
    payload: dict[str, Any]


_COLUMNS = [f.name for f in msgspec.structs.fields(RunRow)]
_JSON_COLUMNS = {"summary", "payload"}
_UPDATABLE = {
    "status",
    "started_at",
    "finished_at",
    "phase",
    "step_index",
    "step_total",
    "error_class",
    "error_message",
    "summary",
}


class RunStore:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._db: aiosqlite.Connection | None = None
        self._seq: dict[str, int] = {}

    async def open(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._db = await aiosqlite.connect(self.path)
        await self._db.execute("PRAGMA journal_mode=WAL")
        await self._db.execute("PRAGMA synchronous=NORMAL")
        await self._db.executescript(_SCHEMA)
        await self._db.commit()

    async def close(self) -> None:
        if self._db is not None:
            await self._db.close()
            self._db = None

    @property
    def db(self) -> aiosqlite.Connection:
        if self._db is None:
            raise RuntimeError("RunStore used before open()")
        return self._db

    async def insert(self, row: RunRow) -> None:
        values = [
            msgspec.json.encode(getattr(row, c)).decode() if c in _JSON_COLUMNS else getattr(row, c)
            for c in _COLUMNS
        ]
        marks = ",".join("?" * len(_COLUMNS))
        await self.db.execute(f"INSERT INTO runs ({','.join(_COLUMNS)}) VALUES ({marks})", values)
        await self.db.commit()

    async def update(self, run_id: str, **fields: Any) -> None:
        bad = set(fields) - _UPDATABLE
        if bad:
            raise ValueError(f"not updatable: {sorted(bad)}")
        fields["updated_at"] = time.time()
        if "summary" in fields and fields["summary"] is not None:
            fields["summary"] = msgspec.json.encode(fields["summary"]).decode()
        sets = ",".join(f"{k}=?" for k in fields)
        await self.db.execute(f"UPDATE runs SET {sets} WHERE run_id=?", [*fields.values(), run_id])
        await self.db.commit()

    async def get(self, tenant: str, run_id: str) -> RunRow | None:
        cur = await self.db.execute(
            f"SELECT {','.join(_COLUMNS)} FROM runs WHERE run_id=? AND tenant=?", (run_id, tenant)
        )
        rec = await cur.fetchone()
        return self._row(rec) if rec else None

    async def mark_interrupted(self) -> list[str]:
        """Runs left queued/running by a dead process become failed (``server_restarted``)."""
        cur = await self.db.execute("SELECT run_id FROM runs WHERE status IN ('queued','running')")
        ids = [r[0] for r in await cur.fetchall()]
        for run_id in ids:
            await self.update(
                run_id,
                status="failed",
                phase="finished",
                finished_at=time.time(),
                error_class="server_restarted",
                error_message="the server stopped while this run was active",
            )
        return ids

    async def add_event(self, run_id: str, kind: str, data: dict[str, Any]) -> int:
        if run_id not in self._seq:
            cur = await self.db.execute(
                "SELECT COALESCE(MAX(seq), 0) FROM events WHERE run_id=?", (run_id,)
            )
            found = await cur.fetchone()
            self._seq[run_id] = int(found[0]) if found else 0
        self._seq[run_id] += 1
        seq = self._seq[run_id]
        await self.db.execute(
            "INSERT INTO events (run_id, seq, ts, kind, data) VALUES (?,?,?,?,?)",
            (run_id, seq, time.time(), kind, msgspec.json.encode(data).decode()),
        )
        await self.db.commit()
        return seq

    async def events(self, run_id: str, tail: int = 200) -> list[dict[str, Any]]:
        cur = await self.db.execute(
            "SELECT seq, ts, kind, data FROM events WHERE run_id=? ORDER BY seq DESC LIMIT ?",
            (run_id, tail),
        )
        rows = list(await cur.fetchall())
        return [
            {"seq": s, "ts": ts, "kind": k, "data": msgspec.json.decode(d)}
            for s, ts, k, d in reversed(rows)
        ]

    @staticmethod
    def _row(rec: Any) -> RunRow:
        data = dict(zip(_COLUMNS, rec, strict=True))
        for c in _JSON_COLUMNS:
            if data[c] is not None:
                data[c] = msgspec.json.decode(data[c])
        return RunRow(**data)
