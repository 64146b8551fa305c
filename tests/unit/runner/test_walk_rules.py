"""The step loop's rules without a browser: loops, {{urls[i]}}, guards, recipes."""

from __future__ import annotations

import pytest

from mantis.plans import Step
from mantis.runner.context import RunnerConfig
from mantis.runner.loops import flatten
from mantis.runner.micro import MicroPlanRunner
from mantis.runner.recipes import BUILTIN_RECIPES, known_recipes, resolve_recipe
from tests.unit.runner.conftest import plan_of
from tests.unit.runner.fakes import PageComputer, PageProviders

pytestmark = pytest.mark.anyio

A, B, C = "http://a.test/1", "http://a.test/2", "http://a.test/3"


def runner(computer: PageComputer, fake: PageProviders | None = None, **kw) -> MicroPlanRunner:
    fake = fake or PageProviders(computer)
    return MicroPlanRunner(computer, fake.providers(), RunnerConfig(settle_floor_s=0), **kw)


def test_inline_loop_is_rewritten_into_body_plus_jump_back():
    plan = plan_of(
        [
            {"type": "navigate", "params": {"url": A}},
            {
                "type": "loop",
                "loop_count": 3,
                "steps": [
                    {"type": "wait", "params": {"seconds": 0}},
                    {
                        "type": "loop",
                        "loop_count": 2,
                        "steps": [{"type": "navigate", "params": {"url": B}}],
                    },
                ],
            },
            {"type": "done"},
        ]
    )
    flat = flatten(plan).steps
    assert [s.type for s in flat] == ["navigate", "wait", "navigate", "loop", "loop", "done"]
    inner, outer = flat[3], flat[4]
    assert (inner.loop_target, inner.loop_count, inner.steps) == (2, 1, None)
    assert (outer.loop_target, outer.loop_count, outer.steps) == (1, 2, None)


async def test_inline_loops_run_body_count_times():
    computer = PageComputer()
    plan = plan_of(
        [
            {
                "type": "loop",
                "loop_count": 2,
                "steps": [
                    {"type": "navigate", "params": {"url": A}},
                    {
                        "type": "loop",
                        "loop_count": 3,
                        "steps": [{"type": "navigate", "params": {"url": B}}],
                    },
                ],
            }
        ]
    )
    out = await runner(computer).run(plan, computer.info())
    assert out.status == "succeeded"
    assert computer.visited() == [A, B, B, B, A, B, B, B]


async def test_collected_urls_fill_urls_i_and_the_loop_ends_when_the_list_does():
    computer = PageComputer(url=A)
    plan = plan_of(
        [
            {"type": "extract_url", "out_var": "urls[]"},
            {"type": "navigate", "params": {"url": B}},
            {"type": "extract_url", "out_var": "urls[]"},
            {
                "type": "loop",
                "loop_count": 10,
                "steps": [
                    {
                        "type": "navigate",
                        "intent": "open {{urls[i]}}",
                        "params": {"url": "{{urls[i]}}"},
                    }
                ],
            },
            {"type": "navigate", "params": {"url": C}},
        ]
    )
    out = await runner(computer).run(plan, computer.info())
    assert out.status == "succeeded", [s.error for s in out.steps]
    assert computer.visited() == [B, A, B, C]
    opened = [s for s in out.steps if s.type == "navigate" and not s.skipped][1:3]
    assert [s.intent for s in opened] == [f"open {A}", f"open {B}"]
    assert any("past the end" in str(s.detail.get("loop_end", "")) for s in out.steps)


async def test_bad_list_placeholders_fail_their_step_not_the_run():
    computer = PageComputer(url=A)
    plan = plan_of(
        [
            {"type": "navigate", "params": {"url": "{{urls[0]}}"}},
            {"type": "extract_url", "out_var": "urls[]"},
            {"type": "navigate", "params": {"url": "{{urls[i]}}"}},
            {"type": "navigate", "params": {"url": "{{urls[-1]}}"}},
            {"type": "navigate", "params": {"url": "{{urls[5]}}"}},
        ]
    )
    out = await runner(computer).run(plan, computer.info())
    assert out.status == "succeeded"  # none of them is required
    assert "'urls' is not a list" in (out.steps[0].error or "")
    assert out.steps[2].success and out.steps[3].success  # i is 0 outside loops
    assert "the list has 1 items" in (out.steps[4].error or "")
    assert computer.visited() == [A, A]


