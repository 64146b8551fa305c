"""Every error row of API.md through the real app: status, and a detail naming the field or id."""

from __future__ import annotations

from typing import Any

import pytest
from litestar.testing import TestClient

from tests.unit.server.conftest import QUICK, SLOW


def post(client: TestClient[Any], body: Any, **kw: Any) -> Any:
    return client.post("/v1/predict", json=body, **kw)


def test_malformed_json_is_400(client: TestClient[Any]) -> None:
    resp = client.post(
        "/v1/predict", content=b"{nope", headers={"Content-Type": "application/json"}
    )
    body = resp.json()
    assert resp.status_code == 400 and "malformed JSON" in body["detail"]
    assert set(body) == {"status_code", "detail", "extra"}


def test_no_plan_field_is_400(client: TestClient[Any]) -> None:
    resp = post(client, {"profile_id": "x"})
    assert resp.status_code == 400 and "exactly one of" in resp.json()["detail"]


def test_several_plan_fields_name_both(client: TestClient[Any]) -> None:
    resp = post(client, {"micro": QUICK, "plan_text": "do it"})
    assert resp.status_code == 400
    assert "micro" in resp.json()["detail"] and "plan_text" in resp.json()["detail"]


def test_invalid_plan_names_the_json_path(client: TestClient[Any]) -> None:
    resp = post(
        client, {"micro": [*QUICK, {"type": "loop", "intent": "l", "params": {"loop_target": 9}}]}
    )
    assert resp.status_code == 400 and "steps[2]" in resp.json()["detail"]


def test_plan_over_the_step_cap_is_400(make_client: Any) -> None:
    client = make_client(max_steps_per_plan=2)
    resp = post(client, {"micro": [*QUICK, *QUICK]})
    assert resp.status_code == 400 and "steps" in resp.json()["detail"]


def test_unresolved_var_is_400(client: TestClient[Any]) -> None:
    plan = [{"type": "navigate", "intent": "go", "params": {"url": "{{NOPE}}"}}]
    resp = post(client, {"micro": plan})
    assert resp.status_code == 400 and "NOPE" in resp.json()["detail"]


@pytest.mark.parametrize("field", ["profile_id", "workflow_id"])
def test_bad_id_characters_are_400(client: TestClient[Any], field: str) -> None:
    resp = post(client, {"micro": QUICK, field: "../etc"})
    assert resp.status_code == 400 and field in resp.json()["detail"]


@pytest.mark.parametrize("path", ["../secrets.json", "/etc/passwd", "a\u0000b.json", "x" * 5000])
def test_plan_path_outside_plans_root_is_400(client: TestClient[Any], path: str) -> None:
    resp = post(client, {"micro": path})
    assert resp.status_code == 400 and "micro" in resp.json()["detail"]


@pytest.mark.parametrize("token", [None, "wrong"])
def test_missing_or_unknown_token_is_401(client: TestClient[Any], token: str | None) -> None:
    headers = {"X-Mantis-Token": token or ""}
    resp = post(client, {"micro": QUICK}, headers=headers)
    assert resp.status_code == 401 and "X-Mantis-Token" in resp.json()["detail"]
    assert client.get("/v1/runs", headers=headers).status_code == 401


def test_unknown_run_is_404_naming_it(client: TestClient[Any]) -> None:
    for action in ("status", "result", "logs", "cancel"):
        resp = post(client, {"action": action, "run_id": "20260101_000000_deadbeef"})
        assert resp.status_code == 404 and "20260101_000000_deadbeef" in resp.json()["detail"]
    assert client.get("/v1/runs/..%2F..%2Fetc").status_code == 404


def test_action_without_run_id_is_400(client: TestClient[Any]) -> None:
    resp = post(client, {"action": "status"})
    assert resp.status_code == 400 and "run_id" in resp.json()["detail"]


def test_profile_in_use_is_409_with_holder(client: TestClient[Any]) -> None:
    first = post(client, {"micro": SLOW, "profile_id": "busy"}).json()["run_id"]
    second = post(client, {"micro": QUICK, "profile_id": "busy"})
    body = second.json()
    assert second.status_code == 409 and body["extra"]["held_run_id"] == first
    assert first in body["detail"]
    client.post(f"/v1/runs/{first}/cancel")


def test_body_over_the_cap_is_413(make_client: Any) -> None:
    client = make_client(max_body_bytes=1000)
    resp = post(client, {"micro": QUICK, "plan_text": "x" * 5000})
    assert resp.status_code == 413
    assert set(resp.json()) == {"status_code", "detail", "extra"}


def test_unknown_model_is_400_listing_valid(client: TestClient[Any]) -> None:
    resp = post(client, {"micro": QUICK, "cua_model": "gpt-99"})
    assert resp.status_code == 400 and "mock" in resp.json()["detail"]


def test_known_model_not_ready_is_503_with_reason(client: TestClient[Any]) -> None:
    resp = post(client, {"micro": QUICK, "cua_model": "holo3"})
    assert resp.status_code == 503 and resp.json()["extra"]["reason"]


def test_bad_callback_url_is_400(client: TestClient[Any]) -> None:
    resp = post(client, {"micro": QUICK, "callback_url": "ftp://x"})
    assert resp.status_code == 400 and "callback_url" in resp.json()["detail"]


def test_openapi_alias(client: TestClient[Any]) -> None:
    assert "/v1/predict" in client.get("/openapi.json").json()["paths"]


def test_plan_text_without_a_decomposer_is_503_with_a_reason(client: TestClient[Any]) -> None:
    resp = post(client, {"plan_text": "Open example.com and read the heading"})
    assert resp.status_code == 503
    body = resp.json()
    assert body["extra"]["reason"] == "no_decomposer"
    assert "ANTHROPIC_API_KEY" in body["detail"] and "MANTIS_LOCAL_LLM" in body["detail"]
