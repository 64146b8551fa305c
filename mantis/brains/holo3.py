"""Holo3 (Qwen3.5-VL MoE, GGUF): smart-resized screenshots, the five-strategy parser.

Holo3 answers in pixels of the smart-resized image by default; fine-tunes that
answer in 0–1000 units are configured with ``units="relative1000"``, and 0–1
fractions are recognised whatever the setting.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from mantis.brains.actions import Action
from mantis.brains.draft import Draft
from mantis.brains.engine import ChatReply
from mantis.brains.geometry import ModelSpace, Units, qwen_space
from mantis.brains.prompts import ACTIONS_HELP, chat_messages, units_help
from mantis.brains.strategies import parse_free_form

SYSTEM = "You are a computer-use agent operating a web browser on a Linux desktop."


class Holo3:
    name = "holo3"

    def __init__(self, units: Units = "pixels") -> None:
        self.units: Units = units

    def space(self, screen: tuple[int, int]) -> ModelSpace:
        return qwen_space(screen, self.units)

    def messages(
        self, image_url: str, task: str, history: Sequence[Action], space: ModelSpace
    ) -> list[dict[str, Any]]:
        system = f"{SYSTEM}\n{units_help(space)}\n{ACTIONS_HELP}"
        return chat_messages(system, image_url, task, history)

    def tools(self, space: ModelSpace) -> list[dict[str, Any]] | None:
        return None

    def parse(self, reply: ChatReply) -> Draft:
        return parse_free_form(reply)
