"""Turning text read off a screen into a field's type.

``coerce(text, type)``:

* ``str`` — the text as read, whitespace collapsed.
* ``int`` / ``float`` — currency signs and codes, thousands separators (``,``
  ``'`` thin spaces) and a trailing ``%`` are dropped; letters OCR confuses with
  digits inside a number are read as digits (``O``→0, ``l``/``I``/``|``→1);
  ``(123)`` is negative; a trailing unit word (``42,318 mi``, ``12 kg``) is dropped. With both ``,`` and ``.`` present the later one is the
  decimal point; a lone ``,`` followed by exactly three digits groups
  thousands, otherwise it is a decimal comma. An ``int`` field accepts a number
  only if it is whole (``14,500.00`` → 14500).
* ``bool`` — yes/no, true/false, on/off, y/n, checked/unchecked,
  enabled/disabled, 1/0.

Text that cannot be read as the type is returned **unchanged, as a string**:
a row never silently loses what was on screen, and a caller checking types can
tell "read but not a number" from "missing" (which is ``""``).
"""

from __future__ import annotations

import re
from typing import Any

from mantis.brains.providers.base import FieldType

_TRUE = {"yes", "y", "true", "t", "on", "1", "checked", "enabled"}
_FALSE = {"no", "n", "false", "f", "off", "0", "unchecked", "disabled"}
_CURRENCY = re.compile(r"[$€£¥₹₩]|\b(?:usd|eur|gbp|jpy|chf|cad|aud)\b", re.IGNORECASE)
_UNIT = re.compile(r"^(.*\d\S*)\s+[A-Za-z]{2,6}\.?$")  # "42,318 mi", "1,200 sq"; not "10 l"
_NUMBER = re.compile(r"^[-+]?\d[\d,.']*$")
_DIGIT_LOOKALIKES = str.maketrans({"O": "0", "o": "0", "l": "1", "I": "1", "|": "1"})


def coerce(text: str, type_: FieldType) -> Any:
    value = " ".join(text.split())
    if type_ == "str" or not value:
        return value
    if type_ == "bool":
        word = value.casefold().rstrip(".")
        if word in _TRUE:
            return True
        if word in _FALSE:
            return False
        return value
    number = parse_number(value)
    if number is None:
        return value
    if type_ == "int":
        return int(number) if number == int(number) else value
    return number


def parse_number(text: str) -> float | None:
    """The number written in ``text``, or None."""
    t = _CURRENCY.sub("", text).strip().replace("\u202f", "").replace("\u00a0", "")
    unit = _UNIT.match(t)
    if unit:
        t = unit[1]
    t = t.replace(" ", "").rstrip("%")
    negative = t.startswith("(") and t.endswith(")")
    t = t.strip("()")
    if any(c.isdigit() for c in t):
        t = t.translate(_DIGIT_LOOKALIKES)
    if t.startswith("\u2212"):  # a typographic minus sign
        t = "-" + t[1:]
    if not _NUMBER.match(t):
        return None
    t = t.replace("'", "")
    if "," in t and "." in t:
        decimal = "," if t.rfind(",") > t.rfind(".") else "."
        t = t.replace("." if decimal == "," else ",", "").replace(",", ".")
    elif "," in t:
        groups = t.lstrip("+-").split(",")
        if len(groups) > 1 and all(len(g) == 3 for g in groups[1:]) and 1 <= len(groups[0]) <= 3:
            t = t.replace(",", "")
        elif len(groups) == 2:
            t = t.replace(",", ".")
        else:
            return None
    elif t.count(".") > 1:
        groups = t.lstrip("+-").split(".")
        if not all(len(g) == 3 for g in groups[1:]):
            return None
        t = t.replace(".", "")
    try:
        number = float(t)
    except ValueError:
        return None
    return -number if negative else number
