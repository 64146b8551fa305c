"""Screencast and live view over real HTTP, with real Xvfb, Chromium and ffmpeg."""

from __future__ import annotations

import io
import shutil
import time

import httpx
import pytest
from PIL import Image

from mantis.config import Settings
from tests.conftest import Server
from tests.e2e.test_predict_api import wait_terminal
from tests.unit.server.test_media_routes import read_frames

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="ffmpeg not installed"),
]


def test_live_view_and_screencast_of_a_real_browser(server: Server, demo_site: str) -> None:
    client = server.client()
    plan = [
        {"type": "navigate", "intent": "open the demo site", "params": {"url": demo_site}},
        {"type": "wait", "intent": "let it be watched", "params": {"seconds": 4}},
        {"type": "done", "intent": "finished"},
    ]
    resp = client.post(
        "/v1/predict",
        json={
            "micro": plan,
            "profile_id": "e2e-media",
            "record_video": True,
            "video_fps": 5,
            "live_viewer": True,
        },
    )
    assert resp.status_code == 200, resp.text
    run_id = resp.json()["run_id"]
    deadline = time.monotonic() + 120
    status: dict = {}
    while time.monotonic() < deadline:
        status = client.get(f"/v1/runs/{run_id}/status").json()
        if "viewer_url" in status or status["status"] not in ("queued", "running"):
            break
        time.sleep(0.2)
    assert "viewer_url" in status, status
    with httpx.stream("GET", server.base_url + status["viewer_url"], timeout=60) as live:
        assert live.status_code == 200
        frames = read_frames(live.iter_bytes(), 2)
    assert len(frames) == 2
    for jpeg in frames:
        img = Image.open(io.BytesIO(jpeg))
        assert img.format == "JPEG" and img.size == Settings.from_env({}).display_size

    final = wait_terminal(client, run_id)
    assert final["status"] == "succeeded", final
    result = client.get(f"/v1/runs/{run_id}/result").json()
    names = [a["name"] for a in result["result"]["artifacts"]]
    assert "video.mp4" in names, result
    video = client.get(f"/v1/runs/{run_id}/video")
    assert video.status_code == 200 and video.headers["content-type"] == "video/mp4"
    assert video.content[4:8] == b"ftyp"
    # faststart: the index (moov) comes before the media data (mdat)
    assert 0 <= video.content.find(b"moov") < video.content.find(b"mdat")
    assert client.get(f"/v1/runs/{run_id}/video", params={"raw": 1}).status_code == 200
    assert (server.data_dir / "tenants/default/runs" / run_id / "viewer.json").is_file()
