"""Webhooks: a signed POST to the run's ``callback_url`` when it reaches a terminal status.

Body ``{run_id, tenant_id, status, summary, delivered_at}``; header
``X-Mantis-Signature: sha256=<hex HMAC-SHA256 of the body>`` keyed by the
tenant's ``webhook_secret_name`` secret. One attempt, then up to three retries
after 1 s, 5 s and 30 s. Every attempt is recorded in SQLite; deliveries still
pending when the server stops are resumed at the next start-up.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import time
from datetime import UTC, datetime
from typing import Any

import anyio
import httpx
import msgspec
from anyio.abc import TaskGroup

from mantis.config import Settings
from mantis.server.metrics import Metrics
from mantis.server.secrets import Secrets
from mantis.server.store import RunRow, RunStore

log = logging.getLogger("mantis.server.webhooks")
RETRY_DELAYS_S = (1.0, 5.0, 30.0)
SIGNATURE_HEADER = "X-Mantis-Signature"


def sign(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


class WebhookSender:
    def __init__(
        self,
        settings: Settings,
        store: RunStore,
        metrics: Metrics,
        env: dict[str, str],
        delays: tuple[float, ...] = RETRY_DELAYS_S,
    ) -> None:
        self.store = store
        self.metrics = metrics
        self.secrets = Secrets(settings.secrets_dir, env)
        self.delays = delays
        self._tg: TaskGroup | None = None

    def attach(self, tg: TaskGroup) -> None:
        self._tg = tg

    async def enqueue(self, row: RunRow) -> None:
        url = row.payload.get("callback_url")
        if not url:
            return
        body = {
            "run_id": row.run_id,
            "tenant_id": row.tenant,
            "status": row.status,
            "summary": row.summary,
        }
        await self.store.db.execute(
            "INSERT OR REPLACE INTO webhook_deliveries "
            "(run_id, tenant, url, secret_name, body, state, attempts, updated_at) "
            "VALUES (?,?,?,?,?,'pending','[]',?)",
            (
                row.run_id,
                row.tenant,
                url,
                row.payload.get("webhook_secret_name"),
                msgspec.json.encode(body).decode(),
                time.time(),
            ),
        )
        await self.store.db.commit()
        self._spawn(row.run_id)

    def _spawn(self, run_id: str) -> None:
        if self._tg is not None:
            self._tg.start_soon(self._deliver, run_id)

    async def resume_pending(self) -> int:
        cur = await self.store.db.execute(
            "SELECT run_id FROM webhook_deliveries WHERE state='pending'"
        )
        ids = [r[0] for r in await cur.fetchall()]
        for run_id in ids:
            self._spawn(run_id)
        return len(ids)

    async def state(self, run_id: str) -> dict[str, Any] | None:
        cur = await self.store.db.execute(
            "SELECT url, state, attempts FROM webhook_deliveries WHERE run_id=?", (run_id,)
        )
        found = await cur.fetchone()
        if found is None:
            return None
        url, state, attempts = found
        return {"url": url, "state": state, "attempts": msgspec.json.decode(attempts)}

    async def _deliver(self, run_id: str) -> None:
        cur = await self.store.db.execute(
            "SELECT url, secret_name, body, attempts FROM webhook_deliveries WHERE run_id=?",
            (run_id,),
        )
        found = await cur.fetchone()
        if found is None:
            return
        url, secret_name, raw, attempts_raw = found
        attempts: list[dict[str, Any]] = msgspec.json.decode(attempts_raw)
        secret = self.secrets.get(secret_name) or ""
        async with httpx.AsyncClient(timeout=10) as client:
            while len(attempts) <= len(self.delays):
                if attempts:
                    await anyio.sleep(self.delays[len(attempts) - 1])
                body = msgspec.json.decode(raw)
                body["delivered_at"] = datetime.now(UTC).isoformat()
                data = msgspec.json.encode(body)
                attempt: dict[str, Any] = {"at": time.time()}
                try:
                    resp = await client.post(
                        url,
                        content=data,
                        headers={
                            "Content-Type": "application/json",
                            SIGNATURE_HEADER: sign(secret, data),
                        },
                    )
                    attempt["status_code"] = resp.status_code
                    ok = 200 <= resp.status_code < 300
                except httpx.HTTPError as exc:
                    attempt["error"] = type(exc).__name__
                    ok = False
                attempt["outcome"] = "delivered" if ok else "failed"
                attempts.append(attempt)
                self.metrics.webhook(attempt["outcome"])
                done = ok or len(attempts) > len(self.delays)
                state = "delivered" if ok else ("failed" if done else "pending")
                await self.store.db.execute(
                    "UPDATE webhook_deliveries SET attempts=?, state=?, updated_at=? WHERE run_id=?",
                    (msgspec.json.encode(attempts).decode(), state, time.time(), run_id),
                )
                await self.store.db.commit()
                if done:
                    if not ok:
                        log.warning(
                            "webhook for run %s failed after %d attempts", run_id, len(attempts)
                        )
                    return
