"""OpenCUA / EvoCUA pyautogui answers in their Thought / Action / Code layout."""

from __future__ import annotations

import pytest

from mantis.brains.actions import (
    Click,
    Done,
    DoubleClick,
    Drag,
    Key,
    Move,
    RightClick,
    Scroll,
    Type,
)
from mantis.brains.draft import ParseFailure, realize
from mantis.brains.engine import ChatReply
from mantis.brains.opencua import OpenCUA, evocua

SCREEN = (1280, 720)


def answer(code: str) -> str:
    return (
        "## Thought:\nThe login form is visible; I need the email field.\n"
        "## Action:\nClick the email field.\n"
        f"## Code:\n```python\n{code}\n```"
    )


def parse(code: str, family=None):
    family = family or OpenCUA()
    return realize(family.parse(ChatReply(text=answer(code))), family.space(SCREEN))


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("pyautogui.click(x=644, y=364)", Click(x=640, y=360)),
        ("pyautogui.click(644, 364, clicks=2)", DoubleClick(x=640, y=360)),
        ("pyautogui.doubleClick(x=644, y=364)", DoubleClick(x=640, y=360)),
        ("pyautogui.rightClick(644, 364)", RightClick(x=640, y=360)),
        ("pyautogui.click(x=644, y=364, button='right')", RightClick(x=640, y=360)),
        ("pyautogui.moveTo(644, 364)", Move(x=640, y=360)),
        (
            "pyautogui.moveTo(0, 0)\npyautogui.dragTo(644, 364, duration=0.5)",
            Drag(x1=0, y1=0, x2=640, y2=360),
        ),
        ("pyautogui.write(message='ada@example.com')", Type(text="ada@example.com")),
        ("pyautogui.typewrite('hello')", Type(text="hello")),
        ("pyautogui.press('enter')", Key(keys="enter")),
        ("pyautogui.hotkey('ctrl', 'shift', 't')", Key(keys="ctrl+shift+t")),
        ("pyautogui.scroll(-5)", Scroll(direction="down", amount=5)),
        ("pyautogui.scroll(3, x=644, y=364)", Scroll(direction="up", amount=3, x=640, y=360)),
        (
            "computer.terminate(status='success', answer='3 rows')",
            Done(success=True, answer="3 rows"),
        ),
        ("computer.terminate(status='failure')", Done(success=False)),
    ],
)
def test_pyautogui_calls(code, expected):
    action = parse(code)
    assert action == type(expected)(**{**_fields(expected), "reasoning": action.reasoning})


def _fields(action):
    return {f: getattr(action, f) for f in action.__struct_fields__}


def test_first_action_of_a_multi_line_block_is_taken():
    assert parse("pyautogui.click(644, 364)\npyautogui.write('x')") == Click(x=640, y=360)


def test_bare_done_signal():
    assert realize(
        OpenCUA().parse(ChatReply(text="## Action:\nDONE")), OpenCUA().space(SCREEN)
    ) == Done(success=True)


def test_evocua_uses_relative_coordinates():
    assert parse("pyautogui.click(x=500, y=500)", evocua()) == Click(x=640, y=360)


@pytest.mark.parametrize(
    "code",
    [
        "pyautogui.click()",
        "pyautogui.dragTo(5, 5)",
        "pyautogui.click(x=99999, y=1)",
        "print('hi')",
        "pyautogui.click(x=1",
    ],
)
def test_malformed_code_is_a_parse_failure(code):
    with pytest.raises(ParseFailure):
        parse(code)
