"""The Claude providers with the real ``anthropic`` SDK against a fake Messages server.

Everything here talks to ``tests.fakes.anthropic_tools.FakeAnthropicTools`` on
127.0.0.1 (no real API, no key): the fake speaks the real wire format with
forced ``tool_use`` blocks, validates each tool's schema and each scripted
answer against it, and records the images it was sent.
"""

from __future__ import annotations

import pytest
from PIL import Image, ImageDraw

from mantis.brains.base import Usage
from mantis.brains.claude import anthropic_client
from mantis.brains.errors import UpstreamError
from mantis.brains.pricing import claude_cost
from mantis.brains.providers.base import FieldSpec
from mantis.brains.providers.claude_common import ProviderCall
from mantis.brains.providers.claude_decomposition import ClaudeDecomposer
from mantis.brains.providers.claude_extraction import ClaudeExtractor, shape_rows
from mantis.brains.providers.claude_grounding import ClaudeGrounder
from mantis.brains.providers.claude_verification import ClaudeVerifier
from mantis.config import Settings
from mantis.errors import PlanError
from mantis.gym.base import Screenshot
from mantis.remote.local_server import free_port
from tests.fakes.anthropic_tools import FakeAnthropicTools

pytestmark = pytest.mark.anyio
SETTINGS = Settings()


def page(size: tuple[int, int] = (1280, 720), dot: tuple[int, int] | None = None) -> Screenshot:
    img = Image.new("RGB", size, (245, 245, 245))
    draw = ImageDraw.Draw(img)
    for i in range(0, size[1], 40):
        draw.rectangle((40, i + 5, 40 + (i * 7) % 600, i + 30), fill=(60, 60 + i % 150, 200))
    draw.rectangle((60, 190, 160, 220), fill=(20, 110, 40))
    draw.text((80, 198), "Submit", fill=(255, 255, 255))
    if dot is not None:
        img.putpixel(dot, (0, 0, 0))
    return Screenshot.from_image(img)


@pytest.fixture
async def make():
    clients = []

    def build(cls, url: str, **kw):
        client = anthropic_client("sk-test", base_url=url, max_retries=kw.pop("max_retries", 1))
        clients.append(client)
        return cls(client, model="claude-test", cost=lambda u: claude_cost(u, SETTINGS), **kw)

    yield build
    for c in clients:
        await c.close()


async def test_grounder_points_maps_and_caches_by_perceptual_hash(make):
    answer = {"found": True, "x": 110, "y": 205, "box": [60, 190, 100, 30], "text": "Submit"}
    seen: list[ProviderCall] = []
    with FakeAnthropicTools([answer]) as fake:
        g = make(ClaudeGrounder, fake.url, on_call=seen.append)
        first = await g.locate(page(), "Submit button", role="button")
        again = await g.locate(page(dot=(900, 600)), "submit  BUTTON", role="button")
        other = await g.locate(page(), "Cancel button", role="button")
    assert not fake.failures
    assert first is not None and (first.x, first.y) == (110, 205)
    assert (first.box.x, first.box.y, first.box.w, first.box.h) == (60, 190, 100, 30)
    assert first.text == "Submit"
    assert again == first and g.cache_hits == 1  # one changed pixel still hits the cache
    assert other == first and len(fake.requests) == 2  # a new description is a new question
    body = fake.requests[0].body
    assert body["tool_choice"] == {"type": "tool", "name": "point_at"}
    assert "Submit button" in body["messages"][0]["content"][1]["text"]
    assert fake.image_sizes == [(1280, 720), (1280, 720)]
    assert len(seen) == 2 and seen[0].bucket == "claude_ground"
    assert seen[0].usage.input_tokens > 1000 and seen[0].latency_s > 0
    assert seen[0].cost_usd == pytest.approx(claude_cost(seen[0].usage, SETTINGS))


async def test_grounder_region_offsets_and_misses_are_not_cached(make):
    script = [{"found": True, "x": 10, "y": 20, "box": [0, 10, 40, 20]}, {"found": False}]
    with FakeAnthropicTools(script) as fake:
        g = make(ClaudeGrounder, fake.url)
        hit = await g.locate(page(), "the email field", role="input", region=(300, 100, 400, 200))
        miss1 = await g.locate(page(), "a unicorn")
        miss2 = await g.locate(page(), "a unicorn")
    assert not fake.failures
    assert hit is not None and (hit.x, hit.y) == (310, 120) and hit.box.x == 300
    assert fake.image_sizes[0] == (400, 200)
    assert miss1 is None and miss2 is None and len(fake.requests) == 3


