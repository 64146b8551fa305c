"""Gemma-4 CUA (GGUF): the screenshot as captured, 0–1000 relative coordinates.

Gemma's vision tower rescales internally, so the frame is sent at screen size
and the fine-tune answers on a 0–1000 grid; its output uses the same action
calls as Holo3, so it shares the five-strategy parser.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from mantis.brains.actions import Action
from mantis.brains.draft import Draft
from mantis.brains.engine import ChatReply
from mantis.brains.geometry import ModelSpace, Units
from mantis.brains.prompts import ACTIONS_HELP, chat_messages, units_help
from mantis.brains.strategies import parse_free_form

SYSTEM = "You control a web browser. Look at the screenshot and choose the next action."


class Gemma4:
    name = "gemma4-cua"

    def __init__(self, units: Units = "relative1000") -> None:
        self.units: Units = units

    def space(self, screen: tuple[int, int]) -> ModelSpace:
        return ModelSpace(image=screen, screen=screen, units=self.units)

    def messages(
        self, image_url: str, task: str, history: Sequence[Action], space: ModelSpace
    ) -> list[dict[str, Any]]:
        return chat_messages(
            f"{SYSTEM}\n{units_help(space)}\n{ACTIONS_HELP}", image_url, task, history
        )

    def tools(self, space: ModelSpace) -> list[dict[str, Any]] | None:
        return None

    def parse(self, reply: ChatReply) -> Draft:
        return parse_free_form(reply)
