"""The ``claude`` brain with the real ``anthropic`` SDK against the fake Messages server."""

from __future__ import annotations

import pytest

from mantis.brains.actions import Click, Done, Key, Type
from mantis.brains.claude import ClaudeBrain, anthropic_client
from mantis.brains.errors import UpstreamError
from mantis.remote.local_server import free_port
from tests.fakes.anthropic_server import FakeAnthropic

pytestmark = pytest.mark.anyio
SCREEN = (1280, 720)


@pytest.fixture
async def brain():
    made: list[ClaudeBrain] = []

    def make(url: str, **kw) -> ClaudeBrain:
        client = anthropic_client("sk-test", base_url=url, max_retries=kw.pop("max_retries", 2))
        made.append(ClaudeBrain(client, model="claude-test", **kw))
        return made[-1]

    yield make
    for b in made:
        await b.aclose()


async def test_tool_use_becomes_an_action_and_text_ends_the_task(frame, brain):
    script = [{"action": "left_click", "coordinate": [100, 200]}, "The form is submitted."]
    with FakeAnthropic(script) as fake:
        b = brain(fake.url)
        first = await b.think([frame], "submit the form", [], SCREEN)
        second = await b.think([frame, frame], "submit the form", [first.action], SCREEN)
    assert first.action == Click(x=100, y=200, reasoning="Step 0: acting.")
    assert isinstance(second.action, Done) and second.action.answer == "The form is submitted."
    assert not fake.failures
    request = fake.requests[0]
    assert request.headers["anthropic-beta"] == "computer-use-2025-11-24"
    tool = request.body["tools"][0]
    assert tool["type"] == "computer_20251124" and tool["cache_control"] == {"type": "ephemeral"}
    assert request.body["system"][0]["cache_control"] == {"type": "ephemeral"}
    assert fake.image_sizes[0] == SCREEN
    assert second.usage.cache_read_tokens > 0


async def test_older_tool_fails_over_to_the_fallback_pairing(frame, brain):
    with FakeAnthropic(
        [{"action": "key", "text": "ctrl+l"}], reject_tool="computer_20251124"
    ) as fake:
        inference = await brain(fake.url).think([frame], "focus the address bar", [], SCREEN)
    assert inference.action == Key(keys="ctrl+l", reasoning="Step 0: acting.")
    assert fake.requests[-1].body["tools"][0]["type"] == "computer_20250124"
    assert fake.requests[-1].headers["anthropic-beta"] == "computer-use-2025-01-24"


async def test_429_and_529_are_retried(frame, brain):
    with FakeAnthropic([{"action": "type", "text": "x"}]) as fake:
        fake.fail_next = [429, 529]
        inference = await brain(fake.url, max_retries=3).think([frame], "type", [], SCREEN)
    assert inference.action == Type(text="x", reasoning="Step 0: acting.")
    assert len(fake.requests) == 3


async def test_unreachable_api_is_a_502(frame, brain):
    b = brain(f"http://127.0.0.1:{free_port()}", max_retries=0)
    with pytest.raises(UpstreamError) as info:
        await b.think([frame], "t", [], SCREEN)
    assert info.value.status_code == 502


async def test_bad_tool_input_is_a_failed_attempt(frame, brain):
    with FakeAnthropic([{"action": "left_click", "coordinate": [9999, 5]}]) as fake:
        inference = await brain(fake.url).think([frame], "t", [], SCREEN)
    assert inference.action is None and "outside" in (inference.error or "")


async def test_input_tokens_stay_flat_over_a_long_run(frame, brain):
    script = [{"action": "left_click", "coordinate": [10 + i, 10]} for i in range(60)]
    with FakeAnthropic(script) as fake:
        b = brain(fake.url, keep_frames=3, keep_turns=10)
        history, frames = [], []
        for _ in range(50):
            frames.append(frame)
            inference = await b.think(frames[-3:], "click along", history, SCREEN)
            history.append(inference.action)
    assert not fake.failures
    tokens = fake.input_tokens
    assert tokens[49] < tokens[0] * 4  # bounded by the window, not by the step number
    assert abs(tokens[49] - tokens[20]) < tokens[20] * 0.1
