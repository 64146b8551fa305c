"""Fixtures for the computer wire: test pages and an open session on the real server."""

from __future__ import annotations

import secrets
from collections.abc import Iterator

import httpx
import pytest

from tests.conftest import Server, ServerProcess
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
    proc = ServerProcess(
        tmp_path_factory.mktemp("mantis-remote"),
        secrets.token_urlsafe(24),
        {
            "MANTIS_COMPUTER": "remote",
            "MANTIS_COMPUTER_URL": server.base_url,
            "MANTIS_COMPUTER_TOKEN": server.token,
        },
    )
    yield proc.start()
    proc.stop()
