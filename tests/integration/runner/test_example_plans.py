"""Every plan under examples/plans/ runs on a real Xvfb + Chromium against the demo site.

Plans are loaded from disk through ``load_plan`` exactly as ``mantis plan run``
would, and run by ``MicroPlanRunner`` (``TaskSuiteRunner`` for suites) with the
local OCR providers. Plans marked ``"needs_brain": true`` get the scripted fake
brain; the others run with no brain at all. One browser serves the whole file.
A plan file without an entry in ``EXPECTED`` fails: a new example needs its
expected output written down here.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import msgspec
import pytest

from examples.demo_site.server import INVENTORY, LISTINGS, inventory_rows
from mantis.brains.actions import Action, Click
from mantis.brains.providers import LocalGrounder
from mantis.gym.base import Screenshot, SessionInfo, SessionSpec
from mantis.gym.computer import LocalComputer
from mantis.plans import MicroPlan, TaskSuite, load_plan
from mantis.runner.context import Providers
from mantis.runner.micro import MicroPlanRunner
from mantis.runner.results import RunOutcome
from mantis.runner.suite import TaskSuiteRunner
from mantis.runner.tools import ToolContext, ToolError, ToolRegistry

from .fakes import Script, ScriptedBrain

pytestmark = [pytest.mark.integration, pytest.mark.anyio]
ROOT = Path(__file__).resolve().parents[3]
PLANS = ROOT / "examples/plans"
PLAN_FILES = sorted(p.relative_to(PLANS).as_posix() for p in PLANS.rglob("*.json"))


def cars(items: Any, *names: str) -> list[dict[str, Any]]:
    return [{n: c[n] for n in names} for c in items]


def car(n: int, *names: str) -> list[dict[str, Any]]:
    return cars([INVENTORY[n - 1]], *names)


ALL4 = ("make", "model", "year", "price")


def click_on(label: str) -> Callable[[Screenshot], Any]:
    """A brain move: find ``label`` by OCR on the frame and click it."""

    async def act(shot: Screenshot) -> Action:
        found = await LocalGrounder().locate(shot, label)
        assert found is not None, f"the scripted brain could not see {label!r}"
        return Click(x=found.x, y=found.y)

    return act


async def car_page(args: dict[str, Any], ctx: ToolContext) -> str:
    """The host tool of tool_call.json: the absolute URL of a car's page, by model."""
    for n, c in enumerate(INVENTORY, start=1):
        if c["model"].lower() == str(args.get("model", "")).lower():
            return urljoin(ctx.url or "", f"/cars/{n}")
    raise ToolError(f"no car with model {args.get('model')!r}")


@dataclass
class Expect:
    rows: list[dict[str, Any]] | None = None
    url_ends: str | None = None
    url_has: str | None = None
    outputs: dict[int, Any] = field(default_factory=dict)
    """step index → expected output (or a predicate over it)."""
    executed: list[int] | None = None
    """the step indices that ran, in order (when it matters: jumps, done)."""
    answers: list[str] = field(default_factory=list)
    """answers to each pause, in order (request_user_input)."""
    brain: Callable[[], list[Script]] | None = None
    """the scripted brain's moves, for plans marked needs_brain."""
    check: Callable[[RunOutcome], None] | None = None


EXPECTED: dict[str, Expect] = {
    "demo.json": Expect(rows=cars(LISTINGS, *ALL4), url_ends="/listings"),
    "steps/navigate.json": Expect(url_ends="/cars/3"),
    "steps/navigate_back.json": Expect(url_ends="/inventory"),
    "steps/wait.json": Expect(outputs={1: 0.5, 2: 0.25}),
    "steps/click.json": Expect(url_ends="/cars/3", outputs={1: "SUV only"}),
    "steps/double_click.json": Expect(url_ends="/clicks"),
    "steps/right_click.json": Expect(url_ends="/clicks"),
    "steps/fill_field.json": Expect(url_ends="/login", outputs={3: False}),
    "steps/submit.json": Expect(url_ends="/inquiry", outputs={3: "Sign in"}),
    "steps/select_option.json": Expect(outputs={1: "Sapphire"}),
    "steps/type_text.json": Expect(outputs={2: "demo@acme.test"}),
    "steps/key_press.json": Expect(url_ends="/inquiry", outputs={2: "Tab", 4: "Return"}),
    "steps/scroll.json": Expect(
        outputs={
            2: lambda o: o["found"] == "Bottom marker reached",
            4: lambda o: o["at_end"] is True,
            5: lambda o: o["found"] == "Top of the long page",
        }
    ),
    "steps/drag.json": Expect(url_ends="/drag"),
    "steps/extract_url.json": Expect(
        rows=[r for n in (2, 7, 9) for r in car(n, "make", "model", "price")],
        url_ends="/cars/2",
        outputs={1: lambda u: u.endswith("/cars/2"), 5: lambda u: u.endswith("/cars/9")},
    ),
    "steps/extract_data.json": Expect(rows=car(3, *ALL4)),
    "steps/extract_rows.json": Expect(rows=cars(INVENTORY[:4], *ALL4)),
    "steps/detect_visible.json": Expect(outputs={1: False, 2: True}),
    "steps/if_else.json": Expect(
        rows=cars(inventory_rows("suv")[:4], "make", "model"),
        url_has="body=suv",
        executed=[0, 1, 2, 4, 5],
    ),
    "steps/loop.json": Expect(
        check=lambda out: (
            (
                [s.output for s in out.steps if s.type == "detect_visible"][-1] is True
                and len([s for s in out.steps if s.type == "scroll"]) >= 2
            )
            or pytest.fail("the loop should scroll more than once and stop at the marker")
        )
    ),
    "steps/loop_inline.json": Expect(rows=cars(INVENTORY, *ALL4)),
    "steps/paginate.json": Expect(rows=cars(INVENTORY, *ALL4), url_has="page=3"),
    "steps/paginate_url_template.json": Expect(
        rows=cars(inventory_rows("sedan"), *ALL4), url_has="page=2"
    ),
    "steps/filter.json": Expect(
        rows=cars(inventory_rows("sedan")[:4], "make", "model"), url_has="body=sedan"
    ),
    "steps/request_user_input.json": Expect(
        answers=["5"], rows=car(5, "make", "model", "year"), url_ends="/cars/5"
    ),
    "steps/tool_call.json": Expect(
        rows=car(5, "make", "model", "price"),
        url_ends="/cars/5",
        outputs={1: lambda u: u.endswith("/cars/5")},
    ),
    "steps/done.json": Expect(url_ends="/cars/4", executed=[0, 1]),
    "steps/claude.json": Expect(rows=car(6, *ALL4)),
    "steps/holo3.json": Expect(url_has="body=suv", brain=lambda: [click_on("SUV only")]),
    "steps/click_brain.json": Expect(
        url_ends="/cars/4", brain=lambda: [click_on("Details Tribute")]
    ),
    "steps/task_suite_micro_plan.json": Expect(
        rows=cars(LISTINGS, "make", "model", "price"), url_ends="/listings"
    ),
    "steps/task_suite.json": Expect(url_ends="/cars/1", brain=lambda: [click_on("SUV only")]),
}


