"""Fara-7B (Qwen2.5-VL): a fixed input size and one ``computer_use`` tool call per turn.

Fara was trained on screenshots resized to 1428x896; the frame is resized to
that (or a configured size) and its pixel coordinates scaled back. Its action
table differs from the common vocabulary, so it has its own mapping.
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Sequence
from typing import Any

from mantis.brains.actions import Action
from mantis.brains.calls import json_objects, tagged_tool_calls
from mantis.brains.draft import Draft, ParseFailure, number, point
from mantis.brains.engine import ChatReply
from mantis.brains.geometry import ModelSpace, fixed_space
from mantis.brains.prompts import chat_messages
from mantis.brains.vocabulary import WRAPPER_TOOLS

FARA_INPUT = (1428, 896)
SEARCH_URL = "https://www.bing.com/search?q="
_NUDGE_S = 0.2  # actions Fara has that move nothing on our screen become a short wait

SYSTEM = """You are a web agent. Use the computer_use tool once per turn.
Actions: left_click(coordinate), type(text), key(keys), scroll(pixels, coordinate?),
wait(duration), visit_url(url), web_search(query), history_back, mouse_move(coordinate),
pause_and_memorize_fact(fact), terminate(status: success|failure)."""


class Fara:
    name = "fara"

    def __init__(
        self, input_size: tuple[int, int] = FARA_INPUT, search_url: str = SEARCH_URL
    ) -> None:
        self.input_size = input_size
        self.search_url = search_url

    def space(self, screen: tuple[int, int]) -> ModelSpace:
        return fixed_space(self.input_size, screen)

    def messages(
        self, image_url: str, task: str, history: Sequence[Action], space: ModelSpace
    ) -> list[dict[str, Any]]:
        w, h = space.image
        return chat_messages(f"{SYSTEM}\nThe screen is {w}x{h}.", image_url, task, history)

    def tools(self, space: ModelSpace) -> list[dict[str, Any]] | None:
        return None  # Fara writes <tool_call> tags itself; its chat template has the tool

    def parse(self, reply: ChatReply) -> Draft:
        calls = [(c.name, c.arguments) for c in reply.tool_calls]
        calls += [(c["name"], c["arguments"]) for c in tagged_tool_calls(reply.text)]
        if not calls:
            # A bare JSON object with an "action" key is accepted too.
            calls = [("computer_use", o) for o in json_objects(reply.text) if "action" in o]
        if not calls:
            raise ParseFailure("no computer_use tool call in Fara's answer")
        name, args = calls[0]
        if name.lower() not in WRAPPER_TOOLS:
            args = {**args, "action": name}
        return self.draft(dict(args))

    def draft(self, args: dict[str, Any]) -> Draft:
        action = str(args.get("action", ""))
        if action in ("left_click", "click"):
            return Draft(kind="click", points=[point(args.get("coordinate"))])
        if action == "type":
            return Draft(kind="type", args={"text": str(args.get("text", ""))})
        if action in ("key", "keypress"):
            keys = args.get("keys", args.get("key"))
            parts = keys if isinstance(keys, list) else [keys] if keys else []
            if not parts:
                raise ParseFailure("key: no keys")
            return Draft(kind="key", args={"keys": "+".join(str(k) for k in parts)})
        if action == "scroll":
            return _scroll(args)
        if action == "wait":
            return Draft(
                kind="wait", args={"seconds": number(args.get("duration", args.get("time", 1)))}
            )
        if action == "visit_url":
            return Draft(kind="navigate", args={"url": str(args.get("url", ""))})
        if action == "web_search":
            query = urllib.parse.quote_plus(str(args.get("query", "")))
            return Draft(kind="navigate", args={"url": self.search_url + query})
        if action == "history_back":
            return Draft(kind="back")
        if action == "mouse_move":
            return Draft(kind="wait", args={"seconds": _NUDGE_S}, reasoning="mouse_move (no-op)")
        if action == "pause_and_memorize_fact":
            fact = str(args.get("fact", ""))
            return Draft(kind="wait", args={"seconds": _NUDGE_S}, reasoning=f"memorized: {fact}")
        if action == "terminate":
            success = str(args.get("status", "")).lower() == "success"
            answer = args.get("answer")
            fields: dict[str, Any] = {"success": success}
            if answer is not None:
                fields["answer"] = str(answer)
            return Draft(kind="done", args=fields)
        raise ParseFailure(f"Fara action {action!r} is not in its action table")


def _scroll(args: dict[str, Any]) -> Draft:
    if "pixels" in args:  # positive pixels scroll up, as in pyautogui
        pixels = number(args["pixels"])
        direction = "up" if pixels > 0 else "down"
        amount = max(1, round(abs(pixels) / 100))
    else:
        direction = str(args.get("direction", "down"))
        amount = max(1, round(number(args.get("amount", 3))))
    if direction not in ("up", "down", "left", "right"):
        raise ParseFailure(f"scroll: unknown direction {direction!r}")
    draft = Draft(kind="scroll", args={"direction": direction, "amount": amount})
    if args.get("coordinate") is not None:
        draft.points = [point(args["coordinate"])]
    return draft
