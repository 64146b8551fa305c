"""Stored tenant recipes reach extract steps; bad recipe schemas are refused at PUT;
a reused Idempotency-Key sent twice at once submits once."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

from litestar.testing import TestClient

from mantis.runner.context import Providers
from tests.unit.server.conftest import QUICK, wait_for
from tests.unit.server.test_media_routes import RecordingExtractor


def test_a_stored_recipe_is_used_by_extract_steps(client: TestClient[Any]) -> None:
    fake = RecordingExtractor()
    client.app.state.services.manager.providers = Providers(
        grounder=fake,
        verifier=fake,
        extractor=fake,  # type: ignore[arg-type]
    )
    schema = {"fields": [{"name": "sku", "required": True}, {"name": "qty", "type": "int"}]}
    assert client.post("/v1/recipes", json={"name": "stock", "schema": schema}).status_code == 200
    plan = [
        {"type": "extract_rows", "intent": "rows", "extract": {"recipe": "stock"}},
        {"type": "done", "intent": "finished"},
    ]
    run_id = client.post("/v1/predict", json={"micro": plan}).json()["run_id"]
    wait_for(client, run_id, "succeeded")
    assert [(f.name, f.type, f.required) for f in fake.calls[0]] == [
        ("sku", "str", True),
        ("qty", "int", False),
    ]


def test_a_recipe_with_a_bad_schema_is_400_naming_the_path(client: TestClient[Any]) -> None:
    resp = client.post(
        "/v1/recipes", json={"name": "bad", "schema": {"fields": [{"name": "a", "type": "date"}]}}
    )
    assert resp.status_code == 400
    assert resp.json()["detail"].startswith("schema")
    assert "fields[0].type" in resp.json()["detail"]


def test_one_idempotency_key_sent_twice_at_once_submits_once(client: TestClient[Any]) -> None:
    headers = {"Idempotency-Key": "same-key-at-once"}

    def send(profile: str) -> Any:
        return client.post(
            "/v1/predict", json={"micro": QUICK, "profile_id": "idem"}, headers=headers
        )

    with ThreadPoolExecutor(2) as pool:
        first, second = pool.map(send, ["idem", "idem"])
    assert first.status_code == second.status_code == 200, (first.text, second.text)
    assert first.json()["run_id"] == second.json()["run_id"]
    listing = client.get("/v1/runs").json()
    runs = listing["runs"] if isinstance(listing, dict) else listing
    assert sum(1 for r in runs if r["profile_id"].endswith("__idem")) == 1
