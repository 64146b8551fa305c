"""The SQLite schema as an ordered list of forward migrations.

``PRAGMA user_version`` records how many have been applied; start-up applies the
rest, each in its own transaction. Migrations are only ever appended: an
existing entry is never edited once released, so any older database upgrades.
"""

from __future__ import annotations

import aiosqlite

MIGRATIONS: tuple[str, ...] = (
    # 1: the walking skeleton's tables (IF NOT EXISTS: databases it created carry no version)
    """
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
    """,
    # 2: pause prompt/reason on the row; per-status index for the queue and reconciliation
    """
    ALTER TABLE runs ADD COLUMN prompt TEXT;
    ALTER TABLE runs ADD COLUMN reason TEXT;
    CREATE INDEX runs_status ON runs (status);
    """,
    # 3: idempotency keys, recipes, webhook deliveries
    """
    CREATE TABLE idempotency (
        tenant TEXT NOT NULL,
        key_hash TEXT NOT NULL,
        body_hash TEXT NOT NULL,
        status_code INTEGER NOT NULL,
        response TEXT NOT NULL,
        created_at REAL NOT NULL,
        PRIMARY KEY (tenant, key_hash)
    );
    CREATE TABLE recipes (
        tenant TEXT NOT NULL,
        name TEXT NOT NULL,
        schema TEXT NOT NULL,
        created_at REAL NOT NULL,
        updated_at REAL NOT NULL,
        PRIMARY KEY (tenant, name)
    );
    CREATE TABLE webhook_deliveries (
        run_id TEXT PRIMARY KEY,
        tenant TEXT NOT NULL,
        url TEXT NOT NULL,
        secret_name TEXT,
        body TEXT NOT NULL,
        state TEXT NOT NULL,
        attempts TEXT NOT NULL DEFAULT '[]',
        updated_at REAL NOT NULL
    );
    """,
)

SCHEMA_VERSION = len(MIGRATIONS)


async def migrate(db: aiosqlite.Connection) -> int:
    """Apply every migration newer than the database; return the version reached."""
    cur = await db.execute("PRAGMA user_version")
    row = await cur.fetchone()
    version = int(row[0]) if row else 0
    if version > SCHEMA_VERSION:
        raise RuntimeError(
            f"mantis.db has schema version {version}, newer than this code ({SCHEMA_VERSION}); "
            "upgrade mantis"
        )
    for number in range(version + 1, SCHEMA_VERSION + 1):
        script = MIGRATIONS[number - 1]
        await db.executescript(f"BEGIN;\n{script}\nPRAGMA user_version = {number};\nCOMMIT;")
    return SCHEMA_VERSION
