"""Screencast, live MJPEG, extraction_schema and proxy options, through the real app."""

from __future__ import annotations

import io
import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient
from PIL import Image

from mantis.brains.providers.base import FieldSpec
from mantis.gym import recorder
from mantis.gym.base import Screenshot, SessionInfo, SessionSpec
from mantis.runner.context import Providers
from mantis.server import create_app
from mantis.server.tenancy import Tenant, add_tenant
from tests.unit.server.conftest import QUICK, TOKEN, FakeComputer, settings_for, wait_for

needs_ffmpeg = pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="ffmpeg not installed")

W, H = 160, 120
WAITING = [
    {"type": "navigate", "intent": "open", "params": {"url": "http://example.test/a"}},
    {"type": "wait", "intent": "hold", "params": {"seconds": 1.5}},
    {"type": "done", "intent": "finished"},
]


class ScreenComputer(FakeComputer):
    """A fake display of W x H whose colour changes with every capture (BGRX, as Xvfb's)."""

    specs: list[SessionSpec] = []

    def __init__(self, on_event: Any = None) -> None:
        super().__init__(on_event)
        self.n = 0

    async def open(self, spec: SessionSpec) -> SessionInfo:
        ScreenComputer.specs.append(spec)
        return SessionInfo(display=":fake", chrome_pid=0, width=W, height=H)

    async def screenshot(self) -> Screenshot:
        self.n += 1
        px = bytes([(self.n * 40) % 256, 80, 160, 0])
        return Screenshot(
            width=W, height=H, data=px * (W * H), captured_at_ms=0, pixel_format="BGRX"
        )


@pytest.fixture
def screen_client(tmp_path: Path) -> Any:
    made: list[TestClient[Any]] = []

    def make(**overrides: Any) -> TestClient[Any]:
        app = create_app(settings_for(tmp_path, **overrides), computer_factory=ScreenComputer)
        client = TestClient(app)
        client.__enter__()
        client.headers["X-Mantis-Token"] = TOKEN
        made.append(client)
        return client

    yield make
    for client in reversed(made):
        client.__exit__(None, None, None)


def submit(client: TestClient[Any], **body: Any) -> str:
    resp = client.post("/v1/predict", json={"micro": WAITING, **body})
    assert resp.status_code == 200, resp.text
    run_id: str = resp.json()["run_id"]
    return run_id


# -- screencast -------------------------------------------------------------------------------


@needs_ffmpeg
@pytest.mark.parametrize(
    ("fmt", "mime", "magic"),
    [("mp4", "video/mp4", b"ftyp"), ("gif", "image/gif", b"GIF8"), ("webm", "video/webm", b"")],
)
def test_record_video_serves_polished_and_raw(
    screen_client: Callable[..., TestClient[Any]], fmt: str, mime: str, magic: bytes
) -> None:
    client = screen_client()
    run_id = submit(client, record_video=True, video_format=fmt, video_fps=10, profile_id=fmt)
    wait_for(client, run_id, "succeeded", "failed")
    result = client.get(f"/v1/runs/{run_id}/result").json()
    assert result["status"] == "succeeded", result
    assert {"name": f"video.{fmt}", "kind": "file", "mime_type": mime}.items() <= (
        result["result"]["artifacts"][-1].items()
    )
    video = client.get(f"/v1/runs/{run_id}/video")
    assert video.status_code == 200 and video.headers["content-type"].startswith(mime)
    assert magic in video.content[:16] and len(video.content) > 100
    raw = client.get(f"/v1/runs/{run_id}/video", params={"raw": 1})
    assert raw.status_code == 200 and len(raw.content) > 100
    kinds = [e["kind"] for e in client.get(f"/v1/runs/{run_id}/events").json()["events"]]
    assert "recording_started" in kinds and "recording_finished" in kinds


def test_video_is_404_when_not_recorded(client: TestClient[Any]) -> None:
    run_id = client.post("/v1/predict", json={"micro": QUICK}).json()["run_id"]
    wait_for(client, run_id, "succeeded")
    for params in ({}, {"raw": 1}):
        resp = client.get(f"/v1/runs/{run_id}/video", params=params)
        assert resp.status_code == 404 and "no" in resp.json()["detail"]
    assert client.get("/v1/runs/20260101_000000_deadbeef/video").status_code == 404


