"""Route-level fixtures: the real app from ``create_app`` on a fake computer, via the test client."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient

from mantis.config import Settings
from mantis.gym.base import ActResult, Screenshot, SessionInfo, SessionSpec
from mantis.server import create_app

TOKEN = "test-token-abc"


class FakeComputer:
    """A screen that only remembers its URL: enough for navigate/wait/pause/done plans."""

    opened: list[str] = []  # run ids, across instances, to count browser opens
    specs: dict[str, SessionSpec] = {}  # run id -> the spec it was opened with
    acted: dict[str, list[Any]] = {}  # run id -> the actions it was given, in order

    def __init__(self, on_event: Any = None) -> None:
        self.url = "about:blank"
        self.closed = False
        self.run_id = ""

    async def open(self, spec: SessionSpec) -> SessionInfo:
        FakeComputer.opened.append(spec.run_id)
        FakeComputer.specs[spec.run_id] = spec
        self.run_id = spec.run_id
        return SessionInfo(display=":fake", chrome_pid=0, width=640, height=480)

    async def screenshot(self) -> Screenshot:
        return Screenshot(width=2, height=2, data=b"\0" * 12, captured_at_ms=0)

    async def act(self, action: Any) -> ActResult:
        FakeComputer.acted.setdefault(self.run_id, []).append(action)
        return ActResult(ok=True)

    async def navigate(self, url: str) -> None:
        self.url = url

    async def current_url(self) -> str:
        return self.url

    async def settle(self, floor_s: float = 0.15, ceiling_s: float = 3.0) -> float:
        return 0.0

    async def close(self) -> None:
        self.closed = True


def settings_for(tmp_path: Path, **overrides: Any) -> Settings:
    base: dict[str, Any] = {
        "data_dir": tmp_path / "data",
        "plans_dir": Path(__file__).resolve().parents[3] / "examples" / "plans",
        "api_token": TOKEN,
    }
    base.update(overrides)
    return Settings.from_env({}, **base)


@pytest.fixture
def make_client(tmp_path: Path) -> Iterator[Callable[..., TestClient[Any]]]:
    clients: list[TestClient[Any]] = []

    def make(**overrides: Any) -> TestClient[Any]:
        app = create_app(settings_for(tmp_path, **overrides), computer_factory=FakeComputer)
        client = TestClient(app)
        client.__enter__()
        client.headers["X-Mantis-Token"] = TOKEN
        clients.append(client)
        return client

    yield make
    for client in reversed(clients):
        client.__exit__(None, None, None)


@pytest.fixture
def client(make_client: Callable[..., TestClient[Any]]) -> TestClient[Any]:
    return make_client()


def wait_for(
    client: TestClient[Any], run_id: str, *statuses: str, timeout: float = 20
) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    body: dict[str, Any] = {}
    while time.monotonic() < deadline:
        body = client.get(f"/v1/runs/{run_id}/status").json()
        if body.get("status") in statuses:
            return body
        time.sleep(0.05)
    raise AssertionError(f"run {run_id} never reached {statuses}; last: {body}")


QUICK = [
    {"type": "navigate", "intent": "open", "params": {"url": "http://example.test/a"}},
    {"type": "done", "intent": "finished"},
]
SLOW = [
    {"type": "navigate", "intent": "open", "params": {"url": "http://example.test/a"}},
    {"type": "wait", "intent": "hold", "params": {"seconds": 20}},
    {"type": "done", "intent": "finished"},
]
PAUSING = [
    {"type": "navigate", "intent": "open", "params": {"url": "http://example.test/start"}},
    {"type": "request_user_input", "intent": "ask", "params": {"prompt": "What is the OTP?"}},
    {
        "type": "navigate",
        "intent": "go",
        "params": {"url": "http://example.test/otp/{{user_input}}"},
    },
    {"type": "extract_url", "intent": "where", "params": {"out_var": "final"}},
    {"type": "done", "intent": "finished"},
]
