"""The /computer wire on a real `mantis serve`: sessions, screenshots, dedup, errors."""

from __future__ import annotations

import base64
import io
import urllib.parse

import httpx
import pytest
from PIL import Image

from tests.conftest import Server

pytestmark = pytest.mark.e2e


def _hash(client: httpx.Client) -> str:
    client.post("/computer/settle", json={"floor_s": 0.1, "ceiling_s": 2})
    url = client.post("/computer/url").json()["url"]
    return urllib.parse.unquote(url.partition("#")[2])


def test_init_is_idempotent_and_another_run_on_the_profile_gets_409(server: Server, session):
    token = session.headers["X-Mantis-Session"]
    again = server.client().post(
        "/computer/session/init", json={"profile_id": "wire", "run_id": "wire-run-1"}
    )
    assert again.status_code == 200 and again.json()["session_token"] == token
    other = server.client().post(
        "/computer/session/init", json={"profile_id": "wire", "run_id": "wire-run-2"}
    )
    assert other.status_code == 409
    assert other.json()["extra"]["held_run_id"] == "wire-run-1"


def test_screenshot_as_json_and_as_raw_bytes(session):
    body = session.post("/computer/screenshot", json={"format": "jpeg", "quality": 70}).json()
    img = Image.open(io.BytesIO(base64.b64decode(body["image_b64"])))
    assert (
        (img.format, img.size)
        == ("JPEG", (body["width"], body["height"]))
        == (
            "JPEG",
            (1280, 720),
        )
    )
    raw = session.post("/computer/screenshot", json={}, headers={"Accept": "image/png"})
    assert raw.headers["content-type"] == "image/png"
    assert raw.headers["x-mantis-width"] == "1280" and int(raw.headers["x-mantis-captured-at-ms"])
    assert Image.open(io.BytesIO(raw.content)).size == (1280, 720)


def test_wire_screenshots_carry_the_screens_true_colours(session, pages):
    """Captured as BGRX, served as RGB: a swapped channel would turn blue into red."""
    session.post(
        "/computer/action",
        json={"action": {"kind": "navigate", "url": f"{pages}/click"}, "step_id": "colours-1"},
    )
    session.post("/computer/settle", json={"floor_s": 0.1, "ceiling_s": 2})
    raw = session.post("/computer/screenshot", json={}, headers={"Accept": "image/png"})
    png = Image.open(io.BytesIO(raw.content)).convert("RGB")
    assert png.getpixel((900, 700)) == (0, 0, 255)  # the page's background
    column = [png.getpixel((300, y)) for y in range(720)]
    assert column.count((255, 255, 0)) == 100  # the 200x100 yellow button, every row of it
    body = session.post("/computer/screenshot", json={"format": "jpeg", "quality": 90}).json()
    jpeg = Image.open(io.BytesIO(base64.b64decode(body["image_b64"]))).convert("RGB")
    r, g, b = jpeg.getpixel((900, 700))
    assert r < 16 and g < 16 and b > 239


def test_the_same_step_id_clicks_once(session, pages):
    nav = session.post(
        "/computer/action",
        json={"action": {"kind": "navigate", "url": f"{pages}/click"}, "step_id": "nav-1"},
    )
    assert nav.json() == {"ok": True, "detail": "", "deduplicated": False}
    top = session.post(
        "/computer/session/init", json={"profile_id": "wire", "run_id": "wire-run-1"}
    )
    content_top = top.json()["content_top"]
    click = {"action": {"kind": "click", "x": 300, "y": content_top + 200}, "step_id": "click-1"}
    first = session.post("/computer/action", json=click).json()
    second = session.post("/computer/action", json=click).json()
    assert (first["deduplicated"], second["deduplicated"]) == (False, True)
    assert _hash(session) == "click=1&dblclick=0&contextmenu=0"
    # A different point, far enough in time and space not to make a double click.
    session.post("/computer/xdotool", json={"argv": ["sleep", "0.6"], "step_id": "pause"})
    argv = {"argv": ["mousemove", "380", str(content_top + 230), "click", "1"], "step_id": "x-1"}
    assert session.post("/computer/xdotool", json=argv).json()["returncode"] == 0
    assert session.post("/computer/xdotool", json=argv).json()["deduplicated"] is True
    assert _hash(session) == "click=2&dblclick=0&contextmenu=0"