def test_recording_failure_never_fails_the_run(
    screen_client: Callable[..., TestClient[Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    def missing() -> str:
        raise recorder.RecordingError("ffmpeg is not installed")

    monkeypatch.setattr(recorder, "ffmpeg_path", missing)
    client = screen_client()
    run_id = submit(client, record_video=True)
    final = wait_for(client, run_id, "succeeded", "failed")
    assert final["status"] == "succeeded", final
    events = client.get(f"/v1/runs/{run_id}/events").json()["events"]
    failed = [e for e in events if e["kind"] == "recording_failed"]
    assert failed and "ffmpeg is not installed" in failed[0]["data"]["error"]
    assert client.get(f"/v1/runs/{run_id}/video").status_code == 404
    assert client.get(f"/v1/runs/{run_id}/result").json()["result"]["artifacts"] == []


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"record_video": True, "video_fps": 0}, "video_fps"),
        ({"record_video": True, "video_fps": 31}, "video_fps"),
        ({"record_video": True, "video_format": "avi"}, "video_format"),
        ({"extraction_schema": {"fields": []}}, "extraction_schema"),
        ({"extraction_schema": {"fields": [{"name": "a", "type": "date"}]}}, "extraction_schema"),
        (
            {"extraction_schema": {"fields": [{"name": "a"}], "required_fields": ["b"]}},
            "extraction_schema",
        ),
        ({"proxy_provider": "nordvpn"}, "proxy_provider"),
        ({"proxy_provider": "oxylabs"}, "proxy_provider"),  # valid name, not configured
    ],
)
def test_options_are_validated_naming_the_field(
    client: TestClient[Any], body: dict[str, Any], field: str
) -> None:
    resp = client.post("/v1/predict", json={"micro": QUICK, **body})
    assert resp.status_code == 400, resp.text
    assert resp.json()["detail"].startswith(field), resp.json()


# -- live view --------------------------------------------------------------------------------


def read_frames(chunks: Any, count: int) -> list[bytes]:
    """The first ``count`` JPEG parts of a multipart/x-mixed-replace body."""
    buf, frames = b"", list[bytes]()
    for chunk in chunks:
        buf += chunk
        while len(frames) < count:
            head_end = buf.find(b"\r\n\r\n")
            if head_end < 0:
                break
            headers = buf[:head_end].decode()
            length = int(headers.split("Content-Length:")[1].split("\r\n")[0])
            if len(buf) < head_end + 4 + length:
                break
            frames.append(buf[head_end + 4 : head_end + 4 + length])
            buf = buf[head_end + 4 + length + 2 :]
        if len(frames) >= count:
            break
    return frames


def test_live_mjpeg_streams_frames_of_the_display_size(
    screen_client: Callable[..., TestClient[Any]],
) -> None:
    client = screen_client()
    run_id = submit(
        client,
        live_viewer=True,
        micro=[*WAITING[:1], {**WAITING[1], "params": {"seconds": 4}}, WAITING[2]],
    )
    status = wait_for(client, run_id, "running")
    while "viewer_url" not in status:  # running is set just before the display opens
        status = client.get(f"/v1/runs/{run_id}/status").json()
    url = status["viewer_url"]
    assert "viewer_token=" in url
    viewer = client.get(f"/v1/runs/{run_id}/status").json()
    assert viewer["status"] == "running"
    anonymous = {"X-Mantis-Token": ""}
    with client.stream("GET", url, headers=anonymous) as resp:
        assert resp.status_code == 200, resp.read()
        assert resp.headers["content-type"].startswith("multipart/x-mixed-replace")
        frames = read_frames(resp.iter_bytes(), 2)
    assert len(frames) == 2 and frames[0] != frames[1]
    for jpeg in frames:
        img = Image.open(io.BytesIO(jpeg))
        assert img.format == "JPEG" and img.size == (W, H)
    wait_for(client, run_id, "succeeded")
    gone = client.get(f"/v1/runs/{run_id}/live.mjpeg")
    assert gone.status_code == 409 and "only while the run is running" in gone.json()["detail"]
    assert client.get(url, headers=anonymous).status_code == 404
    assert "viewer_url" not in client.get(f"/v1/runs/{run_id}/status").json()


