"""A Claude-driven and an endpoint-driven task on a real page in Xvfb + Chromium.

The models are fakes (``tests/fakes``) speaking the real wire formats: they
click where a script says and check that they were sent a real screenshot of
the display's size. The page reports its clicks in its URL hash.
"""

from __future__ import annotations

import shutil
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from mantis.brains.actions import Click
from mantis.brains.claude import ClaudeBrain, anthropic_client
from mantis.brains.drive import drive
from mantis.brains.endpoint import EndpointEngine
from mantis.brains.generic import Generic
from mantis.brains.vision import VisionBrain
from mantis.gym.base import SessionSpec
from tests.fakes.anthropic_server import FakeAnthropic
from tests.fakes.openai_server import FakeOpenAI

pytestmark = [pytest.mark.integration, pytest.mark.anyio]

PAGE = b"""<!doctype html><html><head><title>button</title></head>
<body style="margin:0;background:#fff">
<div id="b" onclick="history.replaceState(null,'','#clicked')"
  style="position:absolute;left:200px;top:100px;width:200px;height:100px;background:#0a0"></div>
</body></html>"""


@pytest.fixture(scope="module")
def page_url():
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(PAGE)))
            self.end_headers()
            self.wfile.write(PAGE)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()


@pytest.fixture
async def computer(page_url, tmp_path):
    for binary in ("Xvfb", "chromium"):
        if shutil.which(binary) is None:
            pytest.skip(f"{binary} is not installed")
    from mantis.gym.computer import LocalComputer

    async with LocalComputer() as c:
        info = await c.open(SessionSpec(profile_dir=str(tmp_path / "p"), start_url=page_url))
        await c.settle()
        yield c, info.content_top


async def test_claude_brain_clicks_the_button(computer):
    c, top = computer
    script = [{"action": "left_click", "coordinate": [300, top + 150]}, "Clicked the green button."]
    with FakeAnthropic(script) as fake:
        brain = ClaudeBrain(anthropic_client("sk-test", base_url=fake.url), model="claude-test")
        try:
            result = await drive(brain, c, "click the green button", max_steps=4)
        finally:
            await brain.aclose()
    assert result.done is not None and result.done.success
    assert result.actions == [Click(x=300, y=top + 150, reasoning="Step 0: acting.")]
    assert (await c.current_url()).endswith("#clicked")
    assert not fake.failures and fake.image_sizes and set(fake.image_sizes) == {(1280, 720)}


async def test_endpoint_brain_clicks_the_button(computer):
    c, top = computer
    script = [{"action": "click", "x": 300, "y": top + 150}, {"action": "done", "answer": "ok"}]
    with FakeOpenAI(script) as fake:
        brain = VisionBrain("endpoint:fake", Generic(), EndpointEngine(fake.url + "/v1"))
        result = await drive(brain, c, "click the green button", max_steps=4)
    assert result.done is not None and result.done.answer == "ok"
    assert (await c.current_url()).endswith("#clicked")
    assert not fake.failures and fake.image_sizes == [(1280, 720), (1280, 720)]
