"""pyautogui code → drafts: the action language of OpenCUA, EvoCUA and Holo3's fallback.

Handles ``click`` (with ``clicks=`` / ``button=``), ``doubleClick``, ``rightClick``,
``moveTo``, ``dragTo`` (from the last ``moveTo``), ``write`` / ``typewrite``,
``press``, ``hotkey``, ``scroll`` / ``hscroll`` (positive = up / right) and the
``computer.terminate`` / ``computer.wait`` calls these agents add. Coordinates
stay in the model's space.
"""

from __future__ import annotations

import re
from typing import Any

from mantis.brains.calls import Call, python_calls
from mantis.brains.draft import Draft, ParseFailure, Point, number
from mantis.brains.vocabulary import draft_from_call

_FUNCS = {
    "click",
    "doubleClick",
    "rightClick",
    "tripleClick",
    "moveTo",
    "dragTo",
    "write",
    "typewrite",
    "press",
    "hotkey",
    "scroll",
    "hscroll",
    "vscroll",
    "sleep",
}
_NAMES = {f"pyautogui.{f}" for f in _FUNCS} | {
    "computer.terminate",
    "computer.wait",
    "terminate",
    "computer.triple_click",
}
_BARE_SIGNAL = re.compile(r"^\s*(?:Action:\s*)?(DONE|FAIL|WAIT)\s*$", re.M)


def pyautogui_drafts(code: str) -> list[Draft]:
    """Every action in ``code``, in order; ``dragTo`` consumes the preceding ``moveTo``."""
    drafts: list[Draft] = []
    cursor: Point | None = None
    for call in python_calls(code, _NAMES):
        func = call.name.rsplit(".", 1)[-1]
        draft = _draft(func, call, cursor)
        if func == "dragTo" and drafts and drafts[-1].kind == "move":
            drafts.pop()
        if draft.points:
            cursor = draft.points[-1]
        drafts.append(draft)
    if not drafts and (m := _BARE_SIGNAL.search(code)):
        signal = m.group(1)
        if signal == "WAIT":
            drafts.append(Draft(kind="wait", args={"seconds": 1.0}))
        else:
            drafts.append(Draft(kind="done", args={"success": signal == "DONE"}))
    return drafts


def _xy(call: Call) -> Point | None:
    kw, args = call.kwargs, call.args
    if "x" in kw and "y" in kw:
        return number(kw["x"]), number(kw["y"])
    if len(args) >= 2 and not isinstance(args[0], str):
        return number(args[0]), number(args[1])
    if args and isinstance(args[0], (list, tuple)) and len(args[0]) == 2:
        return number(args[0][0]), number(args[0][1])
    return None


def _draft(func: str, call: Call, cursor: Point | None) -> Draft:
    kw, args = call.kwargs, call.args
    if func in ("click", "doubleClick", "rightClick", "tripleClick", "triple_click", "moveTo"):
        xy = _xy(call)
        if xy is None:
            raise ParseFailure(
                f"pyautogui.{func}: no coordinates (clicking wherever the pointer is)"
            )
        clicks = int(number(kw.get("clicks", 1)))
        button = str(kw.get("button", "left")).lower()
        kind = {
            "doubleClick": "double_click",
            "rightClick": "right_click",
            "moveTo": "move",
            "tripleClick": "double_click",  # no triple click: a double selects the word
            "triple_click": "double_click",
        }.get(func, "click")
        if kind == "click" and button == "right":
            kind = "right_click"
        elif kind == "click" and clicks >= 2:
            kind = "double_click"
        d = Draft(kind=kind, points=[xy])
        if kind == "click":
            d.args["button"] = button if button in ("left", "middle") else "left"
        return d
    if func == "dragTo":
        xy = _xy(call)
        if xy is None or cursor is None:
            raise ParseFailure("pyautogui.dragTo: needs a preceding moveTo and a target point")
        return Draft(kind="drag", points=[cursor, xy])
    if func in ("write", "typewrite"):
        text = kw.get("message", args[0] if args else None)
        if isinstance(text, list):  # typewrite(['tab', 'enter']) presses keys
            return Draft(kind="key", args={"keys": "+".join(str(k) for k in text[:1])})
        if not isinstance(text, str):
            raise ParseFailure(f"pyautogui.{func}: no text")
        return Draft(kind="type", args={"text": text})
    if func == "press":
        keys = kw.get("keys", args[0] if args else None)
        if isinstance(keys, list):
            keys = keys[0] if keys else None
        if not isinstance(keys, str):
            raise ParseFailure("pyautogui.press: no key")
        return Draft(kind="key", args={"keys": keys})
    if func == "hotkey":
        keys = [str(a) for a in (args[0] if args and isinstance(args[0], list) else args)]
        if not keys:
            raise ParseFailure("pyautogui.hotkey: no keys")
        return Draft(kind="key", args={"keys": "+".join(keys)})
    if func in ("scroll", "vscroll", "hscroll"):
        amount = number(kw.get("clicks", args[0] if args else 0))
        if func == "hscroll":
            direction = "right" if amount > 0 else "left"
        else:
            direction = "up" if amount > 0 else "down"
        d = Draft(
            kind="scroll", args={"direction": direction, "amount": max(1, round(abs(amount)))}
        )
        if "x" in kw and "y" in kw:
            d.points = [(number(kw["x"]), number(kw["y"]))]
        elif len(args) >= 3:
            d.points = [(number(args[1]), number(args[2]))]
        return d
    if func in ("sleep", "wait"):
        seconds: Any = args[0] if args else kw.get("seconds", 1.0)
        return Draft(kind="wait", args={"seconds": number(seconds)})
    if func == "terminate":
        return draft_from_call("terminate", dict(kw), list(args))
    raise ParseFailure(f"unsupported pyautogui call {call.name}")