def test_live_mjpeg_auth_and_isolation(
    screen_client: Callable[..., TestClient[Any]], tmp_path: Path
) -> None:
    keys = tmp_path / "keys.json"
    a = add_tenant(keys, Tenant(tenant_id="alpha", rate_limit_per_minute=0))
    b = add_tenant(keys, Tenant(tenant_id="beta", rate_limit_per_minute=0))
    client = screen_client(tenant_keys_path=keys)
    client.headers["X-Mantis-Token"] = a
    run_id = submit(client, live_viewer=True)
    wait_for(client, run_id, "running")
    live = f"/v1/runs/{run_id}/live.mjpeg"
    assert client.get(live, headers={"X-Mantis-Token": b}).status_code == 404
    assert client.get(live, headers={"X-Mantis-Token": ""}).status_code == 401
    wrong = client.get(live, params={"viewer_token": "nope"}, headers={"X-Mantis-Token": ""})
    assert wrong.status_code == 404
    assert client.get("/v1/runs/20260101_000000_deadbeef/live.mjpeg").status_code == 404
    wait_for(client, run_id, "succeeded")
    viewer = json.loads((tmp_path / "data/tenants/alpha/runs" / run_id / "viewer.json").read_text())
    assert viewer["viewer_url"].startswith(f"/v1/runs/{run_id}/live.mjpeg?viewer_token=")


# -- extraction_schema and proxy options ------------------------------------------------------


class RecordingExtractor:
    def __init__(self) -> None:
        self.calls: list[list[FieldSpec]] = []

    async def extract(self, shot: Any, fields: list[FieldSpec], **kw: Any) -> list[dict[str, Any]]:
        self.calls.append(fields)
        return [{f.name: "x" for f in fields}]

    async def locate(self, *a: Any, **kw: Any) -> None:
        return None

    async def check(self, *a: Any, **kw: Any) -> tuple[bool, str]:
        return True, "fake"

    async def text_visible(self, *a: Any, **kw: Any) -> None:
        return None


def test_extraction_schema_overrides_plan_fields(client: TestClient[Any]) -> None:
    fake = RecordingExtractor()
    manager = client.app.state.services.manager
    manager.providers = Providers(grounder=fake, verifier=fake, extractor=fake)  # type: ignore[arg-type]
    plan = [
        {"type": "navigate", "intent": "open", "params": {"url": "http://example.test/a"}},
        {
            "type": "extract_rows",
            "intent": "rows",
            "extract": {"fields": [{"name": "plan_field"}], "max_items": 3},
        },
        {"type": "done", "intent": "finished"},
    ]
    schema = {
        "entity_name": "car",
        "fields": [{"name": "make", "required": True}, {"name": "price", "type": "float"}],
        "required_fields": ["price"],
    }
    run_id = client.post("/v1/predict", json={"micro": plan, "extraction_schema": schema}).json()[
        "run_id"
    ]
    wait_for(client, run_id, "succeeded")
    assert [(f.name, f.type, f.required) for f in fake.calls[0]] == [
        ("make", "str", True),
        ("price", "float", True),
    ]
    result = client.get(f"/v1/runs/{run_id}/result").json()["result"]
    assert result["extracted_rows"] == [{"make": "x", "price": "x"}]


def test_proxy_options_and_allowed_domains_reach_the_session(
    screen_client: Callable[..., TestClient[Any]], tmp_path: Path
) -> None:
    keys = tmp_path / "keys.json"
    token = add_tenant(
        keys,
        Tenant(tenant_id="delta", allowed_domains=("example.test",), rate_limit_per_minute=0),
    )
    client = screen_client(tenant_keys_path=keys)
    client.headers["X-Mantis-Token"] = token
    ScreenComputer.specs.clear()
    resp = client.post(
        "/v1/predict", json={"micro": QUICK, "proxy_disabled": True, "proxy_city": "Austin"}
    )
    assert resp.status_code == 200, resp.text
    assert resp.json()["payload"]["allowed_domains"] == ["example.test"]
    wait_for(client, resp.json()["run_id"], "succeeded")
    spec = ScreenComputer.specs[-1]
    assert spec.proxy_disabled is True
    assert spec.allowed_domains == ("example.test",)
    assert spec.upstream is None
