"""RemoteComputer against a real `mantis serve`, and the runner unchanged on it."""

from __future__ import annotations

import time
import urllib.parse

import anyio
import httpx
import pytest

from mantis.brains.actions import Click
from mantis.errors import ProfileLocked
from mantis.gym.base import SessionSpec
from mantis.remote.computer import RemoteComputer, plane_profile_id
from tests.conftest import Server

pytestmark = pytest.mark.e2e


class _LoseFirstActionResponse(httpx.AsyncHTTPTransport):
    """Delivers the first click action, then 'loses' its response."""

    def __init__(self) -> None:
        super().__init__()
        self.bodies: list[bytes] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        resp = await super().handle_async_request(request)
        if request.url.path == "/computer/action" and b'"click"' in request.content:
            self.bodies.append(request.content)
            if len(self.bodies) == 1:
                await resp.aread()
                raise httpx.ReadError("connection reset after the request was sent")
        return resp


def test_a_retried_action_reuses_its_step_id_and_clicks_once(server: Server, pages, tmp_path):
    async def main() -> str:
        transport = _LoseFirstActionResponse()
        computer = RemoteComputer(server.base_url, server.token, transport=transport)
        spec = SessionSpec(profile_dir=str(tmp_path / "remote-1"), run_id="remote-run-1")
        info = await computer.open(spec)
        try:
            with pytest.raises(ProfileLocked):
                other = RemoteComputer(server.base_url, server.token)
                await other.open(SessionSpec(profile_dir=str(tmp_path / "remote-1"), run_id="x"))
            await other.close()
            await computer.navigate(f"{pages}/click")
            before = len(transport.bodies)
            assert (await computer.act(Click(x=300, y=info.content_top + 200))).ok
            sent = transport.bodies[before:]
            assert len(sent) == 2 and sent[0] == sent[1], "retried with the same step_id"
            shot = await computer.screenshot()
            assert (shot.width, shot.height) == (1280, 720)
            await computer.settle(0.1, 2.0)
            return urllib.parse.unquote((await computer.current_url()).partition("#")[2])
        finally:
            await computer.close()

    assert anyio.run(main) == "click=1&dblclick=0&contextmenu=0"


def test_plane_profile_ids_keep_the_callers_tenant():
    assert plane_profile_id("/d/tenants/acme/chrome-profile/main") == "acme__main"
    assert plane_profile_id("/tmp/some/profile") == "profile"


def test_the_demo_plan_runs_through_a_remote_computer(
    server: Server, remote_server: Server, demo_site: str
):
    client = remote_server.client()
    resp = client.post(
        "/v1/predict",
        json={"micro": "demo.json", "vars": {"DEMO_URL": demo_site}, "profile_id": "remote-demo"},
    )
    assert resp.status_code == 200, resp.text
    run_id = resp.json()["run_id"]
    deadline = time.monotonic() + 240
    while (status := client.get(f"/v1/runs/{run_id}").json()["status"]) not in (
        "succeeded",
        "failed",
        "cancelled",
    ):
        assert time.monotonic() < deadline
        time.sleep(0.5)
    result = client.post("/v1/predict", json={"action": "result", "run_id": run_id}).json()
    assert status == "succeeded", result
    listings = httpx.get(f"{demo_site}/api/listings.json").json()
    assert len(result["result"]["extracted_rows"]) == len(listings)
    # The browser ran on the plane: its profile sits in the plane's data dir.
    plane_profile = server.data_dir / "tenants" / "default" / "chrome-profile"
    assert (plane_profile / "default__remote-demo").is_dir(), "namespaced by the caller's tenant"


def test_a_browser_crash_on_the_plane_reaches_the_remote_callers_events(
    server: Server, pages, tmp_path
):
    import os
    import signal

    events: list[tuple[str, dict]] = []

    async def sink(kind: str, data: dict) -> None:
        events.append((kind, data))

    async def main() -> None:
        computer = RemoteComputer(server.base_url, server.token, on_event=sink)
        info = await computer.open(
            SessionSpec(profile_dir=str(tmp_path / "crashy"), run_id="crash-1")
        )
        try:
            await computer.navigate(f"{pages}/scroll")
            os.kill(info.chrome_pid, signal.SIGKILL)
            shot = await computer.screenshot()  # recovers on the plane, then answers
            assert shot.width == 1280
            assert await computer.current_url() == f"{pages}/scroll"
        finally:
            await computer.close()

    anyio.run(main)
    assert [(k, d["what"], d["url"]) for k, d in events] == [
        ("browser_restarted", "chromium", f"{pages}/scroll")
    ]
