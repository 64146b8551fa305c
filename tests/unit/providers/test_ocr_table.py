"""The local OCR providers against a table of rendered cases; fails below a 95 % hit rate.

Each case draws a small screen with PIL (DejaVu Sans) and states what a correct
answer is: the box a grounding must land inside, or the rows an extraction must
return. The hit rate is printed (``pytest -s``) with every miss named.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from mantis.brains.providers import LocalExtractor, LocalGrounder
from mantis.brains.providers.base import Box, FieldSpec, Role
from tests.unit.providers.conftest import Canvas

pytestmark = pytest.mark.anyio

TARGET_RATE = 0.95


@dataclass
class Ground:
    name: str
    draw: Callable[[Canvas], Box]
    target: str
    role: Role = "text"


@dataclass
class Extract:
    name: str
    draw: Callable[[Canvas], None]
    fields: list[FieldSpec]
    expected: list[dict[str, Any]]
    max_items: int = 1


def label(text: str, x: int = 120, y: int = 150, size: int = 20) -> Callable[[Canvas], Box]:
    return lambda c: c.text(x, y, text, size=size)


def among(target: str, others: list[str], *, pick: int = 1) -> Callable[[Canvas], Box]:
    """``target`` drawn in a column of similar lines; the expected box is target's."""

    def draw(c: Canvas) -> Box:
        lines = [*others[:pick], target, *others[pick:]]
        boxes = [c.text(120, 60 + i * 50, line) for i, line in enumerate(lines)]
        return boxes[pick]

    return draw


def button(caption: str, fill: str, *, decoy: str | None = None) -> Callable[[Canvas], Box]:
    def draw(c: Canvas) -> Box:
        if decoy:
            c.text(120, 60, decoy, size=28, bold=True)
        return c.button(420, 240, caption, fill=fill)

    return draw


def input_above(labels: list[str], want: str) -> Callable[[Canvas], Box]:
    def draw(c: Canvas) -> Box:
        boxes = {}
        for i, text in enumerate(labels):
            c.text(140, 40 + i * 96, text)
            boxes[text] = c.input(138, 68 + i * 96)
        return boxes[want]

    return draw


def input_left(labels: list[str], want: str) -> Callable[[Canvas], Box]:
    def draw(c: Canvas) -> Box:
        boxes = {}
        for i, text in enumerate(labels):
            c.text(100, 62 + i * 80, text)
            boxes[text] = c.input(300, 50 + i * 80, w=320)
        return boxes[want]

    return draw


def placeholder(hints: list[str], want: str) -> Callable[[Canvas], Box]:
    def draw(c: Canvas) -> Box:
        boxes = {h: c.input(200, 60 + i * 90, placeholder=h) for i, h in enumerate(hints)}
        return boxes[want]

    return draw


def dropdown(text: str, shown: str) -> Callable[[Canvas], Box]:
    def draw(c: Canvas) -> Box:
        c.text(140, 120, text)
        box = c.input(138, 148)
        c.text(156, 160, shown)
        c.draw.polygon([(530, 165), (546, 165), (538, 175)], fill="#333333")
        return box

    return draw


def pairs(lines: list[str]) -> Callable[[Canvas], None]:
    def draw(c: Canvas) -> None:
        for i, line in enumerate(lines):
            c.text(120, 60 + i * 44, line)

    return draw


def table(header: list[str], rows: list[list[str]]) -> Callable[[Canvas], None]:
    def draw(c: Canvas) -> None:
        xs = [120 + i * 220 for i in range(len(header))]
        for x, h in zip(xs, header, strict=True):
            c.text(x, 50, h, bold=True)
        c.draw.line((110, 82, 110 + 220 * len(header), 82), fill="#999999", width=2)
        for r, row in enumerate(rows):
            for x, cell in zip(xs, row, strict=True):
                c.text(x, 100 + r * 44, cell)

    return draw


