"""Tenancy through the real app: keys file, hot reload, scopes, isolation, caps, domains."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient

from mantis.server.tenancy import (
    KeyRing,
    KeysFile,
    Tenant,
    add_tenant,
    read_keys,
    revoke_tenant,
    write_keys,
)
from tests.unit.server.conftest import PAUSING, QUICK, SLOW


@pytest.fixture
def keys(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    path = tmp_path / "keys.json"
    tokens = {
        "a": add_tenant(path, Tenant(tenant_id="alpha", rate_limit_per_minute=0)),
        "b": add_tenant(path, Tenant(tenant_id="beta", rate_limit_per_minute=0)),
        "ro": add_tenant(path, Tenant(tenant_id="gamma", scopes=("status",))),
        "dom": add_tenant(
            path,
            Tenant(tenant_id="delta", allowed_domains=("example.test",), rate_limit_per_minute=0),
        ),
        "rate": add_tenant(path, Tenant(tenant_id="eps", rate_limit_per_minute=2)),
        "conc": add_tenant(
            path, Tenant(tenant_id="zeta", max_concurrent_runs=1, rate_limit_per_minute=0)
        ),
    }
    return path, tokens


def as_(client: TestClient[Any], token: str) -> dict[str, str]:
    return {"X-Mantis-Token": token}


def test_keys_file_stores_only_hashes(keys: tuple[Path, dict[str, str]]) -> None:
    path, tokens = keys
    text = path.read_text()
    assert all(t not in text for t in tokens.values())
    assert all(k.startswith("sha256:") for k in read_keys(path).tenant_keys)
    assert oct(path.stat().st_mode & 0o777) == "0o600"


def test_isolation_matrix(make_client: Any, keys: tuple[Path, dict[str, str]]) -> None:
    path, tokens = keys
    client = make_client(tenant_keys_path=path)
    a, b = as_(client, tokens["a"]), as_(client, tokens["b"])
    resp = client.post("/v1/predict", json={"micro": PAUSING, "profile_id": "p"}, headers=a)
    assert resp.status_code == 200, resp.text
    run_id = resp.json()["run_id"]
    assert resp.json()["payload"]["profile_id"] == "alpha__p"
    deadline = time.monotonic() + 10
    while client.get(f"/v1/runs/{run_id}", headers=a).json()["status"] != "paused":
        assert time.monotonic() < deadline
        time.sleep(0.05)
    calls = [
        ("GET", f"/v1/runs/{run_id}", None),
        ("GET", f"/v1/runs/{run_id}/status", None),
        ("GET", f"/v1/runs/{run_id}/result", None),
        ("GET", f"/v1/runs/{run_id}/events", None),
        ("GET", f"/v1/runs/{run_id}/events?sse=true", None),
        ("GET", f"/v1/runs/{run_id}/artifacts/result.json", None),
        ("GET", f"/v1/runs/{run_id}/video", None),
        ("POST", f"/v1/runs/{run_id}/cancel", None),
        ("POST", f"/v1/runs/{run_id}/resume", {"user_input": "x"}),
    ] + [
        ("POST", "/v1/predict", {"action": act, "run_id": run_id, "user_input": "x"})
        for act in ("status", "result", "logs", "cancel", "resume")
    ]
    for method, url, body in calls:
        resp = client.request(method, url, json=body, headers=b)
        assert resp.status_code == 404, (method, url, resp.status_code, resp.text)
        assert run_id in resp.json()["detail"]
    assert client.get("/v1/runs", headers=b).json()["runs"] == []
    assert [r["run_id"] for r in client.get("/v1/runs", headers=a).json()["runs"]] == [run_id]
    # B's same-named profile is a different profile: no 409
    other = client.post("/v1/predict", json={"micro": QUICK, "profile_id": "p"}, headers=b)
    assert other.status_code == 200, other.text
    assert client.get(f"/v1/runs/{run_id}", headers=a).json()["status"] == "paused"
    client.post(f"/v1/runs/{run_id}/cancel", headers=a)


def test_scope_missing_is_403(make_client: Any, keys: tuple[Path, dict[str, str]]) -> None:
    path, tokens = keys
    client = make_client(tenant_keys_path=path)
    resp = client.post("/v1/predict", json={"micro": QUICK}, headers=as_(client, tokens["ro"]))
    assert resp.status_code == 403 and "'run'" in resp.json()["detail"]


def test_url_outside_allowed_domains_is_403_naming_it(
    make_client: Any, keys: tuple[Path, dict[str, str]]
) -> None:
    path, tokens = keys
    client = make_client(tenant_keys_path=path)
    plan = [
        *QUICK[:1],
        {"type": "navigate", "intent": "x", "params": {"url": "https://evil.example/x"}},
    ]
    resp = client.post("/v1/predict", json={"micro": plan}, headers=as_(client, tokens["dom"]))
    assert resp.status_code == 403 and "https://evil.example/x" in resp.json()["detail"]
    ok = client.post("/v1/predict", json={"micro": QUICK}, headers=as_(client, tokens["dom"]))
    assert ok.status_code == 200, ok.text


def test_rate_limit_429_with_headers(make_client: Any, keys: tuple[Path, dict[str, str]]) -> None:
    path, tokens = keys
    client = make_client(tenant_keys_path=path)
    h = as_(client, tokens["rate"])
    first = client.post("/v1/predict", json={"micro": QUICK, "profile_id": "r1"}, headers=h)
    assert first.status_code == 200 and first.headers["X-RateLimit-Limit"] == "2"
    assert first.headers["X-RateLimit-Remaining"] == "1"
    client.post("/v1/predict", json={"micro": QUICK, "profile_id": "r2"}, headers=h)
    third = client.post("/v1/predict", json={"micro": QUICK, "profile_id": "r3"}, headers=h)
    assert third.status_code == 429, third.text
    assert int(third.headers["Retry-After"]) >= 1 and third.headers["X-RateLimit-Remaining"] == "0"
    assert "rate_limit_per_minute" in third.json()["detail"]


def test_concurrency_cap_429(make_client: Any, keys: tuple[Path, dict[str, str]]) -> None:
    path, tokens = keys
    client = make_client(tenant_keys_path=path)
    h = as_(client, tokens["conc"])
    first = client.post("/v1/predict", json={"micro": SLOW, "profile_id": "c1"}, headers=h)
    assert first.status_code == 200
    second = client.post("/v1/predict", json={"micro": QUICK, "profile_id": "c2"}, headers=h)
    assert second.status_code == 429 and second.headers["Retry-After"]
    assert second.json()["extra"]["kind"] == "concurrency"
    client.post(f"/v1/runs/{first.json()['run_id']}/cancel", headers=h)


def test_keyring_reloads_a_changed_file_at_most_every_5_s(
    keys: tuple[Path, dict[str, str]],
) -> None:
    path, tokens = keys
    now = [0.0]
    ring = KeyRing(path, clock=lambda: now[0])
    assert ring.lookup(tokens["a"]) is not None
    assert revoke_tenant(path, "alpha") == 1
    new = add_tenant(path, Tenant(tenant_id="omega"))
    now[0] = 1.0
    assert ring.lookup(tokens["a"]) is not None  # not re-read yet
    now[0] = 6.0
    assert ring.lookup(tokens["a"]) is None
    found = ring.lookup(new)
    assert found is not None and found.tenant_id == "omega"


def test_clear_tokens_in_a_hand_written_file_work(make_client: Any, tmp_path: Path) -> None:
    path = tmp_path / "plain.json"
    write_keys(path, KeysFile(tenant_keys={"plain-secret": Tenant(tenant_id="hand")}))
    client = make_client(tenant_keys_path=path)
    assert client.get("/v1/queue", headers={"X-Mantis-Token": "plain-secret"}).status_code == 200
    assert client.get("/v1/queue", headers={"X-Mantis-Token": "wrong"}).status_code == 401