@pytest.fixture(scope="module")
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="module")
async def shared_browser(
    tmp_path_factory: pytest.TempPathFactory, anyio_backend: str
) -> AsyncIterator[tuple[LocalComputer, SessionInfo]]:
    computer = LocalComputer()
    try:
        profile = tmp_path_factory.mktemp("examples") / "profile"
        info = await computer.open(SessionSpec(profile_dir=str(profile)))
        yield computer, info
    finally:
        await computer.close()


def test_every_example_has_expectations() -> None:
    assert PLAN_FILES, "no plans found under examples/plans/"
    assert sorted(EXPECTED) == PLAN_FILES


@pytest.mark.parametrize("name", PLAN_FILES)
async def test_example_plan_runs(
    name: str,
    demo_site: str,
    shared_browser: tuple[LocalComputer, SessionInfo],
    providers: Providers,
) -> None:
    computer, info = shared_browser
    expect = EXPECTED.get(name)
    assert expect is not None, f"add the expected output of examples/plans/{name} to EXPECTED"
    raw = msgspec.json.decode((PLANS / name).read_bytes())
    loaded = load_plan(raw, vars={"DEMO_URL": demo_site})
    needs_brain = bool(raw.get("needs_brain")) if isinstance(raw, dict) else False
    assert needs_brain == (expect.brain is not None), "needs_brain and a brain script go together"
    brain = ScriptedBrain(expect.brain()) if expect.brain else None

    if isinstance(loaded.plan, TaskSuite):
        suite_brain = brain or ScriptedBrain([])
        out = await TaskSuiteRunner(computer, providers, suite_brain).run(loaded.plan, info)
        if loaded.plan.micro_plan is not None:
            assert suite_brain.calls == [], "a suite with _micro_plan must not ask the brain"
    else:
        assert isinstance(loaded.plan, MicroPlan)
        tools = ToolRegistry({"car_page": car_page})
        runner = MicroPlanRunner(computer, providers, brain=brain, tools=tools)
        out = await runner.run(loaded.plan, info)
        answers = list(expect.answers)
        while out.status == "paused" and answers:
            assert out.pause is not None and out.pause.prompt
            out = await runner.resume(
                loaded.plan, info, out.pause, answers.pop(0), signature=loaded.signature
            )
        assert not answers, "the plan finished before every answer was used"

    failed = [(s.index, s.type, s.error) for s in out.steps if not s.success]
    assert out.status == "succeeded", (failed, out.halt)
    assert failed == []
    if brain is not None:
        assert brain.calls, "a needs_brain example should have asked the brain"
    if expect.rows is not None:
        assert out.rows == expect.rows, (out.final_url, [(s.index, s.output) for s in out.steps])
    if expect.url_ends is not None:
        assert (out.final_url or "").endswith(expect.url_ends), out.final_url
    if expect.url_has is not None:
        assert expect.url_has in (out.final_url or ""), out.final_url
    by_index = {s.index: s.output for s in out.steps}
    for idx, want in expect.outputs.items():
        got = by_index.get(idx)
        if callable(want):
            assert want(got), f"step {idx} output {got!r}"
        else:
            assert got == want, f"step {idx} output {got!r}"
    if expect.executed is not None:
        assert [s.index for s in out.steps] == expect.executed
    if expect.check is not None:
        expect.check(out)
