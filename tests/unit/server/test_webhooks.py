"""Webhooks against a loopback receiver: signatures verified, every attempt recorded."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import anyio
import pytest

from mantis.config import Settings
from mantis.server.metrics import Metrics
from mantis.server.store import RunRow, RunStore
from mantis.server.tenancy import Tenant, add_tenant
from mantis.server.webhooks import WebhookSender
from tests.unit.server.conftest import QUICK, wait_for


class Receiver:
    def __init__(self, status: int) -> None:
        self.status = status
        self.calls: list[tuple[bytes, str]] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                outer.calls.append((body, self.headers.get("X-Mantis-Signature", "")))
                self.send_response(outer.status)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/hook"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver(200)
    yield r
    r.httpd.shutdown()


def test_signed_webhook_on_terminal_status(
    make_client: Any, receiver: Receiver, tmp_path: Path
) -> None:
    secrets_dir = tmp_path / "secrets"
    secrets_dir.mkdir()
    (secrets_dir / "hook_key").write_text("s3cret\n")
    keys = tmp_path / "keys.json"
    token = add_tenant(
        keys,
        Tenant(tenant_id="acme", webhook_url=receiver.url, webhook_secret_name="hook_key"),
    )
    client = make_client(tenant_keys_path=keys, secrets_dir=secrets_dir)
    client.headers["X-Mantis-Token"] = token
    run_id = client.post("/v1/predict", json={"micro": QUICK}).json()["run_id"]
    wait_for(client, run_id, "succeeded")
    deadline = time.monotonic() + 10
    while not receiver.calls and time.monotonic() < deadline:
        time.sleep(0.05)
    body, signature = receiver.calls[0]
    expected = "sha256=" + hmac.new(b"s3cret", body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(signature, expected)
    payload = json.loads(body)
    assert payload["run_id"] == run_id and payload["tenant_id"] == "acme"
    assert payload["status"] == "succeeded" and "delivered_at" in payload
    while client.get(f"/v1/runs/{run_id}").json()["webhook"]["state"] != "delivered":
        assert time.monotonic() < deadline
        time.sleep(0.05)


def _row(url: str) -> RunRow:
    return RunRow(
        run_id="20260101_000000_abcdef01",
        tenant="t",
        status="failed",
        created_at=0,
        updated_at=0,
        started_at=None,
        finished_at=None,
        profile_id="p",
        workflow_id="w",
        cua_model="mock",
        phase="finished",
        step_index=0,
        step_total=0,
        error_class=None,
        error_message=None,
        summary=None,
        payload={"callback_url": url},
    )


def test_failing_receiver_gets_four_attempts_recorded(tmp_path: Path) -> None:
    failing = Receiver(500)

    async def main() -> dict[str, Any] | None:
        store = RunStore(tmp_path / "m.db")
        await store.open()
        row = _row(failing.url)
        await store.insert(row)
        sender = WebhookSender(
            Settings.from_env({}), store, Metrics(), {}, delays=(0.01, 0.01, 0.01)
        )
        async with anyio.create_task_group() as tg:
            sender.attach(tg)
            await sender.enqueue(row)
        state = await sender.state(row.run_id)
        await store.close()
        return state

    state = anyio.run(main)
    failing.httpd.shutdown()
    assert state is not None and state["state"] == "failed"
    assert len(state["attempts"]) == 4 and len(failing.calls) == 4
    assert all(a["status_code"] == 500 and a["outcome"] == "failed" for a in state["attempts"])


def test_pending_delivery_resumes_after_restart(tmp_path: Path, receiver: Receiver) -> None:
    async def main() -> dict[str, Any] | None:
        store = RunStore(tmp_path / "m.db")
        await store.open()
        row = _row(receiver.url)
        await store.insert(row)
        first = WebhookSender(Settings.from_env({}), store, Metrics(), {})
        await first.enqueue(row)  # not attached: the server "stopped" before sending
        second = WebhookSender(Settings.from_env({}), store, Metrics(), {})
        async with anyio.create_task_group() as tg:
            second.attach(tg)
            assert await second.resume_pending() == 1
        state = await second.state(row.run_id)
        await store.close()
        return state

    state = anyio.run(main)
    assert state is not None and state["state"] == "delivered" and len(receiver.calls) == 1
