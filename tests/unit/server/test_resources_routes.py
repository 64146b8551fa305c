"""Runs listing, events (JSON and SSE), artifacts, recipes, queue, version, metrics, idempotency."""

from __future__ import annotations

from typing import Any

from litestar.testing import TestClient

from tests.unit.server.conftest import QUICK, wait_for


def run_quick(client: TestClient[Any], profile: str) -> str:
    resp = client.post("/v1/predict", json={"micro": QUICK, "profile_id": profile})
    assert resp.status_code == 200, resp.text
    run_id: str = resp.json()["run_id"]
    wait_for(client, run_id, "succeeded")
    return run_id


def test_list_runs_is_paginated_newest_first(client: TestClient[Any]) -> None:
    ids = [run_quick(client, f"p{i}") for i in range(3)]
    page1 = client.get("/v1/runs?limit=2").json()
    assert [r["run_id"] for r in page1["runs"]] == ids[::-1][:2] and page1["next_cursor"]
    page2 = client.get(f"/v1/runs?limit=2&cursor={page1['next_cursor']}").json()
    assert [r["run_id"] for r in page2["runs"]] == [ids[0]] and page2["next_cursor"] is None
    assert client.get("/v1/runs?status=failed").json()["runs"] == []
    bad = client.get("/v1/runs?status=bogus")
    assert bad.status_code == 400 and "status" in bad.json()["detail"]


def test_events_json_and_sse_resume_from_last_event_id(client: TestClient[Any]) -> None:
    run_id = run_quick(client, "ev")
    events = client.get(f"/v1/runs/{run_id}/events").json()["events"]
    kinds = [e["kind"] for e in events]
    assert kinds[-1] == "run_finished" and "step_started" in kinds
    after = client.get(f"/v1/runs/{run_id}/events?after={events[1]['seq']}").json()["events"]
    assert [e["seq"] for e in after] == [e["seq"] for e in events[2:]]
    with client.stream(
        "GET",
        f"/v1/runs/{run_id}/events?sse=true",
        headers={"Last-Event-ID": str(events[-2]["seq"])},
    ) as resp:
        text = "".join(resp.iter_text())
    assert f"id: {events[-1]['seq']}" in text and f"id: {events[-2]['seq']}\r\n" not in text
    assert "event: terminal" in text and text.index("event: run_finished") < text.index("terminal")


def test_artifacts_allowlist(client: TestClient[Any]) -> None:
    run_id = run_quick(client, "art")
    ok = client.get(f"/v1/runs/{run_id}/artifacts/result.json")
    assert ok.status_code == 200 and ok.json()["run_id"] == run_id
    for name in ("status.json", "..%2Fstatus.json", "leads.csv"):
        resp = client.get(f"/v1/runs/{run_id}/artifacts/{name}")
        assert resp.status_code == 404, name
    assert client.get(f"/v1/runs/{run_id}/video").status_code == 404


def test_recipes_crud_is_tenant_scoped_and_delete_idempotent(client: TestClient[Any]) -> None:
    schema = {"entity_name": "car", "fields": [{"name": "make", "type": "string"}]}
    created = client.post("/v1/recipes", json={"name": "cars", "schema": schema})
    assert created.status_code == 200 and created.json()["schema"] == schema
    assert [r["name"] for r in client.get("/v1/recipes").json()["recipes"]] == ["cars"]
    assert client.get("/v1/recipes/cars").json()["name"] == "cars"
    assert client.delete("/v1/recipes/cars").status_code == 200
    assert client.delete("/v1/recipes/cars").status_code == 200
    missing = client.get("/v1/recipes/cars")
    assert missing.status_code == 404 and "cars" in missing.json()["detail"]
    bad = client.post("/v1/recipes", json={"name": "x"})
    assert bad.status_code == 400 and "schema" in bad.json()["detail"]


def test_version_and_health_are_open(client: TestClient[Any]) -> None:
    body = client.get("/v1/version", headers={"X-Mantis-Token": ""}).json()
    assert {"version", "git_sha", "build_time", "placement", "models"} <= set(body)
    assert client.get("/health", headers={"X-Mantis-Token": ""}).json()["service"] == "mantis"


def test_metrics_series_with_labels(client: TestClient[Any]) -> None:
    run_quick(client, "m")
    text = client.get("/metrics").text
    assert (
        'mantis_predict_requests_total{mode="detached",outcome="accepted",tenant_id="default"} 1'
        in text
    )
    assert 'mantis_runs_total{status="succeeded"} 1' in text
    assert 'mantis_step_duration_seconds_count{type="navigate"} 1' in text
    for name in (
        "mantis_concurrent_runs",
        "mantis_webhook_deliveries_total",
        "mantis_cost_usd_total",
    ):
        assert f"# TYPE {name}" in text


def test_metrics_token_when_configured(make_client: Any) -> None:
    client = make_client(metrics_token="scrape-me")
    assert client.get("/metrics").status_code == 401
    ok = client.get("/metrics", headers={"Authorization": "Bearer scrape-me"})
    assert ok.status_code == 200


def test_idempotency_key_returns_first_response_and_422_on_other_body(
    client: TestClient[Any],
) -> None:
    h = {"Idempotency-Key": "k-1"}
    first = client.post("/v1/predict", json={"micro": QUICK, "profile_id": "i1"}, headers=h)
    again = client.post("/v1/predict", json={"micro": QUICK, "profile_id": "i1"}, headers=h)
    assert first.status_code == again.status_code == 200
    assert first.json()["run_id"] == again.json()["run_id"]
    other = client.post("/v1/predict", json={"micro": QUICK, "profile_id": "i2"}, headers=h)
    assert other.status_code == 422 and "Idempotency-Key" in other.json()["detail"]
    assert len(client.get("/v1/runs").json()["runs"]) == 1


def test_openapi_document_is_served(client: TestClient[Any]) -> None:
    doc = client.get("/schema/openapi.json").json()
    assert "/v1/predict" in doc["paths"] and "/v1/runs/{run_id}/events" in doc["paths"]
