"""`mantis serve` with no token configured: loopback only, a 0600 token file, printed once."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from mantis.remote.local_server import free_port

pytestmark = pytest.mark.e2e


def _env(data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MANTIS_")}
    env["MANTIS_DATA_DIR"] = str(data_dir)
    return env


def test_no_token_creates_a_private_token_file_and_prints_it(tmp_path: Path) -> None:
    port = free_port()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "mantis.cli",
            "serve",
            "--port",
            str(port),
            "--log-level",
            "warning",
        ],
        env=_env(tmp_path),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline()
        token_file = tmp_path / "api_token"
        token = token_file.read_text().strip()
        assert token in first
        assert stat.S_IMODE(token_file.stat().st_mode) == 0o600
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(f"{base}/v1/health", timeout=1)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline
                time.sleep(0.1)
        ok = httpx.post(
            f"{base}/v1/predict",
            headers={"X-Mantis-Token": token},
            json={"action": "status", "run_id": "20990101_000000_00000000"},
        )
        assert ok.status_code == 404  # authenticated; the run just does not exist
        assert httpx.post(f"{base}/v1/predict", json={}).status_code == 401
    finally:
        proc.terminate()
        proc.wait(30)


def test_refuses_a_public_bind_without_a_token(tmp_path: Path) -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "mantis.cli",
            "serve",
            "--host",
            "0.0.0.0",
            "--port",
            str(free_port()),
        ],
        env=_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode != 0
    assert "MANTIS_API_TOKEN" in done.stderr
    assert not (tmp_path / "api_token").exists()
