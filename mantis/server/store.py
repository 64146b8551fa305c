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
import anyio
import msgspec

from mantis.server.migrations import migrate


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
    prompt: str | None = None
    reason: str | None = None


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
    "prompt",
    "reason",
}
ACTIVE = ("queued", "running", "paused")
CACHE_ROWS = 4096


class RunStore:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._db: aiosqlite.Connection | None = None
        self._seq: dict[str, int] = {}
        self._changed: dict[str, anyio.Event] = {}
        self._cache: dict[str, RunRow] = {}

    async def open(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._db = await aiosqlite.connect(self.path)
        await self._db.execute("PRAGMA journal_mode=WAL")
        await self._db.execute("PRAGMA synchronous=NORMAL")
        await migrate(self._db)

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
        self._remember(row)

    def _remember(self, row: RunRow) -> None:
        # Write-through cache: this process is the only writer of the runs table, so a cached
        # row is always current; polls of hot runs then never reach SQLite.
        self._cache[row.run_id] = row
        if len(self._cache) > CACHE_ROWS:
            del self._cache[next(iter(self._cache))]

    async def update(self, run_id: str, **fields: Any) -> None:
        bad = set(fields) - _UPDATABLE
        if bad:
            raise ValueError(f"not updatable: {sorted(bad)}")
        fields["updated_at"] = time.time()
        cached = self._cache.get(run_id)
        if cached is not None:
            self._cache[run_id] = msgspec.structs.replace(cached, **fields)
        if "summary" in fields and fields["summary"] is not None:
            fields["summary"] = msgspec.json.encode(fields["summary"]).decode()
        sets = ",".join(f"{k}=?" for k in fields)
        await self.db.execute(f"UPDATE runs SET {sets} WHERE run_id=?", [*fields.values(), run_id])
        await self.db.commit()
        self.notify(run_id)

    async def get(self, tenant: str, run_id: str) -> RunRow | None:
        cached = self._cache.get(run_id)
        if cached is not None:
            return cached if cached.tenant == tenant else None
        cur = await self.db.execute(
            f"SELECT {','.join(_COLUMNS)} FROM runs WHERE run_id=? AND tenant=?", (run_id, tenant)
        )
        rec = await cur.fetchone()
        if not rec:
            return None
        row = self._row(rec)
        self._remember(row)
        return row

    async def with_status(self, *statuses: str) -> list[RunRow]:
        marks = ",".join("?" * len(statuses))
        cur = await self.db.execute(
            f"SELECT {','.join(_COLUMNS)} FROM runs WHERE status IN ({marks}) ORDER BY created_at",
            statuses,
        )
        return [self._row(r) for r in await cur.fetchall()]

    async def list_runs(
        self, tenant: str, status: str | None, limit: int, cursor: str | None
    ) -> list[RunRow]:
        """The tenant's runs, newest first; ``cursor`` is the last run id of the previous page."""
        where, args = ["tenant=?"], [tenant]
        if status:
            where.append("status=?")
            args.append(status)
        if cursor:
            where.append(
                "(created_at, run_id) < (SELECT created_at, run_id FROM runs "
                "WHERE run_id=? AND tenant=?)"
            )
            args += [cursor, tenant]
        cur = await self.db.execute(
            f"SELECT {','.join(_COLUMNS)} FROM runs WHERE {' AND '.join(where)} "
            "ORDER BY created_at DESC, run_id DESC LIMIT ?",
            [*args, limit],
        )
        return [self._row(r) for r in await cur.fetchall()]

    async def counts(self, tenant: str | None = None) -> dict[str, int]:
        """Non-terminal runs by status, for one tenant or all."""
        sql = "SELECT status, COUNT(*) FROM runs WHERE status IN ('queued','running','paused')"
        args: list[Any] = []
        if tenant is not None:
            sql += " AND tenant=?"
            args.append(tenant)
        cur = await self.db.execute(sql + " GROUP BY status", args)
        found = {s: int(n) for s, n in await cur.fetchall()}
        return {s: found.get(s, 0) for s in ACTIVE}

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
        self.notify(run_id)
        return seq

    def notify(self, run_id: str) -> None:
        """Wake everyone waiting in :meth:`wait_change` for this run."""
        event = self._changed.pop(run_id, None)
        if event is not None:
            event.set()

    async def wait_change(self, run_id: str, timeout_s: float) -> None:
        """Return when the run gets a new event or transition, or after ``timeout_s``."""
        event = self._changed.setdefault(run_id, anyio.Event())
        with anyio.move_on_after(timeout_s):
            await event.wait()

    async def counts_by_tenant(self) -> dict[str, int]:
        cur = await self.db.execute(
            "SELECT tenant, COUNT(*) FROM runs WHERE status IN ('queued','running','paused') "
            "GROUP BY tenant"
        )
        return {t: int(n) for t, n in await cur.fetchall()}

    async def events_after(self, run_id: str, after: int, limit: int) -> list[dict[str, Any]]:
        cur = await self.db.execute(
            "SELECT seq, ts, kind, data FROM events WHERE run_id=? AND seq>? ORDER BY seq LIMIT ?",
            (run_id, after, limit),
        )
        return [
            {"seq": s, "ts": ts, "kind": k, "data": msgspec.json.decode(d)}
            for s, ts, k, d in await cur.fetchall()
        ]

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
