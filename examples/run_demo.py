"""`make demo`: the main job, end to end, on the embedded default (no GPU, no API key).

Starts the demo site and `mantis serve` on free loopback ports, submits
examples/plans/demo.json over HTTP, shows progress while polling, prints the
extracted rows and where result.json and the artifacts are, and stops
everything it started.
"""

from __future__ import annotations

import secrets
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from mantis.remote.local_server import ServerStartError, spawn_serve
from mantis.server.oneshot import print_result

ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = ROOT / "mantis-data"
console = Console()


def start_site() -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen(
        [sys.executable, str(ROOT / "examples/demo_site/server.py"), "--port", "0"],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    line = proc.stdout.readline().strip()
    if not line.startswith("listening on "):
        proc.kill()
        raise SystemExit(f"demo site did not start: {line!r}")
    return proc, line.removeprefix("listening on ")


def start_server(token: str) -> tuple[subprocess.Popen[bytes], str]:
    env = {
        "MANTIS_API_TOKEN": token,
        "MANTIS_DATA_DIR": str(DATA_DIR),
        "MANTIS_PLANS_DIR": str(ROOT / "examples/plans"),
    }
    try:
        return spawn_serve(env)
    except ServerStartError as exc:
        raise SystemExit(str(exc)) from None


def stop(proc: subprocess.Popen, name: str) -> None:  # type: ignore[type-arg]
    if proc.poll() is None:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            console.print(f"[yellow]{name} did not stop on SIGINT; killing it[/]")
            proc.kill()
            proc.wait()


def main() -> int:
    token = secrets.token_urlsafe(24)
    site, site_url = start_site()
    console.print(f"demo site: {site_url}")
    server = None
    try:
        server, base = start_server(token)
        console.print(f"mantis serve: {base}")
        client = httpx.Client(base_url=base, headers={"X-Mantis-Token": token}, timeout=30)
        t0 = time.monotonic()
        resp = client.post(
            "/v1/predict",
            json={"micro": "demo.json", "vars": {"DEMO_URL": site_url}, "profile_id": "demo"},
        )
        if resp.status_code != 200:
            console.print(f"[red]submit failed ({resp.status_code}):[/] {resp.text}")
            return 1
        run_id = resp.json()["run_id"]
        console.print(f"submitted run {run_id}")
        with Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            TextColumn("{task.fields[phase]}"),
            TimeElapsedColumn(),
            console=console,
        ) as progress:
            task = progress.add_task("running", total=None, phase="queued")
            while True:
                poll = client.get(f"/v1/runs/{run_id}").json()
                progress.update(
                    task,
                    total=poll["step_total"] or None,
                    completed=poll["step_index"],
                    phase=poll["phase"],
                    description=poll["status"],
                )
                if poll["status"] in ("succeeded", "failed", "cancelled"):
                    progress.update(task, completed=poll["step_total"])
                    break
                time.sleep(max(0.25, poll["polling_backoff_ms_hint"] / 1000 / 2))
        result = client.get(f"/v1/runs/{run_id}/result").json()
        run_dir = DATA_DIR / "tenants" / "default" / "runs" / run_id
        print_result(console, result, str(run_dir))
        console.print(
            f"wall time of the demo plan, submit to result: {time.monotonic() - t0:.1f} s"
        )
        return 0 if result["status"] == "succeeded" else 1
    finally:
        if server is not None:
            stop(server, "mantis serve")
        stop(site, "demo site")


if __name__ == "__main__":
    sys.exit(main())
