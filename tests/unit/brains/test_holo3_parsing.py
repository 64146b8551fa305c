"""Holo3's five parsing strategies on hand-written outputs in the model's formats."""

from __future__ import annotations

import pytest

from mantis.brains.actions import Back, Click, Done, Key, Scroll, Type
from mantis.brains.draft import ParseFailure, realize
from mantis.brains.engine import ChatReply, ToolCallOut
from mantis.brains.geometry import qwen_space
from mantis.brains.holo3 import Holo3

SPACE = qwen_space((1280, 720))  # the model sees 1288x728


def parse(text: str, tool_calls: list[ToolCallOut] | None = None):
    return realize(Holo3().parse(ChatReply(text=text, tool_calls=tool_calls or [])), SPACE)


def test_structured_tool_call_wins():
    call = ToolCallOut("computer_use", {"action": "left_click", "coordinate": [644, 364]})
    assert parse("click(x=1, y=1)", [call]) == Click(x=640, y=360)


def test_tool_call_tag_in_text():
    text = (
        "I need the search box.\n<tool_call>\n"
        '{"name": "computer_use", "arguments": {"action": "type", "text": "mantis"}}\n</tool_call>'
    )
    assert parse(text) == Type(text="mantis", reasoning="")


def test_native_action_text():
    text = "Thought: the Submit button is at the bottom right.\nAction: click(x=1000, y=600)"
    action = parse(text)
    assert isinstance(action, Click)
    assert (action.x, action.y) == (993, 593)


def test_native_fractional_coordinates():
    assert parse("click(x=0.5, y=0.5)") == Click(x=640, y=360)


def test_json_action_object():
    text = 'Next: {"action": "scroll", "direction": "down", "amount": 5}'
    assert parse(text) == Scroll(direction="down", amount=5)


def test_pyautogui_code():
    text = "```python\npyautogui.hotkey('ctrl', 'l')\n```"
    assert parse(text) == Key(keys="ctrl+l")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("The task is complete: the form was submitted.", Done(success=True)),
        ("I should go back to the previous page.", Back()),
        ("Let me press Enter to submit.", Key(keys="Return")),
    ],
)
def test_keyword_fallback(text, expected):
    assert parse(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "I am not sure what to do here.",  # no action at all
        "click(x=5000, y=10)",  # off the image
        '{"action": "click", "coordinate": [12',  # partial JSON
        '<tool_call>{"name": "computer_use", "arguments": {"action": "left_click"}}',
        "click(x='left', y=3)",
    ],
)
def test_malformed_outputs_fail_without_exceptions_leaking(text):
    with pytest.raises(ParseFailure):
        parse(text)


def test_done_with_answer():
    assert parse('done(success=True, answer="42 rows")') == Done(success=True, answer="42 rows")
