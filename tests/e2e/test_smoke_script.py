"""scripts/smoke.sh (curl + jq) against the real `mantis serve` of the session."""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest

from tests.conftest import ROOT, Server

pytestmark = pytest.mark.e2e


@pytest.mark.skipif(not (shutil.which("curl") and shutil.which("jq")), reason="needs curl + jq")
def test_smoke_script_passes(server: Server) -> None:
    env = {**os.environ, "ENDPOINT": server.base_url, "MANTIS_API_TOKEN": server.token}
    proc = subprocess.run(
        ["bash", str(ROOT / "scripts/smoke.sh")],
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "all checks passed" in proc.stdout
