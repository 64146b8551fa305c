"""The request wording shared by the open-weights families: one system prompt, one user turn."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from mantis.brains.actions import Action
from mantis.brains.geometry import ModelSpace
from mantis.brains.vision import history_text

ACTIONS_HELP = """Answer with a short thought, then exactly one action call:
click(x, y) · double_click(x, y) · right_click(x, y) · drag(x1, y1, x2, y2) · move(x, y)
type(text="...") · key(keys="ctrl+l") · scroll(direction="down", amount=3, x=?, y=?)
wait(seconds=1) · navigate(url="...") · back() · done(success=True, answer="...")"""


def units_help(space: ModelSpace) -> str:
    if space.units == "relative1000":
        return "Coordinates are relative: 0-1000 on each axis of the screenshot."
    if space.units == "fractional":
        return "Coordinates are fractions 0-1 of the screenshot's width and height."
    w, h = space.image
    return f"Coordinates are pixels of the {w}x{h} screenshot."


def chat_messages(
    system: str, image_url: str, task: str, history: Sequence[Action]
) -> list[dict[str, Any]]:
    return [
        {"role": "system", "content": system},
        {
            "role": "user",
            "content": [
                {"type": "image_url", "image_url": {"url": image_url}},
                {
                    "type": "text",
                    "text": f"Task: {task}\n\nPrevious actions:\n{history_text(history)}",
                },
            ],
        },
    ]
