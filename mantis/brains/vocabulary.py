"""The common action vocabulary of GUI models: names and argument shapes → ``Draft``.

Models trained on different data name the same action differently
(``left_click`` / ``click`` / ``tap``) and pass points differently (``x=, y=``,
``coordinate=[x, y]``, positional). ``draft_from_call`` accepts all of them;
family modules (Fara, pyautogui) add their own tables where semantics differ.
"""

from __future__ import annotations

from typing import Any

from mantis.brains.draft import Draft, ParseFailure, Point, number, point

# A tool named like this carries the real action name in its ``action`` argument.
WRAPPER_TOOLS = {"computer", "computer_use", "computer-use", "gui", "browser", "action"}

ALIASES: dict[str, str] = {
    "click": "click",
    "left_click": "click",
    "tap": "click",
    "left_single": "click",
    "middle_click": "click",
    "double_click": "double_click",
    "doubleclick": "double_click",
    "left_double": "double_click",
    "right_click": "right_click",
    "rightclick": "right_click",
    "right_single": "right_click",
    "drag": "drag",
    "left_click_drag": "drag",
    "drag_to": "drag",
    "dragto": "drag",
    "select": "drag",
    "move": "move",
    "mouse_move": "move",
    "move_to": "move",
    "moveto": "move",
    "hover": "move",
    "type": "type",
    "write": "type",
    "typewrite": "type",
    "type_text": "type",
    "input": "type",
    "key": "key",
    "press": "key",
    "hotkey": "key",
    "keypress": "key",
    "key_press": "key",
    "scroll": "scroll",
    "wait": "wait",
    "sleep": "wait",
    "navigate": "navigate",
    "goto": "navigate",
    "go_to": "navigate",
    "visit_url": "navigate",
    "open_url": "navigate",
    "back": "back",
    "go_back": "back",
    "history_back": "back",
    "done": "done",
    "finish": "done",
    "finished": "done",
    "terminate": "done",
    "answer": "done",
    "stop": "done",
}


def canonical(name: str) -> str | None:
    """Our action kind for a model's action name, or None when unknown."""
    return ALIASES.get(name.strip().lower().replace("-", "_").rsplit(".", 1)[-1])


def draft_from_object(obj: dict[str, Any]) -> Draft:
    """A draft from a JSON action object such as ``{"action": "click", "x": 1, "y": 2}``."""
    for key in ("action", "kind", "type", "name", "action_type"):
        name = obj.get(key)
        if isinstance(name, str) and canonical(name) is not None:
            args = {k: v for k, v in obj.items() if k != key}
            nested = args.pop("arguments", args.pop("parameters", None))
            if isinstance(nested, dict):
                args.update(nested)
            return draft_from_call(name, args)
    raise ParseFailure(f"no known action name in JSON object with keys {sorted(obj)}")


def draft_from_tool(name: str, arguments: dict[str, Any]) -> Draft:
    """A draft from a structured tool call (OpenAI ``tool_calls`` or a ``<tool_call>`` tag)."""
    if name.lower() in WRAPPER_TOOLS:
        action = arguments.get("action")
        if not isinstance(action, str):
            raise ParseFailure(f"tool {name!r} called without an 'action' argument")
        return draft_from_call(action, {k: v for k, v in arguments.items() if k != "action"})
    return draft_from_call(name, arguments)


def draft_from_call(name: str, kwargs: dict[str, Any], args: list[Any] | None = None) -> Draft:
    """A draft for ``name(*args, **kwargs)`` in the common vocabulary."""
    kind = canonical(name)
    if kind is None:
        raise ParseFailure(f"unknown action {name!r}")
    args = list(args or [])
    reasoning = str(kwargs.pop("reasoning", kwargs.pop("thought", "")) or "")
    draft = Draft(kind=kind, reasoning=reasoning)
    if kind in ("click", "double_click", "right_click", "move"):
        draft.points = [_first_point(kwargs, args)]
        if kind == "click":
            button = str(kwargs.get("button", "left")).lower()
            if name.lower().startswith("middle"):
                button = "middle"
            if button == "right":
                draft.kind = "right_click"
            elif button in ("left", "middle"):
                draft.args["button"] = button
    elif kind == "drag":
        draft.points = _two_points(kwargs, args)
    elif kind == "type":
        draft.args["text"] = str(_pick(kwargs, args, "text", "content", "value", "string"))
    elif kind == "key":
        keys = kwargs.get("keys", kwargs.get("key", kwargs.get("text", args or None)))
        draft.args["keys"] = _chord(keys)
    elif kind == "scroll":
        _scroll(draft, kwargs, args)
    elif kind == "wait":
        seconds = kwargs.get("seconds", kwargs.get("duration", kwargs.get("time", args[:1] or 1)))
        draft.args["seconds"] = number(seconds[0] if isinstance(seconds, list) else seconds)
    elif kind == "navigate":
        draft.args["url"] = str(_pick(kwargs, args, "url", "link", "address"))
    elif kind == "done":
        status = str(kwargs.get("status", kwargs.get("success", "success"))).lower()
        draft.args["success"] = status not in ("failure", "fail", "failed", "false", "infeasible")
        answer = kwargs.get("answer", kwargs.get("text", kwargs.get("content", args[:1] or None)))
        if isinstance(answer, list):
            answer = answer[0] if answer else None
        if answer is not None:
            draft.args["answer"] = str(answer)
    return draft


