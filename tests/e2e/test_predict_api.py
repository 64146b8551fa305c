"""The real server over HTTP: submit → poll → result, locks, cancel, errors.

Runs `mantis serve` as a subprocess with a real SQLite file, real Xvfb and
Chromium, and the demo site on loopback.
"""

from __future__ import annotations

import time
from typing import Any

import httpx
import pytest

from tests.conftest import Server

pytestmark = pytest.mark.e2e

SLOW_PLAN = [
    {"type": "navigate", "intent": "open a blank page", "params": {"url": "about:blank"}},
    {"type": "wait", "intent": "hold the profile", "params": {"seconds": 25}},
    {"type": "done", "intent": "finished"},
]


def wait_terminal(client: httpx.Client, run_id: str, timeout: float = 240) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        body = client.get(f"/v1/runs/{run_id}").json()
        if body["status"] in ("succeeded", "failed", "cancelled"):
            return body
        time.sleep(0.5)
    raise AssertionError(f"run {run_id} did not finish in {timeout}s")


def test_health_is_open(server: Server) -> None:
    body = httpx.get(f"{server.base_url}/v1/health").json()
    assert body["status"] == "ok" and body["service"] == "mantis"


def test_demo_plan_submit_poll_result(server: Server, demo_site: str) -> None:
    client = server.client()
    resp = client.post(
        "/v1/predict",
        json={"micro": "demo.json", "vars": {"DEMO_URL": demo_site}, "profile_id": "e2e-demo"},
    )
    assert resp.status_code == 200, resp.text
    sub = resp.json()
    assert sub["status"] == "queued" and sub["payload"]["profile_id"] == "default__e2e-demo"
    run_id = sub["run_id"]
    final = wait_terminal(client, run_id)
    result = client.post("/v1/predict", json={"action": "result", "run_id": run_id}).json()
    assert final["status"] == "succeeded", result
    listings = httpx.get(f"{demo_site}/api/listings.json").json()
    rows = result["result"]["extracted_rows"]
    assert [(r["make"], r["model"], r["year"], r["price"]) for r in rows] == [
        (r["make"], r["model"], r["year"], r["price"]) for r in listings
    ]
    assert result["summary"]["rows"] == len(listings)
    buckets = result["summary"]["wall_time_breakdown"]
    assert abs(sum(buckets.values()) - result["summary"]["total_time_s"]) <= (
        0.05 * result["summary"]["total_time_s"]
    )
    names = {a["name"] for a in result["result"]["artifacts"]}
    assert {"extracted_rows", "extracted_rows.csv", "leads.csv"} <= names
    csv_text = client.get(f"/v1/runs/{run_id}/artifacts/extracted_rows.csv").text
    assert csv_text.splitlines()[0] == "make,model,year,price"
    run_dir = server.data_dir / "tenants" / "default" / "runs" / run_id
    assert (run_dir / "result.json").is_file() and (run_dir / "status.json").is_file()
    # typed secrets never reach results: fill_field records the field and a length only
    assert "mantis-demo" not in (run_dir / "result.json").read_text()
    typed = [s["output"] for s in result["result"]["step_details"] if s["type"] == "fill_field"]
    assert {"label": "Password", "typed_chars": len("mantis-demo")} in typed


def test_second_run_on_same_profile_gets_409_and_cancel_releases_it(server: Server) -> None:
    client = server.client()
    first = client.post("/v1/predict", json={"micro": SLOW_PLAN, "profile_id": "shared"})
    assert first.status_code == 200, first.text
    first_id = first.json()["run_id"]
    second = client.post("/v1/predict", json={"micro": SLOW_PLAN, "profile_id": "shared"})
    assert second.status_code == 409
    body = second.json()
    assert body["extra"]["held_run_id"] == first_id and first_id in body["detail"]

    cancelled = client.post("/v1/predict", json={"action": "cancel", "run_id": first_id}).json()
    assert cancelled["status"] == "cancelled"
    third = client.post("/v1/predict", json={"micro": SLOW_PLAN[:1], "profile_id": "shared"})
    assert third.status_code == 200, third.text
    assert wait_terminal(client, third.json()["run_id"])["status"] == "succeeded"
    # cancel is idempotent on a terminal run
    again = client.post(f"/v1/runs/{first_id}/cancel").json()
    assert again["status"] == "cancelled"


def test_unknown_run_is_404(server: Server) -> None:
    client = server.client()
    for run_id in ("20990101_000000_deadbeef", "../../etc/passwd"):
        resp = client.post("/v1/predict", json={"action": "status", "run_id": run_id})
        assert resp.status_code == 404
        assert run_id in resp.json()["detail"]
    assert client.get("/v1/runs/20990101_000000_deadbeef/result").status_code == 404


@pytest.mark.parametrize("token", [None, "wrong-token"])
def test_missing_or_wrong_token_is_401(server: Server, token: str | None) -> None:
    with server.client(token=token) as client:
        resp = client.post("/v1/predict", json={"micro": SLOW_PLAN})
    assert resp.status_code == 401
    assert "X-Mantis-Token" in resp.json()["detail"]
    assert "wrong-token" not in resp.text


def test_malformed_json_is_400(server: Server) -> None:
    resp = server.client().post(
        "/v1/predict", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert resp.status_code == 400
    assert "malformed JSON" in resp.json()["detail"]


def test_invalid_plan_is_400_naming_the_field(server: Server) -> None:
    plan = [
        {"type": "navigate", "intent": "go", "params": {"url": "about:blank"}},
        {"type": "wait", "intent": "pause", "budget": "lots"},
    ]
    resp = server.client().post("/v1/predict", json={"micro": plan})
    assert resp.status_code == 400
    assert "steps[1].budget" in resp.json()["detail"]


def test_wrong_field_type_is_400_naming_the_field(server: Server) -> None:
    resp = server.client().post("/v1/predict", json={"micro": SLOW_PLAN, "detached": "yes"})
    assert resp.status_code == 400
    assert "detached" in resp.json()["detail"]


def test_plan_path_outside_plans_dir_is_400(server: Server) -> None:
    resp = server.client().post("/v1/predict", json={"micro": "../pyproject.toml"})
    assert resp.status_code == 400
    assert "micro" in resp.json()["detail"]
