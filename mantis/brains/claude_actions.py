"""Claude's computer-use tool ↔ our actions: pure mapping functions, tested alone.

Claude is shown the screen at ``display`` size (the real screen, or a scaled
copy when the screen is too large for its vision budget); ``to_action`` maps a
``tool_use`` input to a screen-space action, ``to_tool_input`` does the reverse
so past actions can be replayed into the conversation.
"""

from __future__ import annotations

import math
from typing import Any

from mantis.brains.actions import (
    Action,
    Back,
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
from mantis.brains.draft import Draft, ParseFailure, point, realize
from mantis.brains.geometry import ModelSpace

# Anthropic's guidance: keep screenshots within about 1.15 megapixels and 1568 px a side.
_MAX_PIXELS = 1_150_000
_MAX_SIDE = 1568
TOOL_VERSIONS = (
    ("computer_20251124", "computer-use-2025-11-24"),
    ("computer_20250124", "computer-use-2025-01-24"),
)


def display_size(screen: tuple[int, int]) -> tuple[int, int]:
    """The size Claude sees: the screen, scaled down only when above its vision budget."""
    w, h = screen
    scale = min(1.0, math.sqrt(_MAX_PIXELS / (w * h)), _MAX_SIDE / max(w, h))
    return max(1, int(w * scale)), max(1, int(h * scale))


def claude_space(screen: tuple[int, int]) -> ModelSpace:
    return ModelSpace(image=display_size(screen), screen=screen, units="pixels")


def to_action(tool_input: dict[str, Any], space: ModelSpace) -> Action:
    """Our action for one computer-tool ``input``; raises ``ParseFailure``."""
    name = tool_input.get("action")
    coord = tool_input.get("coordinate")
    text = tool_input.get("text")
    draft: Draft
    if name in (
        "left_click",
        "double_click",
        "right_click",
        "middle_click",
        "triple_click",
        "mouse_move",
    ):
        if coord is None:
            raise ParseFailure(f"{name}: no coordinate")
        kind = {
            "left_click": "click",
            "middle_click": "click",
            "double_click": "double_click",
            "triple_click": "double_click",
            "right_click": "right_click",
            "mouse_move": "move",
        }[name]
        draft = Draft(kind=kind, points=[point(coord)])
        if name == "middle_click":
            draft.args["button"] = "middle"
    elif name == "left_click_drag":
        start = tool_input.get("start_coordinate")
        if start is None or coord is None:
            raise ParseFailure("left_click_drag: needs start_coordinate and coordinate")
        draft = Draft(kind="drag", points=[point(start), point(coord)])
    elif name == "type":
        draft = Draft(kind="type", args={"text": str(text or "")})
    elif name in ("key", "hold_key"):
        if not text:
            raise ParseFailure(f"{name}: no key text")
        draft = Draft(kind="key", args={"keys": str(text)})
    elif name == "scroll":
        draft = Draft(
            kind="scroll",
            args={
                "direction": tool_input.get("scroll_direction", "down"),
                "amount": int(tool_input.get("scroll_amount", 3)),
            },
        )
        if coord is not None:
            draft.points = [point(coord)]
    elif name == "wait":
        draft = Draft(kind="wait", args={"seconds": float(tool_input.get("duration", 1))})
    elif name in ("screenshot", "cursor_position", "zoom"):
        # Looking is free: the next think() sends a fresh frame anyway.
        draft = Draft(kind="wait", args={"seconds": 0.0}, reasoning=f"{name} requested")
    else:
        raise ParseFailure(f"unknown computer action {name!r}")
    return realize(draft, space)


def to_tool_input(action: Action, space: ModelSpace) -> dict[str, Any] | None:
    """The computer-tool input that would produce ``action`` (for replaying history)."""
    sx = space.image[0] / space.screen[0]
    sy = space.image[1] / space.screen[1]

    def c(x: int, y: int) -> list[int]:
        return [round(x * sx), round(y * sy)]

    match action:
        case Click(x=x, y=y, button=button):
            name = (
                "middle_click"
                if button == "middle"
                else "right_click"
                if button == "right"
                else "left_click"
            )
            return {"action": name, "coordinate": c(x, y)}
        case DoubleClick(x=x, y=y):
            return {"action": "double_click", "coordinate": c(x, y)}
        case RightClick(x=x, y=y):
            return {"action": "right_click", "coordinate": c(x, y)}
        case Drag(x1=x1, y1=y1, x2=x2, y2=y2):
            return {
                "action": "left_click_drag",
                "start_coordinate": c(x1, y1),
                "coordinate": c(x2, y2),
            }
        case Move(x=x, y=y):
            return {"action": "mouse_move", "coordinate": c(x, y)}
        case Type(text=text):
            return {"action": "type", "text": text}
        case Key(keys=keys):
            return {"action": "key", "text": keys}
        case Scroll(direction=d, amount=n, x=x, y=y):
            out: dict[str, Any] = {"action": "scroll", "scroll_direction": d, "scroll_amount": n}
            if x is not None and y is not None:
                out["coordinate"] = c(x, y)
            return out
        case Wait(seconds=s):
            return {"action": "wait", "duration": s}
        case Back():
            return {"action": "key", "text": "alt+Left"}
    return None  # navigate / done / tool_call have no computer-tool form: told as text
