"""Key names: X keysyms of characters, and chords such as ``ctrl+shift+t``.

Names are case-insensitive aliases (``enter``, ``esc``, ``pageup``, ``cmd``) or
X keysym names as given (``Return``, ``KP_Enter``); one character names itself.
"""

from __future__ import annotations

from mantis.errors import ComputerError

SHIFT_L = 0xFFE1

MODIFIERS: dict[str, str] = {
    "ctrl": "Control_L",
    "control": "Control_L",
    "shift": "Shift_L",
    "alt": "Alt_L",
    "option": "Alt_L",
    "meta": "Meta_L",
    "super": "Super_L",
    "cmd": "Super_L",
    "command": "Super_L",
    "win": "Super_L",
    "windows": "Super_L",
}

# Lower-case aliases → X keysym names. Anything else is tried as a keysym name as given.
_KEY_ALIASES: dict[str, str] = {
    "enter": "Return",
    "return": "Return",
    "esc": "Escape",
    "escape": "Escape",
    "tab": "Tab",
    "backspace": "BackSpace",
    "bs": "BackSpace",
    "delete": "Delete",
    "del": "Delete",
    "insert": "Insert",
    "ins": "Insert",
    "space": "space",
    "spacebar": "space",
    "pageup": "Prior",
    "page_up": "Prior",
    "pgup": "Prior",
    "prior": "Prior",
    "pagedown": "Next",
    "page_down": "Next",
    "pgdn": "Next",
    "next": "Next",
    "home": "Home",
    "end": "End",
    "up": "Up",
    "down": "Down",
    "left": "Left",
    "right": "Right",
    "arrowup": "Up",
    "arrowdown": "Down",
    "arrowleft": "Left",
    "arrowright": "Right",
    "plus": "plus",
    "minus": "minus",
    "menu": "Menu",
    "capslock": "Caps_Lock",
    "printscreen": "Print",
    "print": "Print",
    "pause": "Pause",
    **{f"f{n}": f"F{n}" for n in range(1, 25)},
    **{m: k for m, k in MODIFIERS.items()},
}


def char_keysym(char: str) -> int:
    """The X keysym of one character (Latin-1 maps directly, the rest via 0x01000000 + code point)."""
    if char == "\n":
        return 0xFF0D  # Return
    if char == "\t":
        return 0xFF09  # Tab
    code = ord(char)
    if 0x20 <= code <= 0x7E or 0xA0 <= code <= 0xFF:
        return code
    return 0x01000000 | code


def parse_chord(chord: str) -> tuple[list[str], str]:
    """Split ``"ctrl+shift+t"`` into modifier keysym names and the final key name.

    A literal ``+`` may be the last key (``"ctrl++"``).
    """
    text = chord.strip()
    if not text:
        raise ComputerError("expected a key such as 'Return' or 'ctrl+l', got an empty string")
    if text.endswith("++"):
        parts = [*text[:-2].split("+"), "+"] if text[:-2] else ["+"]
    elif text == "+":
        parts = ["+"]
    else:
        parts = text.split("+")
    if any(not p for p in parts):
        raise ComputerError(f"expected keys joined by '+', got {chord!r}")
    *mods, key = parts
    names = []
    for mod in mods:
        name = MODIFIERS.get(mod.strip().lower())
        if name is None:
            raise ComputerError(
                f"expected a modifier (ctrl, shift, alt, super) in {chord!r}, got {mod!r}"
            )
        names.append(name)
    return names, key.strip() if key.strip() else key


def key_keysym(name: str) -> int:
    from Xlib import XK

    if len(name) == 1:
        return char_keysym(name)
    alias = _KEY_ALIASES.get(name.lower())
    for candidate in (alias, name, name.capitalize(), name.lower()):
        if candidate:
            keysym = XK.string_to_keysym(candidate)
            if keysym:
                return keysym
    raise ComputerError(f"expected a key name such as Return, Tab, F5 or a character, got {name!r}")