async def test_guard_skips_a_step_without_touching_the_screen():
    computer = PageComputer({A: "Cookie banner Accept"}, url=A)
    plan = plan_of(
        [
            {"type": "detect_visible", "params": {"text": "Cookie banner"}, "out_var": "banner"},
            {"type": "navigate", "params": {"url": B}, "guard": "banner"},
            {"type": "detect_visible", "params": {"text": "Cookie banner"}, "out_var": "again"},
            {"type": "navigate", "params": {"url": C}, "guard": "again"},
        ]
    )
    out = await runner(computer).run(plan, computer.info())
    assert computer.visited() == [B]
    assert [s.skipped for s in out.steps] == [False, False, False, True]
    skipped = out.steps[3]
    assert skipped.success and skipped.attempts == 0 and sum(skipped.time_breakdown.values()) < 0.05


def test_recipes_resolve_builtins_and_runner_mapping_first():
    assert {"vehicle_listing", "contact", "product"} <= set(BUILTIN_RECIPES)
    mine = {"contact": [BUILTIN_RECIPES["product"][0]], "lead": BUILTIN_RECIPES["contact"]}
    assert resolve_recipe("contact", mine) == mine["contact"]
    assert resolve_recipe("product") == BUILTIN_RECIPES["product"]
    assert known_recipes(mine) == ["contact", "lead", "product", "vehicle_listing"]
    with pytest.raises(LookupError, match="known recipes: contact, product, vehicle_listing"):
        resolve_recipe("nope")


async def test_extract_with_a_recipe_uses_its_fields():
    computer = PageComputer(url=A)
    fake = PageProviders(computer, rows=[{"name": "Ada", "email": "ada@x.test"}])
    plan = plan_of([{"type": "extract_data", "extract": {"recipe": "contact"}}])
    out = await runner(computer, fake).run(plan, computer.info())
    assert out.status == "succeeded"
    assert [f.name for f in fake.extract_calls[0]] == ["name", "email", "phone", "company"]
    assert out.fields == ["name", "email", "phone", "company"]
    assert out.rows == [{"name": "Ada", "email": "ada@x.test", "phone": "", "company": ""}]


async def test_extract_with_a_tenant_recipe_and_an_unknown_one():
    computer = PageComputer(url=A)
    fake = PageProviders(computer, rows=[{"plate": "AB-123"}])
    tenant = {"plates": [BUILTIN_RECIPES["contact"][0].__class__(name="plate", required=True)]}
    plan = plan_of(
        [
            {"type": "extract_data", "extract": {"recipe": "plates"}},
            {"type": "extract_data", "extract": {"recipe": "bogus"}},
        ]
    )
    out = await runner(computer, fake, recipes=tenant).run(plan, computer.info())
    assert out.steps[0].success and out.rows == [{"plate": "AB-123"}]
    err = out.steps[1].error or ""
    assert "unknown extraction recipe 'bogus'" in err
    assert "contact, plates, product, vehicle_listing" in err
    assert out.steps[1].detail["error_class"] == "unknown_recipe"


def test_flatten_keeps_plain_steps_untouched():
    plan = plan_of([{"type": "wait", "params": {"seconds": 0}}])
    assert flatten(plan).steps == plan.steps
    assert isinstance(flatten(plan).steps[0], Step)


async def test_tool_sees_the_current_url_and_its_result_can_be_collected():
    from urllib.parse import urljoin

    from mantis.runner.tools import ToolContext, ToolRegistry

    seen: list[str | None] = []

    async def next_page(args: dict, ctx: ToolContext) -> str:
        seen.append(ctx.url)
        return urljoin(ctx.url or "", args["path"])

    computer = PageComputer()
    plan = plan_of(
        [
            {"type": "navigate", "params": {"url": A}},
            {"type": "tool_call", "name": "next_page", "args": {"path": "3"}, "out_var": "urls[]"},
            {"type": "navigate", "params": {"url": "{{urls[0]}}"}},
        ]
    )
    tools = ToolRegistry({"next_page": next_page})
    out = await runner(computer, tools=tools).run(plan, computer.info())
    assert out.status == "succeeded", [s.error for s in out.steps]
    assert seen == [A]
    assert computer.visited() == [A, C]
