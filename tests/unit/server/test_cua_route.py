"""`POST /v1/cua`: one free-form task as a run, through the real app and the same lifecycle."""

from __future__ import annotations

from typing import Any

from litestar.testing import TestClient

from tests.unit.server.conftest import wait_for


def test_without_a_ready_brain_is_503_saying_what_to_configure(client: TestClient[Any]) -> None:
    resp = client.post("/v1/cua", json={"task": "Find the cheapest listing"})
    assert resp.status_code == 503
    body = resp.json()
    assert "brain" in body["detail"] and body["extra"]["reason"] == "no_brain"


def test_named_mock_brain_runs_the_task_as_a_run(client: TestClient[Any]) -> None:
    resp = client.post(
        "/v1/cua",
        json={
            "task": "Open the page",
            "start_url": "about:blank",
            "cua_model": "mock",
            "max_steps": 3,
            "profile_id": "cua",
        },
    )
    assert resp.status_code == 200, resp.text
    sub = resp.json()
    assert sub["status"] == "queued" and sub["model"] == "mock" and sub["step_total"] == 1
    final = wait_for(client, sub["run_id"], "succeeded")
    result = client.get(f"/v1/runs/{sub['run_id']}/result").json()
    assert final["status"] == "succeeded"
    assert [s["type"] for s in result["result"]["step_details"]] == ["task"]


def test_ground_clicks_runs_the_suite_with_click_grounding(client: TestClient[Any]) -> None:
    resp = client.post(
        "/v1/cua",
        json={
            "task": "Open the page",
            "start_url": "about:blank",
            "cua_model": "mock",
            "ground_clicks": True,
            "profile_id": "cua-ground",
        },
    )
    assert resp.status_code == 200, resp.text
    run_id = resp.json()["run_id"]
    assert wait_for(client, run_id, "succeeded")["status"] == "succeeded"
    events = client.get(f"/v1/runs/{run_id}/events").json()["events"]
    started = [e for e in events if e["kind"] == "task_started"]
    assert len(started) == 1 and started[0]["data"]["grounding"] is True, events


def test_unknown_model_is_400_listing_valid_names(client: TestClient[Any]) -> None:
    resp = client.post("/v1/cua", json={"task": "x", "cua_model": "gpt-9"})
    assert resp.status_code == 400
    assert "holo3" in resp.json()["detail"] or "holo3" in str(resp.json()["extra"])


def test_bad_fields_are_400_naming_the_field(client: TestClient[Any]) -> None:
    for body, field in (
        ({"task": "  "}, "task"),
        ({"task": "x", "max_steps": 0}, "max_steps"),
        ({"task": "x", "ground_clicks": "yes"}, "ground_clicks"),
        ({"start_url": "about:blank"}, "task"),
    ):
        resp = client.post("/v1/cua", json=body)
        assert resp.status_code == 400, (body, resp.text)
        assert field in resp.json()["detail"] or field in str(resp.json()["extra"]), resp.text
