"""``/v1/models`` and ``/v1/chat/completions`` through the real app, upstream = fake OpenAI server."""

from __future__ import annotations

import json

import pytest
from litestar.testing import TestClient

from mantis.config import Settings
from mantis.remote.local_server import free_port
from mantis.server.app import create_app
from tests.fakes.openai_server import FakeOpenAI

TOKEN = "t0ken-for-tests"


@pytest.fixture
def fake():
    with FakeOpenAI(["hello from upstream"]) as server:
        yield server


def client(tmp_path, endpoints: dict[str, str]) -> TestClient:
    env = {"MANTIS_API_TOKEN": TOKEN, "MANTIS_DATA_DIR": str(tmp_path)}
    for name, url in endpoints.items():
        env[f"MANTIS_ENDPOINT_{name}_URL"] = url
        env[f"MANTIS_ENDPOINT_{name}_MODEL"] = "upstream-model"
    return TestClient(app=create_app(Settings.from_env(env)))


def test_models_lists_every_brain_with_readiness(tmp_path, fake):
    with client(tmp_path, {"BOX": fake.url + "/v1"}) as c:
        body = c.get("/v1/models").json()
    models = {m["id"]: m for m in body["data"]}
    assert body["object"] == "list"
    assert models["mock"]["ready"] is True
    assert models["endpoint:box"] == {
        "id": "endpoint:box", "object": "model", "owned_by": "mantis", "ready": True, "placement": "endpoint",
    }  # fmt: skip
    assert models["holo3"]["ready"] is False and "MANTIS_HOLO3_GGUF" in models["holo3"]["reason"]
    assert models["claude"]["ready"] is False and "ANTHROPIC_API_KEY" in models["claude"]["reason"]


def test_chat_completion_is_forwarded_without_credentials(tmp_path, fake):
    with client(tmp_path, {"BOX": fake.url + "/v1"}) as c:
        response = c.post(
            "/v1/chat/completions",
            headers={"X-Mantis-Token": TOKEN, "Authorization": "Bearer secret", "Cookie": "s=1"},
            json={"model": "endpoint:box", "messages": [{"role": "user", "content": "hi"}]},
        )
    assert response.status_code == 200
    assert response.json()["choices"][0]["message"]["content"] == "hello from upstream"
    assert fake.failures == []
    seen = fake.requests[0]
    assert "authorization" not in seen.headers and "x-mantis-token" not in seen.headers
    assert seen.body["model"] == "upstream-model"


def test_streamed_chat_completion_relays_server_sent_events(tmp_path, fake):
    with client(tmp_path, {"BOX": fake.url + "/v1"}) as c:
        response = c.post(
            "/v1/chat/completions",
            headers={"X-Mantis-Token": TOKEN},
            json={"model": "endpoint:box", "stream": True, "messages": []},
        )
    assert response.status_code == 200
    events = [line[6:] for line in response.text.splitlines() if line.startswith("data: ")]
    assert events[-1] == "[DONE]"
    text = "".join(json.loads(e)["choices"][0]["delta"]["content"] for e in events[:-1])
    assert text == "hello from upstream"


def test_upstream_status_is_passed_through(tmp_path, fake):
    fake.fail_next = [429]
    with client(tmp_path, {"BOX": fake.url + "/v1"}) as c:
        response = c.post(
            "/v1/chat/completions",
            headers={"X-Mantis-Token": TOKEN},
            json={"model": "endpoint:box"},
        )
    assert response.status_code == 429


def test_unreachable_upstream_is_502(tmp_path):
    with client(tmp_path, {"GONE": f"http://127.0.0.1:{free_port()}/v1"}) as c:
        response = c.post(
            "/v1/chat/completions",
            headers={"X-Mantis-Token": TOKEN},
            json={"model": "endpoint:gone"},
        )
    assert response.status_code == 502
    assert "unreachable" in response.json()["detail"]


def test_unknown_model_is_400_listing_valid_names(tmp_path):
    with client(tmp_path, {}) as c:
        response = c.post(
            "/v1/chat/completions", headers={"X-Mantis-Token": TOKEN}, json={"model": "gpt-9"}
        )
    assert response.status_code == 400
    body = response.json()
    assert "gpt-9" in body["detail"] and "holo3" in body["extra"]["valid"]


def test_unready_model_is_503_with_the_reason(tmp_path):
    with client(tmp_path, {}) as c:
        response = c.post(
            "/v1/chat/completions", headers={"X-Mantis-Token": TOKEN}, json={"model": "fara"}
        )
    assert response.status_code == 503
    assert "MANTIS_FARA_MODEL_DIR" in response.json()["extra"]["reason"]


def test_chat_completions_needs_a_token(tmp_path):
    with client(tmp_path, {}) as c:
        assert c.post("/v1/chat/completions", json={"model": "mock"}).status_code == 401
