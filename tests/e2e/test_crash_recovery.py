"""kill -9 `mantis serve` mid-run and mid-pause, restart, and check what survived.

Real server, real SQLite, real Xvfb + Chromium, the demo site on loopback.
"""

from __future__ import annotations

import json
import os
import secrets
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import ServerProcess

pytestmark = pytest.mark.e2e


def wait_status(
    client: httpx.Client, run_id: str, *statuses: str, timeout: float = 120
) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    body: dict[str, Any] = {}
    while time.monotonic() < deadline:
        body = client.get(f"/v1/runs/{run_id}").json()
        if body["status"] in statuses:
            return body
        time.sleep(0.3)
    raise AssertionError(f"run {run_id} never reached {statuses}: {body}")


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return (
        Path(f"/proc/{pid}").exists()
        and "Z" not in Path(f"/proc/{pid}/stat").read_text().split()[2]
    )


def test_kill_9_mid_run_and_mid_pause_then_recover(tmp_path: Path, demo_site: str) -> None:
    proc = ServerProcess(tmp_path, secrets.token_urlsafe(16))
    server = proc.start()
    try:
        client = server.client()
        done = client.post(
            "/v1/predict",
            json={"micro": [{"type": "navigate", "intent": "open", "params": {"url": demo_site}}]},
        ).json()["run_id"]
        wait_status(client, done, "succeeded")
        slow = client.post(
            "/v1/predict",
            json={
                "profile_id": "slow",
                "micro": [
                    {"type": "navigate", "intent": "open", "params": {"url": demo_site}},
                    {"type": "wait", "intent": "hold", "params": {"seconds": 30}},
                ],
            },
        ).json()["run_id"]
        paused = client.post(
            "/v1/predict",
            json={
                "profile_id": "otp",
                "micro": [
                    {"type": "navigate", "intent": "open", "params": {"url": demo_site}},
                    {"type": "request_user_input", "intent": "ask", "params": {"prompt": "code?"}},
                    {
                        "type": "navigate",
                        "intent": "go",
                        "params": {"url": demo_site + "/?code={{user_input}}"},
                    },
                    {"type": "extract_url", "intent": "where", "params": {"out_var": "u"}},
                ],
            },
        ).json()["run_id"]
        wait_status(client, paused, "paused")
        wait_status(client, slow, "running")
        while client.get(f"/v1/runs/{slow}").json()["phase"] != "wait":
            time.sleep(0.2)
        registered = [
            c["pid"]
            for f in (tmp_path / "pids").glob("*.json")
            for c in json.loads(f.read_text())["children"]
        ]
        assert registered, "the live runs' browsers were not registered"
        events_before = client.get(f"/v1/runs/{done}/events").json()["events"]

        proc.kill9()
        assert any(alive(p) for p in registered)  # orphans left behind by the crash

        server = proc.start()
        client = server.client()
        time.sleep(0.5)
        assert not [p for p in registered if alive(p)], "orphaned browsers survived the restart"
        crashed = client.get(f"/v1/runs/{slow}/status").json()
        assert crashed["status"] == "failed" and crashed["error"]["class"] == "server_restarted"
        assert client.get(f"/v1/runs/{paused}").json()["status"] == "paused"
        finished = client.get(f"/v1/runs/{done}/result").json()
        assert finished["status"] == "succeeded"
        assert client.get(f"/v1/runs/{done}/events").json()["events"] == events_before
        # the profile of the crashed run is free again (flock died with the process)
        again = client.post(
            "/v1/predict", json={"profile_id": "slow", "micro": [{"type": "done", "intent": "x"}]}
        )
        assert again.status_code == 200, again.text
        resumed = client.post(f"/v1/runs/{paused}/resume", json={"user_input": "123"})
        assert resumed.status_code == 200, resumed.text
        wait_status(client, paused, "succeeded")
        result = client.get(f"/v1/runs/{paused}/result").json()
        outputs = [str(s.get("output")) for s in result["result"]["step_details"]]
        assert any(o.endswith("code=123") for o in outputs), outputs
    finally:
        proc.stop()
