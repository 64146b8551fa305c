"""Find the action-shaped pieces of free model text: calls, JSON objects, tool-call tags.

Pure functions, no model knowledge: ``python_calls`` finds ``name(args)``
expressions written with literal arguments (``click(x=10, y=20)``,
``pyautogui.hotkey('ctrl', 'l')``), ``json_objects`` every decodable JSON object,
``tagged_tool_calls`` the ``<tool_call>{...}</tool_call>`` blocks Qwen-style models emit.
"""

from __future__ import annotations

import ast
import json
import re
from typing import Any

import msgspec

_CALL_START = re.compile(r"(?<![\w.])((?:[A-Za-z_]\w*\.)?[A-Za-z_]\w*)\s*\(")
_TOOL_TAG = re.compile(r"<tool_call>\s*(.*?)\s*(?:</tool_call>|$)", re.S)


class Call(msgspec.Struct, frozen=True):
    name: str  # e.g. "click" or "pyautogui.click"
    args: list[Any]
    kwargs: dict[str, Any]


def python_calls(text: str, names: set[str] | None = None) -> list[Call]:
    """Every ``name(...)`` in ``text`` whose arguments are all literals, in order.

    ``names``, when given, keeps only calls with those (dotted) names.
    """
    found: list[Call] = []
    pos = 0
    while (m := _CALL_START.search(text, pos)) is not None:
        name = m.group(1)
        end = _closing_paren(text, m.end() - 1)
        pos = m.end()
        if end is None or (names is not None and name not in names):
            continue
        call = _literal_call(text[m.start() : end + 1])
        if call is not None:
            found.append(call)
            pos = end + 1
    return found


def _closing_paren(text: str, start: int) -> int | None:
    depth, quote, i = 0, "", start
    while i < len(text):
        c = text[i]
        if quote:
            if c == "\\":
                i += 1
            elif c == quote:
                quote = ""
        elif c in "'\"":
            quote = c
        elif c in "([{":
            depth += 1
        elif c in ")]}":
            depth -= 1
            if depth == 0:
                return i
        i += 1
    return None


def _literal_call(source: str) -> Call | None:
    try:
        node = ast.parse(source.strip(), mode="eval").body
    except SyntaxError:
        return None
    if not isinstance(node, ast.Call):
        return None
    name = ast.unparse(node.func)
    try:
        args = [ast.literal_eval(a) for a in node.args]
        kwargs = {k.arg: ast.literal_eval(k.value) for k in node.keywords if k.arg}
    except (ValueError, SyntaxError, TypeError):
        return None
    return Call(name, args, kwargs)


def json_objects(text: str) -> list[dict[str, Any]]:
    """Every JSON object embedded in ``text`` (outermost only), in order."""
    decoder = json.JSONDecoder()
    found: list[dict[str, Any]] = []
    i = text.find("{")
    while i != -1:
        try:
            obj, end = decoder.raw_decode(text, i)
        except json.JSONDecodeError:
            i = text.find("{", i + 1)
            continue
        if isinstance(obj, dict):
            found.append(obj)
        i = text.find("{", end)
    return found


def tagged_tool_calls(text: str) -> list[dict[str, Any]]:
    """The ``{"name", "arguments"}`` objects inside ``<tool_call>`` tags."""
    found: list[dict[str, Any]] = []
    for body in _TOOL_TAG.findall(text):
        for obj in json_objects(body):
            if isinstance(obj.get("name"), str):
                args = obj.get("arguments", obj.get("parameters", {}))
                if isinstance(args, str):
                    objs = json_objects(args)
                    args = objs[0] if objs else {}
                found.append({"name": obj["name"], "arguments": args})
    return found