async def test_grounder_rejects_points_off_the_image(make):
    with FakeAnthropicTools([{"found": True, "x": 5000, "y": 10}]) as fake:
        assert await make(ClaudeGrounder, fake.url).locate(page(), "Submit") is None


async def test_grounder_refines_on_a_full_resolution_window_for_big_screens(make):
    # 2560x1440 is sent at 1568x882 (scale 0.6125); the first point (490, 392) is
    # screen (800, 640); the refine window is 480x320 around it, from (560, 480).
    script = [{"found": True, "x": 490, "y": 392}, {"found": True, "x": 245, "y": 163}]
    with FakeAnthropicTools(script) as fake:
        found = await make(ClaudeGrounder, fake.url).locate(page((2560, 1440)), "Submit")
    assert not fake.failures
    assert fake.image_sizes == [(1568, 882), (480, 320)]
    assert found is not None and (found.x, found.y) == (560 + 245, 480 + 163)


async def test_verifier_answers_with_a_reason_and_no_tool_call_is_false(make):
    script = [{"holds": True, "reason": "The page shows 'Order confirmed'."}, "I am not sure."]
    with FakeAnthropicTools(script) as fake:
        v = make(ClaudeVerifier, fake.url)
        yes = await v.check(page(), "the order is confirmed")
        unsure = await v.check(page(), "the order is confirmed", region=(0, 0, 640, 360))
    assert yes == (True, "The page shows 'Order confirmed'.")
    assert unsure == (False, "Claude gave no verdict: I am not sure.")
    assert fake.image_sizes == [(1280, 720), (640, 360)]
    assert fake.requests[0].body["tools"][0]["name"] == "verdict"
    assert [c.bucket for c in v.calls] == ["claude_verify", "claude_verify"]


async def test_verifier_text_visible_grounds_the_text(make):
    with FakeAnthropicTools([{"found": True, "x": 100, "y": 200, "text": "Submit"}]) as fake:
        v = make(ClaudeVerifier, fake.url)
        found = await v.text_visible(page(), "Submit")
    assert found is not None and (found.x, found.y) == (100, 200)
    assert 'the text "Submit"' in fake.requests[0].body["messages"][0]["content"][1]["text"]


FIELDS = [
    FieldSpec(name="title", type="str", required=True, example="Blue kettle"),
    FieldSpec(name="price", type="float"),
    FieldSpec(name="stock", type="int"),
    FieldSpec(name="in_sale", type="bool"),
]


async def test_extractor_single_row_is_typed_complete_and_ordered(make):
    answer = {"in_sale": True, "price": 1299.5, "title": "Blue kettle", "stock": None}
    with FakeAnthropicTools([answer]) as fake:
        rows = await make(ClaudeExtractor, fake.url).extract(page(), FIELDS)
    assert not fake.failures
    assert rows == [{"title": "Blue kettle", "price": 1299.5, "stock": "", "in_sale": True}]
    assert list(rows[0]) == ["title", "price", "stock", "in_sale"]
    schema = fake.requests[0].body["tools"][0]["input_schema"]
    assert list(schema["properties"]) == ["title", "price", "stock", "in_sale"]
    assert schema["properties"]["title"]["type"] == "string"
    assert schema["properties"]["stock"]["type"] == ["integer", "null"]
    assert schema["required"] == ["title"]
    assert "Blue kettle" in schema["properties"]["title"]["description"]


def test_rows_from_loose_answers_are_coerced_like_local_ones():
    # Tool input is not strictly schema-enforced by the API: strings for numbers happen.
    loose = {"in_sale": "yes", "price": "$1,299.50", "title": 7, "stock": "12", "extra": 1}
    assert shape_rows(loose, FIELDS, 1) == [
        {"title": "7", "price": 1299.5, "stock": 12, "in_sale": True}
    ]
    assert shape_rows({"rows": [{}, {"title": "x"}, "junk"]}, FIELDS, 5) == [
        {"title": "x", "price": "", "stock": "", "in_sale": ""}
    ]
    assert shape_rows({"price": 2.5}, FIELDS[1:3], 1) == [{"price": 2.5, "stock": ""}]
    assert shape_rows({"stock": 2.5}, FIELDS[2:3], 1) == [{"stock": 2.5}]  # not whole: kept


async def test_extractor_multi_row_caps_at_max_items(make):
    rows_in = [
        {"title": "A", "price": 3, "stock": 7.0, "in_sale": False},
        {"title": "B", "price": 4.25, "stock": 2, "in_sale": True},
    ]
    with FakeAnthropicTools([{"rows": rows_in}]) as fake:
        rows = await make(ClaudeExtractor, fake.url).extract(page(), FIELDS, max_items=2)
    assert not fake.failures
    assert rows == [
        {"title": "A", "price": 3.0, "stock": 7, "in_sale": False},
        {"title": "B", "price": 4.25, "stock": 2, "in_sale": True},
    ]
    schema = fake.requests[0].body["tools"][0]["input_schema"]
    assert schema["properties"]["rows"]["maxItems"] == 2


