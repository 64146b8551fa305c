"""OpenCUA and EvoCUA (Qwen2-VL family): a thought, then pyautogui code.

Both answer in the ``## Thought / ## Action / ## Code`` layout with a python
block of pyautogui calls, and end a task with ``computer.terminate(status=...)``.
OpenCUA writes pixels of the smart-resized image; EvoCUA 0–1000 relative units.
The first action of the code block is the step's action.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from mantis.brains.actions import Action
from mantis.brains.draft import Draft, ParseFailure
from mantis.brains.engine import ChatReply
from mantis.brains.geometry import ModelSpace, Units, qwen_space
from mantis.brains.prompts import chat_messages, units_help
from mantis.brains.pyautogui import pyautogui_drafts

SYSTEM = """You are a GUI agent. For each step answer:
## Thought: what you see and plan
## Action: the action in words
## Code:
```python
pyautogui.click(x=..., y=...)
```
Use pyautogui (click, doubleClick, rightClick, moveTo, dragTo, write, press, hotkey, scroll)
and computer.terminate(status="success"|"failure", answer="...") when finished."""


class OpenCUA:
    def __init__(self, name: str = "opencua-32b", units: Units = "pixels") -> None:
        self.name = name
        self.units: Units = units

    def space(self, screen: tuple[int, int]) -> ModelSpace:
        return qwen_space(screen, self.units)

    def messages(
        self, image_url: str, task: str, history: Sequence[Action], space: ModelSpace
    ) -> list[dict[str, Any]]:
        return chat_messages(f"{SYSTEM}\n{units_help(space)}", image_url, task, history)

    def tools(self, space: ModelSpace) -> list[dict[str, Any]] | None:
        return None

    def parse(self, reply: ChatReply) -> Draft:
        drafts = pyautogui_drafts(reply.text)
        if not drafts:
            raise ParseFailure("no pyautogui call or terminate signal in the answer")
        return drafts[0]


def evocua(name: str = "evocua-8b") -> OpenCUA:
    return OpenCUA(name, units="relative1000")
