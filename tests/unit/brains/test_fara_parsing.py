"""Fara's action table, on tool calls written in Fara's own format."""

from __future__ import annotations

import json

import pytest

from mantis.brains.actions import Back, Click, Done, Key, Navigate, Scroll, Type, Wait
from mantis.brains.draft import ParseFailure, realize
from mantis.brains.engine import ChatReply
from mantis.brains.fara import Fara

FARA = Fara()
SPACE = FARA.space((1280, 720))  # the model sees 1428x896


def parse(arguments: dict, thought: str = "I see the page."):
    call = json.dumps({"name": "computer_use", "arguments": arguments})
    return realize(
        FARA.parse(ChatReply(text=f"{thought}\n<tool_call>\n{call}\n</tool_call>")), SPACE
    )


def test_input_is_the_fixed_training_size():
    assert SPACE.image == (1428, 896)


@pytest.mark.parametrize(
    ("arguments", "expected"),
    [
        ({"action": "left_click", "coordinate": [714, 448]}, Click(x=640, y=360)),
        ({"action": "type", "text": "hello", "coordinate": [10, 10]}, Type(text="hello")),
        ({"action": "key", "keys": ["Control", "l"]}, Key(keys="Control+l")),
        ({"action": "scroll", "pixels": -300}, Scroll(direction="down", amount=3)),
        (
            {"action": "scroll", "pixels": 200, "coordinate": [714, 448]},
            Scroll(direction="up", amount=2, x=640, y=360),
        ),
        ({"action": "wait", "duration": 2}, Wait(seconds=2)),
        (
            {"action": "visit_url", "url": "https://example.com"},
            Navigate(url="https://example.com"),
        ),
        (
            {"action": "web_search", "query": "mantis agents"},
            Navigate(url="https://www.bing.com/search?q=mantis+agents"),
        ),
        ({"action": "history_back"}, Back()),
        ({"action": "terminate", "status": "success"}, Done(success=True)),
        ({"action": "terminate", "status": "failure"}, Done(success=False)),
    ],
)
def test_action_table(arguments, expected):
    action = parse(arguments)
    assert type(action) is type(expected)
    assert action == type(expected)(**{**_fields(expected), "reasoning": action.reasoning})


def _fields(action):
    return {f: getattr(action, f) for f in action.__struct_fields__}


def test_mouse_move_and_memorize_become_short_waits():
    assert parse({"action": "mouse_move", "coordinate": [1, 1]}) == Wait(
        seconds=0.2, reasoning="mouse_move (no-op)"
    )
    memo = parse({"action": "pause_and_memorize_fact", "fact": "price is $5"})
    assert isinstance(memo, Wait) and "price is $5" in memo.reasoning


@pytest.mark.parametrize(
    "text",
    [
        "I will click the button.",
        '<tool_call>{"name": "computer_use", "arguments": {"action": "double_click", "coordinate": [1, 1]}}</tool_call>',
        '<tool_call>{"name": "computer_use", "arguments": {"action": "left_click", "coordinate": [9000, 1]}}</tool_call>',
        '<tool_call>{"name": "computer_use", "arguments": {"action": "left_cl',
    ],
)
def test_malformed_answers_are_parse_failures(text):
    with pytest.raises(ParseFailure):
        realize(FARA.parse(ChatReply(text=text)), SPACE)