HANDOVER = (
    "Go to http://shop.test/login, sign in as ann. Ask the user for the verification "
    "code and wait for the answer, then type it into the Code field and press Verify."
)
GOOD_PLAN = {
    "steps": [
        {
            "type": "navigate",
            "intent": "Open the login page",
            "params": {"url": "http://shop.test/login"},
        },
        {
            "type": "fill_field",
            "intent": "Enter the user",
            "params": {"label": "User", "value": "ann"},
        },
        {
            "type": "request_user_input",
            "intent": "Ask for the code",
            "params": {"prompt": "What is the verification code?"},
        },
        {
            "type": "fill_field",
            "intent": "Type the code",
            "params": {"label": "Code", "value": "{{user_input}}"},
        },
        {"type": "submit", "intent": "Verify", "params": {"label": "Verify"}},
        {"type": "done", "intent": "Finished"},
    ]
}


async def test_decomposer_hand_over_becomes_request_user_input_then_user_input(make):
    with FakeAnthropicTools([GOOD_PLAN]) as fake:
        d = make(ClaudeDecomposer, fake.url)
        loaded = await d.decompose(HANDOVER)
    assert not fake.failures
    steps = loaded.plan.steps  # type: ignore[union-attr]
    ask = [s.type for s in steps].index("request_user_input")
    assert steps[ask].params.prompt == "What is the verification code?"
    assert steps[ask + 1].params.value == "{{user_input}}"
    body = fake.requests[0].body
    rules = body["system"][0]["text"]
    assert "request_user_input" in rules and "{{user_input}}" in rules and "ask the user" in rules
    assert body["tool_choice"] == {"type": "tool", "name": "submit_plan"}
    assert "Step" in body["tools"][0]["input_schema"]["$defs"]
    assert d.calls[0].bucket == "claude_decompose"


async def test_decomposer_retries_once_with_the_validator_errors():
    no_handover = {"steps": [s for s in GOOD_PLAN["steps"] if s["type"] != "request_user_input"]}
    bad_loop = {"steps": [{"type": "navigate", "intent": "x", "loop_target": 5}]}
    with FakeAnthropicTools([no_handover, GOOD_PLAN]) as fake:
        client = anthropic_client("sk-test", base_url=fake.url, max_retries=0)
        loaded = await ClaudeDecomposer(client, model="m").decompose(HANDOVER)
        await client.close()
    assert not fake.failures
    assert len(loaded.plan.steps) == 6  # type: ignore[union-attr]
    retry = fake.requests[1].body["messages"]
    assert [m["role"] for m in retry] == ["user", "assistant", "user"]
    result = retry[2]["content"][0]
    assert result["type"] == "tool_result" and result["is_error"] is True
    assert "request_user_input" in result["content"]

    with FakeAnthropicTools([bad_loop]) as fake:
        client = anthropic_client("sk-test", base_url=fake.url, max_retries=0)
        with pytest.raises(PlanError) as err:
            await ClaudeDecomposer(client, model="m").decompose("open the page")
        await client.close()
    assert len(fake.requests) == 2
    assert "loop_target" in fake.requests[1].body["messages"][2]["content"][0]["content"]
    assert err.value.extra["errors"] and err.value.status_code == 400


async def test_unreachable_api_is_an_upstream_error():
    client = anthropic_client("sk-test", base_url=f"http://127.0.0.1:{free_port()}", max_retries=0)
    try:
        with pytest.raises(UpstreamError) as err:
            await ClaudeVerifier(client, model="m").check(page(), "anything")
        assert err.value.status_code == 502
    finally:
        await client.close()


async def test_server_errors_are_retried_then_reported(make):
    with FakeAnthropicTools([{"holds": False, "reason": "no"}]) as fake:
        fake.fail_next = [529]
        assert await make(ClaudeVerifier, fake.url).check(page(), "x") == (False, "no")
        fake.fail_next = [500, 500]
        with pytest.raises(UpstreamError):
            await make(ClaudeVerifier, fake.url, max_retries=1).check(page(), "x")


def test_usage_prices_into_the_claude_bucket():
    call = ProviderCall(
        bucket="claude_extract",
        model="m",
        usage=Usage(input_tokens=1_000_000, output_tokens=0),
        latency_s=1.0,
        cost_usd=claude_cost(Usage(input_tokens=1_000_000), SETTINGS),
    )
    assert call.cost_usd == SETTINGS.price_claude_input_per_mtok
