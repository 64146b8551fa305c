"""Key names and chords (pure parsing, no display)."""

from __future__ import annotations

import pytest

from mantis.errors import ComputerError
from mantis.gym.keys import char_keysym, key_keysym, parse_chord


@pytest.mark.parametrize(
    ("chord", "mods", "key"),
    [
        ("Return", [], "Return"),
        ("ctrl+l", ["Control_L"], "l"),
        ("CTRL+Shift+t", ["Control_L", "Shift_L"], "t"),
        ("cmd+c", ["Super_L"], "c"),
        ("ctrl++", ["Control_L"], "+"),
        ("+", [], "+"),
    ],
)
def test_parse_chord(chord, mods, key):
    assert parse_chord(chord) == (mods, key)


@pytest.mark.parametrize(
    ("name", "keysym"),
    [("enter", 0xFF0D), ("Esc", 0xFF1B), ("pageup", 0xFF55), ("BackSpace", 0xFF08), ("a", 0x61)],
)
def test_key_aliases(name, keysym):
    assert key_keysym(name) == keysym


def test_unicode_keysyms():
    assert char_keysym("é") == 0xE9
    assert char_keysym("日") == 0x01000000 | ord("日")


@pytest.mark.parametrize("chord", ["", "ctrl+", "hyper+x"])
def test_malformed_chords_raise(chord):
    with pytest.raises(ComputerError):
        parse_chord(chord)


def test_unknown_key_name_raises():
    with pytest.raises(ComputerError, match="nosuchkey"):
        key_keysym("nosuchkey")
