"""Tables, pagination (labelled Next and URL template), filters, URL collection, nested loops."""

from __future__ import annotations

import pytest

from examples.demo_site.server import INVENTORY, inventory_rows
from mantis.runner.micro import MicroPlanRunner

from .conftest import failures, micro

pytestmark = [pytest.mark.integration, pytest.mark.anyio]
FIELDS = [
    {"name": "make", "type": "str", "required": True},
    {"name": "model", "type": "str"},
    {"name": "year", "type": "int"},
    {"name": "price", "type": "int"},
]


def expected(cars: list[dict] | tuple[dict, ...]) -> list[dict]:
    return [{k: c[k] for k in ("make", "model", "year", "price")} for c in cars]


async def test_table_rows_across_pages_by_next_then_filtered_by_url_template(
    demo_site: str, browser, providers
) -> None:
    computer, info = browser
    plan = micro(
        [
            {"type": "navigate", "intent": "open", "params": {"url": "{{DEMO_URL}}/inventory"}},
            {"type": "extract_rows", "intent": "read the table", "extract": {"fields": FIELDS}},
            {"type": "paginate", "intent": "next page", "params": {"label": "Next"}},
            {
                "type": "loop",
                "intent": "again",
                "loop_target": 1,
                "loop_count": 5,
                "stop_var": "no_more_pages",
            },
        ],
        demo_site,
    )
    out = await MicroPlanRunner(computer, providers).run(plan, info)
    assert out.status == "succeeded", failures(out)
    assert out.rows == expected(INVENTORY)

    plan = micro(
        [
            {"type": "navigate", "intent": "open", "params": {"url": "{{DEMO_URL}}/inventory"}},
            {
                "type": "filter",
                "intent": "only SUVs",
                "params": {"label": "SUV only"},
                "hints": {"expect_url_contains": "body=suv"},
            },
            {"type": "extract_rows", "intent": "read", "extract": {"fields": FIELDS}},
            {
                "type": "paginate",
                "intent": "page n",
                "params": {
                    "url_template": "{{DEMO_URL}}/inventory?body=suv&page={n}",
                    "max_pages": 2,
                },
            },
            {"type": "loop", "intent": "again", "loop_target": 2, "stop_var": "no_more_pages"},
        ],
        demo_site,
    )
    out = await MicroPlanRunner(computer, providers).run(plan, info)
    assert out.status == "succeeded", failures(out)
    assert out.rows == expected(inventory_rows("suv"))


async def test_collected_urls_are_visited_by_a_nested_loop(
    demo_site: str, browser, providers
) -> None:
    computer, info = browser
    plan = micro(
        [
            {"type": "navigate", "intent": "car 3", "params": {"url": "{{DEMO_URL}}/cars/3"}},
            {"type": "extract_url", "intent": "keep it", "out_var": "urls[]"},
            {"type": "navigate", "intent": "car 5", "params": {"url": "{{DEMO_URL}}/cars/5"}},
            {"type": "extract_url", "intent": "keep it", "out_var": "urls[]"},
            {
                "type": "navigate_back",
                "intent": "back to car 3",
                "hints": {"expect_url_contains": "/cars/3"},
            },
            {
                "type": "loop",
                "intent": "visit each",
                "loop_count": 10,
                "steps": [
                    {
                        "type": "navigate",
                        "intent": "open {{urls[i]}}",
                        "params": {"url": "{{urls[i]}}"},
                    },
                    {"type": "extract_data", "intent": "read", "extract": {"fields": FIELDS}},
                ],
            },
            {"type": "done", "intent": "finished"},
        ],
        demo_site,
    )
    out = await MicroPlanRunner(computer, providers).run(plan, info)
    assert out.status == "succeeded", failures(out)
    assert out.rows == expected([INVENTORY[2], INVENTORY[4]])
    assert [s.type for s in out.steps][-2:] == ["navigate", "done"]  # list ran out → loop ended
