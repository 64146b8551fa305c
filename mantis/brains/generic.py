"""The family of an ``endpoint:<name>`` brain: any vision chat model behind an endpoint.

The model is shown the screen as captured and offered one ``computer`` function
whose arguments are our action in screen pixels. Models that ignore the tool
and answer in text are still understood by the five-strategy parser.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from mantis.brains.actions import Action
from mantis.brains.draft import Draft
from mantis.brains.engine import ChatReply
from mantis.brains.geometry import ModelSpace
from mantis.brains.prompts import ACTIONS_HELP, chat_messages, units_help
from mantis.brains.strategies import parse_free_form

SYSTEM = "You operate a web browser. Call the computer tool with the single next action."

_KINDS = [
    "click", "double_click", "right_click", "drag", "move", "type", "key",
    "scroll", "wait", "navigate", "back", "done",
]  # fmt: skip


def computer_tool(space: ModelSpace) -> dict[str, Any]:
    w, h = space.image
    return {
        "type": "function",
        "function": {
            "name": "computer",
            "description": f"Act on the {w}x{h} screen. Coordinates are pixels.",
            "parameters": {
                "type": "object",
                "properties": {
                    "action": {"type": "string", "enum": _KINDS},
                    "x": {"type": "integer"},
                    "y": {"type": "integer"},
                    "x1": {"type": "integer"},
                    "y1": {"type": "integer"},
                    "x2": {"type": "integer"},
                    "y2": {"type": "integer"},
                    "text": {"type": "string"},
                    "keys": {"type": "string"},
                    "direction": {"type": "string", "enum": ["up", "down", "left", "right"]},
                    "amount": {"type": "integer"},
                    "seconds": {"type": "number"},
                    "url": {"type": "string"},
                    "success": {"type": "boolean"},
                    "answer": {"type": "string"},
                },
                "required": ["action"],
            },
        },
    }


class Generic:
    def __init__(self, name: str = "endpoint") -> None:
        self.name = name

    def space(self, screen: tuple[int, int]) -> ModelSpace:
        return ModelSpace(image=screen, screen=screen, units="pixels")

    def messages(
        self, image_url: str, task: str, history: Sequence[Action], space: ModelSpace
    ) -> list[dict[str, Any]]:
        return chat_messages(
            f"{SYSTEM}\n{units_help(space)}\n{ACTIONS_HELP}", image_url, task, history
        )

    def tools(self, space: ModelSpace) -> list[dict[str, Any]] | None:
        return [computer_tool(space)]

    def parse(self, reply: ChatReply) -> Draft:
        return parse_free_form(reply)