F = FieldSpec
CASES: list[Ground | Extract] = [
    Ground("plain label", label("Inventory"), "Inventory"),
    Ground("large heading", label("Vehicle search", size=34), "vehicle search"),
    Ground("small text", label("Terms of service", size=14), "Terms of service"),
    Ground("multi-word target", label("Show only certified pre-owned cars"), "certified pre-owned"),
    Ground("phrase mid-line", label("Results for used sedans near Denver"), "used sedans"),
    Ground("near-duplicate: Save", among("Save", ["Save draft", "Save and close"]), "Save"),
    Ground("near-duplicate: Save draft", among("Save draft", ["Save", "Save as"]), "Save draft"),
    Ground("near-duplicate: Sign in", among("Sign in", ["Sign in with Google"], pick=1), "Sign in"),
    Ground("near-duplicate: Next page", among("Next page", ["Next", "Previous page"]), "Next page"),
    Ground("near-duplicate: numbered", among("Page 2", ["Page 1", "Page 3"]), "Page 2"),
    Ground("case-insensitive", label("CONTACT US"), "contact us"),
    Ground("button white on blue", button("Search", "#1f4fbf"), "Search", "button"),
    Ground("button white on green", button("Submit order", "#1d7a34"), "Submit order", "button"),
    Ground("button white on red", button("Delete", "#b3261e"), "Delete", "button"),
    Ground("button white on dark", button("Continue", "#222222"), "Continue", "button"),
    Ground("button white on purple", button("Apply filters", "#5b2a86"), "Apply filters", "button"),
    Ground(
        "button beside heading",
        button("Sign up", "#1f4fbf", decoy="Sign up for our newsletter"),
        "Sign up",
        "button",
    ),
    Ground(
        "input label above (1st)",
        input_above(["Email", "Password", "Full name"], "Email"),
        "Email",
        "input",
    ),
    Ground(
        "input label above (3rd)",
        input_above(["Email", "Password", "Full name"], "Full name"),
        "Full name",
        "input",
    ),
    Ground(
        "input label above, near-duplicate",
        input_above(["Name", "Company name", "Username"], "Company name"),
        "Company name",
        "input",
    ),
    Ground("input label left", input_left(["Phone:", "Company:"], "Phone:"), "Phone", "input"),
    Ground(
        "input label left (2nd)",
        input_left(["City", "ZIP code", "Country"], "ZIP code"),
        "ZIP code",
        "input",
    ),
    Ground(
        "input placeholder",
        placeholder(["Search listings", "Min price"], "Search listings"),
        "Search listings",
        "input",
    ),
    Ground(
        "input placeholder (2nd)",
        placeholder(["First name", "Last name", "Email address"], "Last name"),
        "Last name",
        "input",
    ),
    Ground("dropdown", dropdown("Make", "Any make"), "Make", "dropdown"),
    Ground("dropdown by label", dropdown("Sort by", "Newest first"), "Sort by", "dropdown"),
    Extract(
        "label/value pairs",
        pairs(["Name: Ada Lovelace", "Email: ada@example.com", "Phone: 555-0142"]),
        [F(name="name"), F(name="email"), F(name="phone")],
        [{"name": "Ada Lovelace", "email": "ada@example.com", "phone": "555-0142"}],
    ),
    Extract(
        "currency with thousands",
        pairs(["Title: 2019 Toyota Corolla", "Price: $14,500", "Mileage: 42,318 mi"]),
        [F(name="title"), F(name="price", type="int"), F(name="mileage", type="int")],
        [{"title": "2019 Toyota Corolla", "price": 14500, "mileage": 42318}],
    ),
    Extract(
        "currency with cents",
        pairs(["Subtotal: $1,204.50", "Tax: $96.36", "Total: $1,300.86"]),
        [
            F(name="subtotal", type="float"),
            F(name="tax", type="float"),
            F(name="total", type="float"),
        ],
        [{"subtotal": 1204.5, "tax": 96.36, "total": 1300.86}],
    ),
    Extract(
        "euro and large numbers",
        pairs(["Budget: €2,500,000", "Units: 12,000"]),
        [F(name="budget", type="int"), F(name="units", type="int")],
        [{"budget": 2500000, "units": 12000}],
    ),
    Extract(
        "humanised field names",
        pairs(["First name: Grace", "Order total: $89.99", "Gift wrap: No"]),
        [
            F(name="first_name"),
            F(name="order_total", type="float"),
            F(name="gift_wrap", type="bool"),
        ],
        [{"first_name": "Grace", "order_total": 89.99, "gift_wrap": False}],
    ),
    Extract(
        "table rows",
        table(
            ["Product", "Qty", "Price"],
            [["Widget", "4", "$12.00"], ["Gadget", "10", "$3.50"], ["Sprocket", "1", "$1,250.00"]],
        ),
        [F(name="product"), F(name="qty", type="int"), F(name="price", type="float")],
        [
            {"product": "Widget", "qty": 4, "price": 12.0},
            {"product": "Gadget", "qty": 10, "price": 3.5},
            {"product": "Sprocket", "qty": 1, "price": 1250.0},
        ],
        max_items=10,
    ),
    Extract(
        "table with multi-word cells",
        table(
            ["Make", "Model", "Year"],
            [["Land Rover", "Range Rover", "2021"], ["Aston Martin", "DB11", "2019"]],
        ),
        [F(name="make"), F(name="model"), F(name="year", type="int")],
        [
            {"make": "Land Rover", "model": "Range Rover", "year": 2021},
            {"make": "Aston Martin", "model": "DB11", "year": 2019},
        ],
        max_items=10,
    ),
]


async def _hit(case: Ground | Extract, grounder: LocalGrounder, extractor: LocalExtractor) -> str:
    """'' on a hit, else what went wrong."""
    canvas = Canvas(960, 420)
    if isinstance(case, Ground):
        box = case.draw(canvas)
        found = await grounder.locate(canvas.shot(), case.target, role=case.role)
        if found is None:
            return "not found"
        return "" if box.contains(found.x, found.y) else f"({found.x},{found.y}) outside {box}"
    case.draw(canvas)
    rows = await extractor.extract(canvas.shot(), case.fields, max_items=case.max_items)
    return "" if rows == case.expected else f"got {rows}"


async def test_ocr_providers_hit_rate(grounder, extractor, capsys):
    assert len(CASES) >= 30
    misses = []
    for case in CASES:
        why = await _hit(case, grounder, extractor)
        if why:
            misses.append(f"  miss: {case.name}: {why}")
    rate = 1 - len(misses) / len(CASES)
    with capsys.disabled():
        print(f"\nOCR providers: {len(CASES) - len(misses)}/{len(CASES)} hits ({rate:.1%})")
        for line in misses:
            print(line)
    assert rate >= TARGET_RATE, "\n".join(misses)