def _pick(kwargs: dict[str, Any], args: list[Any], *keys: str) -> Any:
    for key in keys:
        if key in kwargs:
            return kwargs[key]
    if args:
        return args[0]
    raise ParseFailure(f"missing argument {keys[0]!r}")


def _first_point(kwargs: dict[str, Any], args: list[Any]) -> Point:
    if "x" in kwargs and "y" in kwargs:
        return number(kwargs["x"]), number(kwargs["y"])
    for key in ("coordinate", "coordinates", "coords", "point", "position", "start_box", "box"):
        if key in kwargs:
            return _box_center(kwargs[key])
    if len(args) >= 2 and not isinstance(args[0], (list, tuple, str)):
        return number(args[0]), number(args[1])
    if args:
        return _box_center(args[0])
    raise ParseFailure("missing a point (x, y or coordinate)")


def _box_center(value: Any) -> Point:
    # [x1, y1, x2, y2] boxes are answered by some grounding fine-tunes: act on the centre.
    if isinstance(value, (list, tuple)) and len(value) == 4:
        x1, y1, x2, y2 = (number(v) for v in value)
        return (x1 + x2) / 2, (y1 + y2) / 2
    return point(value)


def _two_points(kwargs: dict[str, Any], args: list[Any]) -> list[Point]:
    if all(k in kwargs for k in ("x1", "y1", "x2", "y2")):
        return [
            (number(kwargs["x1"]), number(kwargs["y1"])),
            (number(kwargs["x2"]), number(kwargs["y2"])),
        ]
    for start, end in (
        ("start_coordinate", "coordinate"),
        ("start", "end"),
        ("start_box", "end_box"),
    ):
        if start in kwargs and end in kwargs:
            return [_box_center(kwargs[start]), _box_center(kwargs[end])]
    if len(args) >= 4:
        return [(number(args[0]), number(args[1])), (number(args[2]), number(args[3]))]
    raise ParseFailure("drag: missing a start and an end point")


def _chord(keys: Any) -> str:
    if isinstance(keys, (list, tuple)):
        parts = [str(k).strip() for k in keys if str(k).strip()]
    elif isinstance(keys, str):
        parts = [p.strip() for p in keys.replace(" ", "+").split("+") if p.strip()]
    else:
        parts = []
    if not parts:
        raise ParseFailure(f"key: expected a key name, got {keys!r}")
    return "+".join(parts)


def _scroll(draft: Draft, kwargs: dict[str, Any], args: list[Any]) -> None:
    direction = kwargs.get("direction", kwargs.get("scroll_direction"))
    amount = kwargs.get("amount", kwargs.get("scroll_amount", kwargs.get("clicks")))
    if direction is None and amount is None and args:
        amount = args[0]
    if amount is not None:
        amount = number(amount)
        if direction is None:  # signed amounts: positive scrolls up (pyautogui convention)
            direction = "up" if amount > 0 else "down"
        amount = abs(amount)
    direction = str(direction or "down").lower()
    if direction not in ("up", "down", "left", "right"):
        raise ParseFailure(f"scroll: unknown direction {direction!r}")
    draft.args["direction"] = direction
    draft.args["amount"] = max(1, round(amount)) if amount is not None else 3
    try:
        draft.points = [_first_point(kwargs, [])]
    except ParseFailure:
        draft.points = []  # scrolling where the pointer is
