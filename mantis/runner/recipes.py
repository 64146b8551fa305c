"""Extraction recipes: named field lists a plan can use as ``extract: {recipe: "<name>"}``.

Built-in recipes (each field is read by its label on screen, e.g. ``Price: $12,500``):

``vehicle_listing``
    title (required), price (float, required), year (int), mileage (int), location
``contact``
    name (required), email, phone, company
``product``
    name (required), price (float, required), sku, availability

A runner may be given more recipes (``MicroPlanRunner(..., recipes={...})``; the
server passes the tenant's stored ones); those shadow built-ins of the same
name. A step whose ``extract`` has both ``recipe`` and ``fields`` uses the
fields. An unknown recipe fails the step with the list of known names.

A run may also carry one extraction schema (``MicroPlanRunner(...,
extraction=schema_fields(...))``, the server's ``extraction_schema`` option):
it overrides the fields and recipe of every extract step of the plan; each
step keeps its own ``max_items``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

import msgspec

from mantis.brains.providers.base import FieldSpec, FieldType
from mantis.plans.decode import FIELD_TYPE_ALIASES


def _f(name: str, type: str = "str", *, required: bool = False) -> FieldSpec:
    return FieldSpec(name=name, type=type, required=required)  # type: ignore[arg-type]


BUILTIN_RECIPES: dict[str, list[FieldSpec]] = {
    "vehicle_listing": [
        _f("title", required=True),
        _f("price", "float", required=True),
        _f("year", "int"),
        _f("mileage", "int"),
        _f("location"),
    ],
    "contact": [
        _f("name", required=True),
        _f("email"),
        _f("phone"),
        _f("company"),
    ],
    "product": [
        _f("name", required=True),
        _f("price", "float", required=True),
        _f("sku"),
        _f("availability"),
    ],
}


class UnknownRecipe(LookupError):
    def __init__(self, name: str, known: list[str]) -> None:
        listed = ", ".join(known) if known else "none"
        super().__init__(f"unknown extraction recipe {name!r}; known recipes: {listed}")
        self.name = name
        self.known = known


def known_recipes(extra: Mapping[str, list[FieldSpec]] | None = None) -> list[str]:
    return sorted({*BUILTIN_RECIPES, *(extra or {})})


def resolve_recipe(
    name: str, extra: Mapping[str, list[FieldSpec]] | None = None
) -> list[FieldSpec]:
    """The fields of recipe ``name``: the runner's mapping first, then the built-ins."""
    if extra and name in extra:
        return list(extra[name])
    if name in BUILTIN_RECIPES:
        return list(BUILTIN_RECIPES[name])
    raise UnknownRecipe(name, known_recipes(extra))


class _SchemaField(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    name: Annotated[str, msgspec.Meta(min_length=1)]
    type: FieldType = "str"
    required: bool = False
    example: Any = None


class ExtractionSchema(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """A run-level extraction schema: ``{entity_name, fields, required_fields}``."""

    entity_name: str | None = None
    fields: Annotated[list[_SchemaField], msgspec.Meta(min_length=1)]
    required_fields: list[str] = []


def schema_fields(schema: Any) -> list[FieldSpec]:
    """The field list of an extraction schema; ``ValueError`` names the bad path.

    A field is required when it says so or is listed in ``required_fields``
    (which may only name fields of the schema).
    """
    if isinstance(schema, dict) and isinstance(schema.get("fields"), list):
        # the JSON-Schema spellings plans accept (string, integer, number, boolean)
        schema = {
            **schema,
            "fields": [
                {**f, "type": FIELD_TYPE_ALIASES.get(f["type"], f["type"])}
                if isinstance(f, dict) and isinstance(f.get("type"), str)
                else f
                for f in schema["fields"]
            ],
        }
    try:
        parsed = msgspec.convert(schema, ExtractionSchema)
    except msgspec.ValidationError as exc:
        msg = str(exc)
        path = msg.rsplit("`$", 1)[-1].rstrip("`") if "`$" in msg else ""
        raise ValueError(f"{path}: {msg}" if path else msg) from None
    names = [f.name for f in parsed.fields]
    unknown = [n for n in parsed.required_fields if n not in names]
    if unknown:
        raise ValueError(f".required_fields: {', '.join(unknown)} not among fields {names}")
    return [
        FieldSpec(
            name=f.name,
            type=f.type,
            required=f.required or f.name in parsed.required_fields,
            example=f.example,
        )
        for f in parsed.fields
    ]
