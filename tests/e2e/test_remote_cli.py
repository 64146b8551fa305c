"""The typed client and the `mantis runs` / `mantis plan run-remote` commands over real HTTP."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest

from mantis.remote.client import APIError, Event, MantisClient
from tests.conftest import Server

pytestmark = pytest.mark.e2e

QUICK = [
    {"type": "navigate", "intent": "open", "params": {"url": "about:blank"}},
    {"type": "done", "intent": "finished"},
]


def cli(server: Server, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "MANTIS_API_TOKEN": server.token}
    return subprocess.run(
        [sys.executable, "-m", "mantis.cli", *args, "--endpoint", server.base_url],
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )


def test_run_remote_shows_live_progress(server: Server, tmp_path: Path) -> None:
    plan = tmp_path / "quick.json"
    plan.write_text(json.dumps(QUICK))
    proc = cli(
        server, "plan", "run-remote", str(plan), "--header", "X-Extra=1", "--profile-id", "rr"
    )
    assert proc.returncode == 0, proc.stderr
    assert "step 0/2 navigate" in proc.stderr and "submitted" in proc.stderr
    result = json.loads(proc.stdout)
    assert result["status"] == "succeeded"
    listed = json.loads(cli(server, "runs", "list", "--limit", "5").stdout)
    assert result["run_id"] in [r["run_id"] for r in listed["runs"]]


def test_client_streams_a_pause_and_cli_resumes_it(server: Server) -> None:
    client = MantisClient(server.base_url, server.token)
    plan = [
        QUICK[0],
        {"type": "request_user_input", "intent": "ask", "params": {"prompt": "name?"}},
        {"type": "navigate", "intent": "go", "params": {"url": "about:blank#{{user_input}}"}},
    ]
    run_id = client.submit({"micro": plan, "profile_id": "stream"})["run_id"]
    seen: list[Event] = []

    def follow() -> None:
        seen.extend(client.events_stream(run_id))

    thread = threading.Thread(target=follow)
    thread.start()
    for _ in range(600):
        if client.poll(run_id)["status"] == "paused":
            break
        threading.Event().wait(0.1)
    proc = cli(server, "runs", "resume", run_id, "ada")
    assert proc.returncode == 0 and json.loads(proc.stdout)["status"] == "running", proc.stderr
    thread.join(120)
    kinds = [e.kind for e in seen]
    assert "paused" in kinds and "resumed" in kinds and kinds[-1] == "terminal"
    final: dict[str, Any] = seen[-1].data
    assert final["status"] == "succeeded"
    with pytest.raises(APIError) as err:
        client.resume(run_id, "again")
    assert err.value.status_code == 400 and "not paused" in err.value.detail
    client.close()
