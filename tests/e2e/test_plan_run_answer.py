"""`mantis plan run` on the step examples: --answer resumes a pause, without one the run ends
instead of holding the browser; a refused submission is one line, not a traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[2]
PLAN = ROOT / "examples/plans/steps/request_user_input.json"


def _plan_run(
    data_dir: Path, demo_site: str, *extra: str, plan: Path = PLAN
) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MANTIS_")}
    env["MANTIS_DATA_DIR"] = str(data_dir)
    env["COLUMNS"] = "200"
    argv = [sys.executable, "-m", "mantis.cli", "plan", "run", str(plan)]
    return subprocess.run(
        [*argv, "--var", f"DEMO_URL={demo_site}", *extra],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,  # the pause hold is 30 minutes: a hang shows up as a timeout
    )


def test_answer_resumes_the_paused_run(tmp_path: Path, demo_site: str) -> None:
    done = _plan_run(tmp_path, demo_site, "--answer", "5")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "succeeded" in done.stdout and "Sorento" in done.stdout


def test_no_answer_prints_the_prompt_and_cancels(tmp_path: Path, demo_site: str) -> None:
    done = _plan_run(tmp_path, demo_site)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "run paused: Which car number (1-10) should I open?" in done.stdout
    assert "cancelled" in done.stdout


def test_a_suite_without_a_brain_is_refused_in_one_line(tmp_path: Path, demo_site: str) -> None:
    done = _plan_run(tmp_path, demo_site, plan=PLAN.with_name("task_suite.json"))
    assert done.returncode == 2, done.stdout + done.stderr
    assert done.stderr.startswith("mantis: task-suite tasks are free-form goals")
    assert "Traceback" not in done.stderr
