"""``ClaudeExtractor``: rows read off the screen by Claude through a tool with a generated schema.

The extraction schema (a list of :class:`FieldSpec`) becomes a JSON Schema:
one property per field, typed (``str``→string, ``int``→integer,
``float``→number, ``bool``→boolean), required fields required, optional ones
nullable, examples in the descriptions. With ``max_items == 1`` the tool's
input *is* the row; with more, it is ``{"rows": [row, ...]}`` capped at
``max_items``.

Rows come back like the local extractor's: every field present, in schema
order; a missing or null value is ``""``; strings are coerced to the field's
type with :func:`coercion.coerce` (text that does not parse stays text), and
numbers/booleans of the wrong JSON type are converted where that is lossless.
Rows with every field empty are dropped.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mantis.brains.providers.base import FieldSpec, FieldType, Region
from mantis.brains.providers.claude_common import ClaudeTool, crop, image_block
from mantis.brains.providers.coercion import coerce

if TYPE_CHECKING:
    from mantis.gym.base import Screenshot

SYSTEM = (
    "You read structured data off screenshots of web pages. Copy values exactly as "
    "shown (numbers without currency symbols or thousands separators when the field is "
    "numeric). Never invent a value: use null when a field is not visible. Answer only "
    "through the record tool."
)

_JSON_TYPES: dict[FieldType, str] = {
    "str": "string",
    "int": "integer",
    "float": "number",
    "bool": "boolean",
}


def row_schema(fields: list[FieldSpec]) -> dict[str, Any]:
    """The JSON Schema of one row: a property per field, in order."""
    properties: dict[str, Any] = {}
    for f in fields:
        prop: dict[str, Any] = {
            "type": _JSON_TYPES[f.type] if f.required else [_JSON_TYPES[f.type], "null"]
        }
        note = f"The {f.name.replace('_', ' ')}"
        if f.example is not None:
            note += f", e.g. {f.example!r}"
        prop["description"] = note + "."
        properties[f.name] = prop
    return {
        "type": "object",
        "properties": properties,
        "required": [f.name for f in fields if f.required],
        "additionalProperties": False,
    }


def tool_schema(fields: list[FieldSpec], max_items: int) -> dict[str, Any]:
    """The ``record`` tool's input schema: one row, or ``{"rows": [...]}`` for several."""
    row = row_schema(fields)
    if max_items <= 1:
        return row
    return {
        "type": "object",
        "properties": {
            "rows": {
                "type": "array",
                "items": row,
                "maxItems": max_items,
                "description": f"Up to {max_items} rows, in the order they appear on screen.",
            }
        },
        "required": ["rows"],
    }


def typed(value: Any, type_: FieldType) -> Any:
    """``value`` as the field's type where possible; ``""`` for nothing."""
    if value is None:
        return ""
    if isinstance(value, str):
        return coerce(value, type_)
    if type_ == "str":
        return str(value).lower() if isinstance(value, bool) else str(value)
    if type_ == "bool":
        return value if isinstance(value, bool) else coerce(str(value), "bool")
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return str(value)
    if type_ == "int":
        return int(value) if float(value).is_integer() else value
    return float(value)


def shape_rows(raw: Any, fields: list[FieldSpec], max_items: int) -> list[dict[str, Any]]:
    """Rows from the tool input: every field, in order, typed; empty rows dropped."""
    items: list[Any] = []
    if max_items <= 1 and isinstance(raw, dict):
        items = [raw]
    elif isinstance(raw, dict) and isinstance(raw.get("rows"), list):
        items = raw["rows"]
    rows: list[dict[str, Any]] = []
    for item in items:
        if not isinstance(item, dict):
            continue
        row = {f.name: typed(item.get(f.name), f.type) for f in fields}
        if any(v != "" for v in row.values()):
            rows.append(row)
    return rows[: max(0, max_items)]


class ClaudeExtractor(ClaudeTool):
    bucket = "claude_extract"

    async def extract(
        self,
        shot: Screenshot,
        fields: list[FieldSpec],
        *,
        max_items: int = 1,
        region: Region | None = None,
    ) -> list[dict[str, Any]]:
        if not fields or max_items < 1:
            return []
        image = await crop(shot, region)
        names = ", ".join(f"{f.name} ({f.type})" for f in fields)
        ask = (
            f"Extract {names} for the item shown."
            if max_items == 1
            else f"Extract up to {max_items} items, each with {names}, in screen order."
        )
        answer, _, _ = await self.ask(
            system=SYSTEM,
            messages=[
                {"role": "user", "content": [image_block(image.png), {"type": "text", "text": ask}]}
            ],
            tool="record",
            description="Record the values read off the screen.",
            schema=tool_schema(fields, max_items),
        )
        return shape_rows(answer, fields, max_items)
