"""Fixtures for the computer wire: test pages and an open session on the real server."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tests.conftest import Server
from tests.integration.gym.pages import serve_pages


@pytest.fixture(scope="module")
def pages() -> Iterator[str]:
    with serve_pages() as base:
        yield base


@pytest.fixture(scope="module")
def session(server: Server) -> Iterator[httpx.Client]:
    """A client carrying both the tenant token and a fresh session's token."""
    client = server.client()
    resp = client.post(
        "/computer/session/init", json={"profile_id": "wire", "run_id": "wire-run-1"}
    )
    assert resp.status_code == 200, resp.text
    client.headers["X-Mantis-Session"] = resp.json()["session_token"]
    yield client
    client.post("/computer/session/close")
    client.close()


@pytest.fixture(scope="module")
def remote_server(server: Server, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A second `mantis serve` whose runs use the first server as their computer."""
    import os
    import secrets
    import subprocess
    import sys
    import time

    from tests.conftest import ROOT, free_port

    data_dir = tmp_path_factory.mktemp("mantis-remote")
    port, token = free_port(), secrets.token_urlsafe(24)
    env = {
        **os.environ,
        "MANTIS_API_TOKEN": token,
        "MANTIS_DATA_DIR": str(data_dir),
        "MANTIS_PLANS_DIR": str(ROOT / "examples/plans"),
        "MANTIS_COMPUTER": "remote",
        "MANTIS_COMPUTER_URL": server.base_url,
        "MANTIS_COMPUTER_TOKEN": server.token,
    }
    log = open(data_dir / "server.log", "wb")
    argv = [sys.executable, "-m", "mantis.cli", "serve", "--port", str(port)]
    proc = subprocess.Popen(
        [*argv, "--log-level", "warning"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        assert proc.poll() is None, (data_dir / "server.log").read_text()
        try:
            if httpx.get(f"{base}/v1/health", timeout=1).status_code == 200:
                break
        except httpx.TransportError:
            pass
        assert time.monotonic() < deadline, "remote-mode server did not start"
        time.sleep(0.1)
    yield Server(base, token, data_dir)
    proc.terminate()
    proc.wait(30)
    log.close()
