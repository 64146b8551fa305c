"""Vision brains over the OpenAI-compatible wire, against the fake server (``tests/fakes``)."""

from __future__ import annotations

import pytest

from mantis.brains.actions import Click, Done, Type
from mantis.brains.endpoint import EndpointEngine
from mantis.brains.errors import UpstreamError
from mantis.brains.fara import Fara
from mantis.brains.generic import Generic
from mantis.brains.holo3 import Holo3
from mantis.brains.vision import VisionBrain
from mantis.remote.local_server import free_port
from tests.fakes.openai_server import FakeOpenAI

pytestmark = pytest.mark.anyio


async def test_generic_endpoint_brain_reads_tool_calls(frame):
    script = [{"action": "click", "x": 100, "y": 200}, {"action": "type", "text": "hi"}]
    with FakeOpenAI(script) as fake:
        brain = VisionBrain("endpoint:fake", Generic(), EndpointEngine(fake.url + "/v1"))
        first = await brain.think([frame], "say hi", [], (1280, 720))
        second = await brain.think([frame], "say hi", [first.action], (1280, 720))
    assert first.action == Click(x=100, y=200) and second.action == Type(text="hi")
    assert first.usage.input_tokens == 1000
    assert fake.image_sizes == [(1280, 720), (1280, 720)]
    assert fake.requests[0].body["tools"][0]["function"]["name"] == "computer"
    assert not fake.failures


async def test_holo3_over_an_endpoint_sends_the_smart_resized_frame(frame):
    with FakeOpenAI(["Thought: submit.\nAction: click(x=644, y=364)"]) as fake:
        brain = VisionBrain("holo3", Holo3(), EndpointEngine(fake.url + "/v1"))
        inference = await brain.think([frame], "submit", [], (1280, 720))
    assert inference.action == Click(x=640, y=360, reasoning="submit.")
    assert fake.image_sizes == [(1288, 728)]


async def test_fara_over_an_endpoint_sends_its_fixed_input_size(frame):
    call = '<tool_call>{"name": "computer_use", "arguments": {"action": "terminate", "status": "success"}}</tool_call>'
    with FakeOpenAI([call]) as fake:
        brain = VisionBrain("fara", Fara(), EndpointEngine(fake.url + "/v1"))
        inference = await brain.think([frame], "finish", [], (1280, 720))
    assert isinstance(inference.action, Done) and inference.action.success
    assert fake.image_sizes == [(1428, 896)]


async def test_unparseable_answer_is_a_failed_attempt_not_an_exception(frame):
    with FakeOpenAI(["I cannot see anything useful."]) as fake:
        brain = VisionBrain("holo3", Holo3(), EndpointEngine(fake.url + "/v1"))
        inference = await brain.think([frame], "submit", [], (1280, 720))
    assert inference.action is None
    assert inference.raw == "I cannot see anything useful."
    assert inference.error and "no action" in inference.error


async def test_5xx_is_retried_with_backoff(frame):
    with FakeOpenAI([{"action": "done"}]) as fake:
        fake.fail_next = [503, 429]
        engine = EndpointEngine(fake.url + "/v1", retries=2, backoff_s=0.01)
        inference = await VisionBrain("e", Generic(), engine).think([frame], "t", [], (1280, 720))
    assert isinstance(inference.action, Done)
    assert len(fake.requests) == 3


async def test_persisting_error_raises_upstream_error_with_the_status(frame):
    with FakeOpenAI() as fake:
        fake.fail_next = [500, 500, 500]
        engine = EndpointEngine(fake.url + "/v1", retries=1, backoff_s=0.01)
        with pytest.raises(UpstreamError) as info:
            await VisionBrain("e", Generic(), engine).think([frame], "t", [], (1280, 720))
    assert info.value.status_code == 502 and info.value.extra["upstream_status"] == 500


async def test_unreachable_endpoint_is_a_502(frame):
    engine = EndpointEngine(f"http://127.0.0.1:{free_port()}/v1", retries=0)
    with pytest.raises(UpstreamError) as info:
        await VisionBrain("e", Generic(), engine).think([frame], "t", [], (1280, 720))
    assert info.value.status_code == 502 and "unreachable" in info.value.message
