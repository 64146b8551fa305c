"""The /computer wire with two tenants from a keys file, over real HTTP with a real browser.

A session token of tenant A used with tenant B's token finds nothing (404, never 403),
and B cannot close A's session; the same profile id of two tenants is two profiles.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from mantis.server.tenancy import Tenant, add_tenant
from tests.conftest import ServerProcess

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def two_tenants(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str, str]]:
    data_dir: Path = tmp_path_factory.mktemp("wire-tenancy")
    keys = data_dir / "keys.json"
    token_a = add_tenant(keys, Tenant(tenant_id="alpha", rate_limit_per_minute=0))
    token_b = add_tenant(keys, Tenant(tenant_id="beta", rate_limit_per_minute=0))
    proc = ServerProcess(
        data_dir, secrets.token_urlsafe(24), {"MANTIS_TENANT_KEYS_PATH": str(keys)}
    )
    server = proc.start()
    try:
        yield server.base_url, token_a, token_b
    finally:
        proc.stop()


def test_a_session_of_one_tenant_is_invisible_to_another(two_tenants: tuple[str, str, str]) -> None:
    base, token_a, token_b = two_tenants
    with httpx.Client(base_url=base, timeout=60) as client:
        init = client.post(
            "/computer/session/init",
            json={"profile_id": "shared-name", "run_id": "alpha-run"},
            headers={"X-Mantis-Token": token_a},
        )
        assert init.status_code == 200, init.text
        session = init.json()["session_token"]
        as_b = {"X-Mantis-Token": token_b, "X-Mantis-Session": session}
        for path, body in (
            ("/computer/screenshot", {}),
            ("/computer/action", {"action": {"kind": "click", "x": 5, "y": 5}, "step_id": "b1"}),
            ("/computer/xdotool", {"argv": ["getmouselocation"], "step_id": "b2"}),
            ("/computer/session/close", {}),
        ):
            resp = client.post(path, json=body, headers=as_b)
            assert resp.status_code == 404, (path, resp.status_code, resp.text)
        # B may open its own session on the same profile name: a different profile on disk.
        other = client.post(
            "/computer/session/init",
            json={"profile_id": "shared-name", "run_id": "beta-run"},
            headers={"X-Mantis-Token": token_b},
        )
        assert other.status_code == 200, other.text
        as_a = {"X-Mantis-Token": token_a, "X-Mantis-Session": session}
        shot = client.post("/computer/screenshot", json={}, headers=as_a)
        assert shot.status_code == 200  # A's session survived B's attempts
        client.post("/computer/session/close", headers=as_a)
        client.post(
            "/computer/session/close",
            headers={"X-Mantis-Token": token_b, "X-Mantis-Session": other.json()["session_token"]},
        )
