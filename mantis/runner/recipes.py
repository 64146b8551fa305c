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
"""

from __future__ import annotations

from collections.abc import Mapping

from mantis.brains.providers.base import FieldSpec


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
