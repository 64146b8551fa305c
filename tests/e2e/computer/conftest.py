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
