"""Fixtures shared by every test layer: the demo site and a real `mantis serve`."""

from __future__ import annotations

import secrets
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from mantis.remote.local_server import ServerStartError, spawn_serve

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def demo_site() -> Iterator[str]:
    """The demo web app on a free loopback port, as a child process."""
    proc = subprocess.Popen(
        [sys.executable, str(ROOT / "examples/demo_site/server.py"), "--port", "0"],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    line = proc.stdout.readline().strip()
    assert line.startswith("listening on "), line
    yield line.removeprefix("listening on ")
    proc.terminate()
    proc.wait(10)


class Server:
    def __init__(self, base_url: str, token: str, data_dir: Path) -> None:
        self.base_url = base_url
        self.token = token
        self.data_dir = data_dir

    def client(self, token: str | None = "") -> httpx.Client:
        headers = {} if token is None else {"X-Mantis-Token": token or self.token}
        return httpx.Client(base_url=self.base_url, headers=headers, timeout=60)


class ServerProcess:
    """A real `mantis serve` subprocess on a data dir; restartable, killable with SIGKILL."""

    def __init__(self, data_dir: Path, token: str, extra_env: dict[str, str] | None = None):
        self.data_dir = data_dir
        self.token = token
        self.extra_env = extra_env or {}
        self.proc: subprocess.Popen[bytes] | None = None
        self.base_url = ""

    def start(self) -> Server:
        env = {
            "MANTIS_API_TOKEN": self.token,
            "MANTIS_DATA_DIR": str(self.data_dir),
            "MANTIS_PLANS_DIR": str(ROOT / "examples/plans"),
            **self.extra_env,
        }
        with open(self.data_dir / "server.log", "ab") as log:
            try:
                self.proc, self.base_url = spawn_serve(env, stdout=log, stderr=subprocess.STDOUT)
            except ServerStartError as exc:
                log_text = (self.data_dir / "server.log").read_text()
                raise AssertionError(f"{exc}\n{log_text}") from None
        return Server(self.base_url, self.token, self.data_dir)

    def kill9(self) -> None:
        assert self.proc is not None
        self.proc.kill()  # SIGKILL to the server only: its children are orphaned, as in a crash
        self.proc.wait()

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A real `mantis serve` subprocess with its own data dir and token."""
    proc = ServerProcess(tmp_path_factory.mktemp("mantis-data"), secrets.token_urlsafe(24))
    yield proc.start()
    proc.stop()
