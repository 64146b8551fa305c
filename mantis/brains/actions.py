"""The action model: one tagged union shared by brains, the runner, the computer and the wire.

Coordinates are always pixels of the real screen. Every action may carry the
``reasoning`` that produced it.
"""

from __future__ import annotations

from typing import Any, Literal

import msgspec


class _Action(msgspec.Struct, tag_field="kind", kw_only=True, frozen=True):
    reasoning: str = ""


class Click(_Action, tag="click", frozen=True):
    x: int
    y: int
    button: Literal["left", "middle", "right"] = "left"


class DoubleClick(_Action, tag="double_click", frozen=True):
    x: int
    y: int


class RightClick(_Action, tag="right_click", frozen=True):
    x: int
    y: int


class Drag(_Action, tag="drag", frozen=True):
    x1: int
    y1: int
    x2: int
    y2: int


class Move(_Action, tag="move", frozen=True):
    x: int
    y: int


class Type(_Action, tag="type", frozen=True):
    text: str


class Key(_Action, tag="key", frozen=True):
    """A key or chord such as ``Return``, ``ctrl+l`` or ``ctrl+shift+t``."""

    keys: str


class Scroll(_Action, tag="scroll", frozen=True):
    direction: Literal["up", "down", "left", "right"]
    amount: int = 3
    x: int | None = None
    y: int | None = None


class Wait(_Action, tag="wait", frozen=True):
    seconds: float


class Navigate(_Action, tag="navigate", frozen=True):
    url: str


class Back(_Action, tag="back", frozen=True):
    pass


class Done(_Action, tag="done", frozen=True):
    success: bool = True
    answer: str | None = None


class ToolCall(_Action, tag="tool_call", frozen=True):
    name: str
    arguments: dict[str, Any] = {}


Action = (
    Click
    | DoubleClick
    | RightClick
    | Drag
    | Move
    | Type
    | Key
    | Scroll
    | Wait
    | Navigate
    | Back
    | Done
    | ToolCall
)

_decoder = msgspec.json.Decoder(Action)


def decode_action(data: bytes | str) -> Action:
    """Decode one JSON action; raises ``msgspec.ValidationError`` with the path on bad input."""
    return _decoder.decode(data)
