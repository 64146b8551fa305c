"""Plain-text plans: the decomposition cache, the 503 without a decomposer, hand-over splitting."""

from __future__ import annotations

import sqlite3

import pytest

from mantis.errors import ConfigError, PlanError
from mantis.plans import load_plan
from mantis.runner.decompose import (
    DecomposerUnavailable,
    DecompositionCache,
    decompose_cached,
    text_signature,
)
from mantis.runner.handover import split_handovers
from tests.unit.runner.conftest import plan_of

pytestmark = pytest.mark.anyio

TEXT = "Open http://shop.test,  then ask the user for the verification code and wait for the answer, then type it into the Code field"


class FakeDecomposer:
    name = "fake"

    def __init__(self, data: object) -> None:
        self.data = data
        self.calls: list[str] = []

    async def decompose(self, text: str) -> object:
        self.calls.append(text)
        return self.data


STEPS = [
    {"type": "navigate", "params": {"url": "http://shop.test"}},
    {
        "type": "type_text",
        "intent": "Ask the user for the verification code and wait for the answer, "
        "then type it into the Code field",
    },
]


async def test_decomposes_once_then_serves_the_cache(tmp_path):
    db = tmp_path / "plans.db"
    fake = FakeDecomposer({"steps": STEPS})
    async with DecompositionCache(db) as cache:
        first = await decompose_cached(TEXT, fake, cache)
        again = await decompose_cached(TEXT.replace("  ", " ") + "  ", fake, cache)
        assert fake.calls == [" ".join(TEXT.split())]  # normalised text, asked once
        assert again.plan == first.plan and again.signature == first.signature
    assert [s.type for s in first.plan.steps] == ["navigate", "request_user_input", "type_text"]
    with sqlite3.connect(db) as conn:
        rows = conn.execute("SELECT signature, plan_json, created_at FROM plan_decompositions")
        (sig, plan_json, created), *more = rows.fetchall()
    assert not more and sig == text_signature(TEXT) and created > 0
    assert "request_user_input" in plan_json
    # a new cache object over the same file needs no decomposer
    async with DecompositionCache(db) as cache:
        assert (await decompose_cached(TEXT, None, cache)).plan == first.plan


async def test_no_decomposer_is_a_503_naming_what_to_configure(tmp_path):
    async with DecompositionCache(tmp_path / "p.db") as cache:
        with pytest.raises(DecomposerUnavailable) as info:
            await decompose_cached("do something new", None, cache)
    err = info.value
    assert isinstance(err, ConfigError) and err.status_code == 503
    assert "ANTHROPIC_API_KEY" in err.message and "MANTIS_LOCAL_LLM" in err.message


async def test_bad_decomposer_output_is_a_plan_error_and_not_cached(tmp_path):
    async with DecompositionCache(tmp_path / "p.db") as cache:
        with pytest.raises(PlanError):
            await decompose_cached("x", FakeDecomposer({"steps": [{"type": "fly"}]}), cache)
        with pytest.raises(PlanError, match="returned text"):
            await decompose_cached("x", FakeDecomposer("just words"), cache)
        assert await cache.get(text_signature("x")) is None


def test_handover_split_fills_user_input_and_remaps_jumps():
    plan = plan_of(
        [
            {"type": "navigate", "params": {"url": "http://a.test"}},
            {
                "type": "fill_field",
                "intent": "Prompt the user to provide their ZIP code, then enter the ZIP code "
                "in the Postcode box",
                "params": {"label": "Postcode"},
            },
            {"type": "holo3", "intent": "ask the user for approval and wait"},
            {"type": "loop", "loop_target": 2, "loop_count": 1},
        ]
    )
    steps = split_handovers(plan).steps
    assert [s.type for s in steps] == [
        "navigate",
        "request_user_input",
        "fill_field",
        "request_user_input",
        "loop",
    ]
    assert steps[1].params.prompt == "Please provide your ZIP code."
    assert steps[2].intent == "enter the {{user_input}} in the Postcode box"
    assert steps[2].params.value == "{{user_input}}" and steps[2].params.label == "Postcode"
    assert steps[3].params.prompt == "Please provide approval."
    assert steps[4].loop_target == 3  # still the step it pointed at (now the question)
    load_plan({"steps": [{"type": s.type, "intent": s.intent} for s in steps[:3]]})


def test_handover_left_alone_when_already_split_or_absent():
    plan = plan_of(
        [
            {"type": "request_user_input", "params": {"prompt": "Code?"}},
            {"type": "type_text", "intent": "ask the user for X, then type {{user_input}}"},
            {"type": "click", "intent": 'click "Ask the user"'},
        ]
    )
    assert split_handovers(plan) is plan
    odd = plan_of([{"type": "type_text", "intent": "Ask the user for the PIN then press Enter"}])
    steps = split_handovers(odd).steps
    assert steps[1].intent == 'press Enter using "{{user_input}}"'
