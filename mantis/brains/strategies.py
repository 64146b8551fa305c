"""The five-strategy parser for free-form GUI model output (Holo3, Gemma-4 CUA, endpoints).

Tried in order, first success wins:

1. structured tool calls (the engine's ``tool_calls``, else ``<tool_call>`` tags in the text);
2. the model's native action text, e.g. ``click(x=412, y=230)``;
3. a JSON action object, e.g. ``{"action": "click", "coordinate": [412, 230]}``;
4. pyautogui code, e.g. ``pyautogui.click(412, 230)``;
5. a keyword fallback for plain sentences ("the task is complete", "scroll down").

Nothing found → ``ParseFailure``; the brain reports a failed attempt with the raw text.
"""

from __future__ import annotations

import re

from mantis.brains.calls import json_objects, python_calls, tagged_tool_calls
from mantis.brains.draft import Draft, ParseFailure
from mantis.brains.engine import ChatReply
from mantis.brains.pyautogui import pyautogui_drafts
from mantis.brains.vocabulary import ALIASES, draft_from_call, draft_from_object, draft_from_tool

_NATIVE_NAMES = set(ALIASES)

_KEYWORDS: list[tuple[re.Pattern[str], Draft]] = [
    (
        re.compile(
            r"\b(?:task|goal) (?:is |has been )?(?:complete|completed|done|finished|achieved)\b"
        ),
        Draft(kind="done", args={"success": True}),
    ),
    (
        re.compile(
            r"\b(?:task|goal) (?:is )?(?:impossible|infeasible|cannot be (?:completed|done))\b"
        ),
        Draft(kind="done", args={"success": False}),
    ),
    (re.compile(r"\bscroll(?:ing)? down\b"), Draft(kind="scroll", args={"direction": "down"})),
    (re.compile(r"\bscroll(?:ing)? up\b"), Draft(kind="scroll", args={"direction": "up"})),
    (
        re.compile(r"\bpress(?:ing)? (?:the )?(?:enter|return)\b"),
        Draft(kind="key", args={"keys": "Return"}),
    ),
    (re.compile(r"\bgo(?:ing)? back\b"), Draft(kind="back")),
    (re.compile(r"\bwait(?:ing)? for (?:the )?page\b"), Draft(kind="wait", args={"seconds": 1.0})),
]


def parse_free_form(reply: ChatReply) -> Draft:
    """The first action found by the five strategies; raises ``ParseFailure``."""
    errors: list[str] = []
    for strategy in (_tool_calls, _native, _json, _pyautogui, _keywords):
        try:
            draft = strategy(reply)
        except ParseFailure as exc:
            errors.append(f"{strategy.__name__.strip('_')}: {exc}")
            continue
        if draft is not None:
            return draft
    detail = "; ".join(errors) if errors else "no tool call, action call, JSON action or code"
    raise ParseFailure(f"no action in the model's answer ({detail})")


def _tool_calls(reply: ChatReply) -> Draft | None:
    calls = [(c.name, c.arguments) for c in reply.tool_calls]
    calls += [(c["name"], c["arguments"]) for c in tagged_tool_calls(reply.text)]
    for name, arguments in calls[:1]:
        return draft_from_tool(name, dict(arguments) if isinstance(arguments, dict) else {})
    return None


def _native(reply: ChatReply) -> Draft | None:
    for call in python_calls(_without_tags(reply.text), _NATIVE_NAMES):
        return draft_from_call(call.name, dict(call.kwargs), list(call.args))
    return None


def _json(reply: ChatReply) -> Draft | None:
    objects = json_objects(_without_tags(reply.text))
    failure: ParseFailure | None = None
    for obj in objects:
        try:
            return draft_from_object(obj)
        except ParseFailure as exc:
            failure = failure or exc
    if failure is not None:
        raise failure
    return None


def _pyautogui(reply: ChatReply) -> Draft | None:
    drafts = pyautogui_drafts(reply.text)
    return drafts[0] if drafts else None


def _keywords(reply: ChatReply) -> Draft | None:
    text = reply.text.lower()
    for pattern, draft in _KEYWORDS:
        if pattern.search(text):
            return Draft(kind=draft.kind, args=dict(draft.args))
    return None


def _without_tags(text: str) -> str:
    return re.sub(r"<tool_call>.*?(?:</tool_call>|$)", "", text, flags=re.S)