def test_malformed_argv_is_returncode_1_not_an_http_error(session):
    resp = session.post("/computer/xdotool", json={"argv": ["mousemove", "x", "1"], "step_id": "m"})
    assert resp.status_code == 200
    body = resp.json()
    assert body["returncode"] == 1 and "invalid X 'x'" in body["stderr"]
    resp = session.post("/computer/xdotool", json={"argv": ["rm", "-rf"], "step_id": "m2"})
    assert "Unknown command: rm" in resp.json()["stderr"]


def test_cdp_on_a_session_without_cdp_is_403(session):
    resp = session.post("/computer/cdp", json={"expression": "1+1", "step_id": "c"})
    assert resp.status_code == 403 and "enable_cdp" in resp.json()["detail"]


def test_bad_bodies_name_the_field(session):
    resp = session.post("/computer/action", json={"action": {"kind": "click", "x": "a", "y": 1}})
    assert resp.status_code == 400 and "action.x" in resp.json()["detail"]
    resp = session.post(
        "/computer/action", json={"action": {"kind": "wait", "seconds": 0}, "step_id": ""}
    )
    assert resp.status_code == 400 and "step_id" in resp.json()["detail"]
    resp = session.post("/computer/screenshot", json={"quality": 500})
    assert resp.status_code == 400 and "quality" in resp.json()["detail"]


def test_unknown_session_and_missing_tenant_token(server: Server, session):
    client = server.client()
    resp = client.post("/computer/screenshot", json={}, headers={"X-Mantis-Session": "nope"})
    assert resp.status_code == 404 and "X-Mantis-Session" in resp.json()["detail"]
    anon = httpx.post(
        f"{server.base_url}/computer/screenshot",
        headers={"X-Mantis-Session": session.headers["X-Mantis-Session"]},
        json={},
    )
    assert anon.status_code == 401


def test_health_counts_sessions(server: Server, session):
    body = httpx.get(f"{server.base_url}/computer/health").json()
    assert body["status"] == "ok" and body["sessions"] >= 1 and body["last_action_at"]


def test_cdp_session_evaluates_and_a_throw_is_returncode_1(server: Server):
    client = server.client()
    opened = client.post(
        "/computer/session/init",
        json={"profile_id": "wire-cdp", "run_id": "wire-cdp-1", "enable_cdp": True},
    )
    assert opened.status_code == 200, opened.text
    client.headers["X-Mantis-Session"] = opened.json()["session_token"]
    try:
        ok = client.post("/computer/cdp", json={"expression": "6*7", "step_id": "c1"}).json()
        assert ok == {"result_json": "42", "returncode": 0, "deduplicated": False}
        bad = client.post("/computer/cdp", json={"expression": "nope()", "step_id": "c2"}).json()
        assert bad["returncode"] == 1 and "nope" in bad["result_json"]
    finally:
        client.post("/computer/session/close")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"chrome_flags": ["--user-data-dir=/tmp/other"]}, "chrome_flags[0]"),
        ({"chrome_flags": ["--lang=en", "--remote-debugging-port=9222"]}, "chrome_flags[1]"),
        ({"chrome_flags": ["--proxy-bypass-list=*"]}, "chrome_flags[0]"),
        ({"chrome_flags": ["http://example.com"]}, "chrome_flags[0]"),
        ({"viewport": [10, 10]}, "viewport"),
        ({"profile_id": "../escape"}, "profile_id"),
    ],
)
def test_init_refuses_flags_that_escape_the_session(server: Server, body, field):
    req = {"profile_id": "flags", "run_id": f"flags-{field}", **body}
    resp = server.client().post("/computer/session/init", json=req)
    assert resp.status_code == 400 and field in resp.json()["detail"], resp.text
