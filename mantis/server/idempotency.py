"""Idempotency keys: ``(tenant, sha256(key))`` → the first response, for 24 h, in SQLite.

The same key with the same body returns the stored response; with a different
body it is a 422. Keys are stored hashed; expired ones are swept lazily.
"""

from __future__ import annotations

import hashlib
import time
import weakref
from typing import Any

import anyio
import msgspec

from mantis.server.errors import Unprocessable
from mantis.server.store import RunStore

TTL_S = 24 * 3600


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class IdempotencyStore:
    def __init__(self, store: RunStore, ttl_s: float = TTL_S) -> None:
        self.store = store
        self.ttl_s = ttl_s
        self._locks: weakref.WeakValueDictionary[tuple[str, str], anyio.Lock] = (
            weakref.WeakValueDictionary()
        )

    def guard(self, tenant: str, key: str) -> anyio.Lock:
        """A lock per (tenant, key): two requests with one key at the same moment are
        serialised, so the second sees the first's stored response instead of submitting."""
        ident = (tenant, _sha(key.encode()))
        lock = self._locks.get(ident)
        if lock is None:
            lock = anyio.Lock()
            self._locks[ident] = lock
        return lock

    async def lookup(self, tenant: str, key: str, body: bytes) -> tuple[int, Any] | None:
        db = self.store.db
        await db.execute(
            "DELETE FROM idempotency WHERE created_at < ?", (time.time() - self.ttl_s,)
        )
        cur = await db.execute(
            "SELECT body_hash, status_code, response FROM idempotency "
            "WHERE tenant=? AND key_hash=?",
            (tenant, _sha(key.encode())),
        )
        found = await cur.fetchone()
        if found is None:
            return None
        body_hash, status, response = found
        if body_hash != _sha(body):
            raise Unprocessable(
                "Idempotency-Key: this key was used within 24 h with a different request body",
                extra={"header": "Idempotency-Key"},
            )
        return int(status), msgspec.json.decode(response)

    async def save(self, tenant: str, key: str, body: bytes, status: int, response: Any) -> None:
        await self.store.db.execute(
            "INSERT OR IGNORE INTO idempotency "
            "(tenant, key_hash, body_hash, status_code, response, created_at) "
            "VALUES (?,?,?,?,?,?)",
            (
                tenant,
                _sha(key.encode()),
                _sha(body),
                status,
                msgspec.json.encode(response).decode(),
                time.time(),
            ),
        )
        await self.store.db.commit()
