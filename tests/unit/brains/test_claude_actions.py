"""Claude computer-tool inputs ↔ our actions (pure mapping)."""

from __future__ import annotations

import pytest

from mantis.brains.actions import (
    Click,
    DoubleClick,
    Drag,
    Key,
    Move,
    RightClick,
    Scroll,
    Type,
    Wait,
)
from mantis.brains.claude_actions import claude_space, display_size, to_action, to_tool_input
from mantis.brains.draft import ParseFailure

SPACE = claude_space((1280, 720))


def test_display_is_the_real_screen_when_small_enough():
    assert display_size((1280, 720)) == (1280, 720)
    w, h = display_size((2560, 1440))
    assert w * h <= 1_150_000 and abs(w / h - 16 / 9) < 0.01


@pytest.mark.parametrize(
    ("tool_input", "expected"),
    [
        ({"action": "left_click", "coordinate": [100, 200]}, Click(x=100, y=200)),
        (
            {"action": "middle_click", "coordinate": [100, 200]},
            Click(x=100, y=200, button="middle"),
        ),
        ({"action": "double_click", "coordinate": [100, 200]}, DoubleClick(x=100, y=200)),
        ({"action": "triple_click", "coordinate": [100, 200]}, DoubleClick(x=100, y=200)),
        ({"action": "right_click", "coordinate": [100, 200]}, RightClick(x=100, y=200)),
        ({"action": "mouse_move", "coordinate": [5, 6]}, Move(x=5, y=6)),
        (
            {"action": "left_click_drag", "start_coordinate": [1, 2], "coordinate": [30, 40]},
            Drag(x1=1, y1=2, x2=30, y2=40),
        ),
        ({"action": "type", "text": "hi"}, Type(text="hi")),
        ({"action": "key", "text": "ctrl+l"}, Key(keys="ctrl+l")),
        (
            {
                "action": "scroll",
                "coordinate": [640, 360],
                "scroll_direction": "down",
                "scroll_amount": 5,
            },
            Scroll(direction="down", amount=5, x=640, y=360),
        ),
        ({"action": "wait", "duration": 2}, Wait(seconds=2)),
    ],
)
def test_claude_actions_map_to_ours_and_back(tool_input, expected):
    action = to_action(tool_input, SPACE)
    assert action == expected
    if tool_input["action"] not in ("triple_click",):
        assert to_tool_input(action, SPACE) == tool_input


def test_scaled_display_maps_back_to_screen_pixels():
    space = claude_space((2560, 1440))
    w, h = space.image
    action = to_action({"action": "left_click", "coordinate": [w // 2, h // 2]}, space)
    assert abs(action.x - 1280) <= 2 and abs(action.y - 720) <= 2


@pytest.mark.parametrize(
    "tool_input",
    [
        {"action": "left_click"},
        {"action": "left_click", "coordinate": [5000, 10]},
        {"action": "teleport"},
        {"action": "key"},
        {"action": "left_click_drag", "coordinate": [1, 1]},
    ],
)
def test_bad_tool_inputs_are_parse_failures(tool_input):
    with pytest.raises(ParseFailure):
        to_action(tool_input, SPACE)
