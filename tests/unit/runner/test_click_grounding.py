"""Click grounding without a browser: a scripted brain clicks 40 px off a drawn button.

The screen is a PIL-rendered frame with a "Send inquiry" button; the computer
records every action it is asked to make. The real local (OCR) grounder moves
the click onto the button when grounding is on; off, or on a miss, the brain's
point is used as proposed.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest
from PIL import Image, ImageDraw, ImageFont

from mantis.brains.actions import Action, Click, Done, Drag, Key
from mantis.brains.base import Inference
from mantis.brains.providers import LocalGrounder
from mantis.brains.providers.base import Box, Grounding, Region, Role
from mantis.gym.base import ActResult, Screenshot, SessionInfo
from mantis.plans import TaskSuite, load_plan
from mantis.runner.context import Providers
from mantis.runner.grounding import quoted_phrases, role_of, targets_for, window_around
from mantis.runner.micro import MicroPlanRunner
from mantis.runner.suite import TaskSuiteRunner

from .conftest import plan_of

pytestmark = pytest.mark.anyio

SCREEN = (800, 600)
TOP = 80  # the fake browser toolbar
BUTTON = Box(300, 300, 180, 44)
REASONING = 'I will click the "Send inquiry" button to submit the form.'


def _font(size: int) -> Any:
    try:
        return ImageFont.truetype("DejaVuSans.ttf", size)
    except OSError:
        return ImageFont.load_default(size)


def render() -> Screenshot:
    img = Image.new("RGB", SCREEN, (255, 255, 255))
    draw = ImageDraw.Draw(img)
    draw.rectangle((0, 0, SCREEN[0], TOP - 1), fill=(222, 225, 230))
    draw.text((40, 120), "New inquiry", fill=(20, 20, 20), font=_font(30))
    draw.text(
        (40, 200),
        "Tell us about your fleet and we will call you back.",
        fill=(60, 60, 60),
        font=_font(18),
    )
    b = BUTTON
    draw.rectangle((b.x, b.y, b.right, b.bottom), fill=(30, 90, 200))
    draw.text((b.x + 22, b.y + 10), "Send inquiry", fill=(255, 255, 255), font=_font(20))
    return Screenshot.from_image(img)


class RecordingComputer:
    """One fixed frame; every action is recorded and succeeds."""

    def __init__(self, shot: Screenshot) -> None:
        self.frame = shot
        self.actions: list[Action] = []

    async def screenshot(self) -> Screenshot:
        return self.frame

    async def act(self, action: Action) -> ActResult:
        self.actions.append(action)
        return ActResult(ok=True)

    async def navigate(self, url: str) -> None:
        return None

    async def current_url(self) -> str:
        return "http://demo.test/inquiry"

    async def settle(self, floor_s: float = 0.15, ceiling_s: float = 3.0) -> float:
        return 0.0

    async def open(self, spec: Any) -> SessionInfo:
        return INFO

    async def close(self) -> None:
        return None


INFO = SessionInfo(display=":0", chrome_pid=0, width=SCREEN[0], height=SCREEN[1], content_top=TOP)


class Brain:
    name = "scripted"

    def __init__(self, actions: Sequence[Action]) -> None:
        self.script = list(actions)

    async def think(
        self, frames: Sequence[Screenshot], task: str, history: Sequence[Action], screen: Any
    ) -> Inference:
        action = self.script.pop(0) if self.script else Done(success=True)
        return Inference(action=action, raw=repr(action))


class FakeGrounder:
    """Answers from a table of target → point and records every question."""

    def __init__(self, answers: dict[str, tuple[int, int]], *, free_text: bool = False) -> None:
        self.answers = answers
        self.free_text = free_text
        self.calls: list[tuple[str, Role, Region | None]] = []

    async def locate(
        self, shot: Screenshot, target: str, *, role: Role = "text", region: Region | None = None
    ) -> Grounding | None:
        self.calls.append((target, role, region))
        point = self.answers.get(target)
        if point is None or (region is not None and not _inside(point, region)):
            return None
        return Grounding(x=point[0], y=point[1], box=Box(*point, 1, 1), text=target, score=1.0)


def _inside(p: tuple[int, int], r: Region) -> bool:
    return r[0] <= p[0] < r[0] + r[2] and r[1] <= p[1] < r[1] + r[3]


def providers(grounder: Any) -> Providers:
    return Providers(grounder=grounder, verifier=grounder, extractor=grounder)


OFF = (BUTTON.center[0], BUTTON.center[1] + 40)  # 40 px below the button's centre


async def run_click(grounder: Any, *, grounding: bool, reasoning: str = REASONING, events=None):  # type: ignore[no-untyped-def]
    computer = RecordingComputer(render())
    brain = Brain([Click(x=OFF[0], y=OFF[1], reasoning=reasoning)])
    seen: list[tuple[str, dict[str, Any]]] = [] if events is None else events

    async def emit(kind: str, data: dict[str, Any]) -> None:
        seen.append((kind, data))

    plan = plan_of([{"type": "click", "intent": "Submit the form", "grounding": grounding}])
    runner = MicroPlanRunner(computer, providers(grounder), events=emit, brain=brain)
    out = await runner.run(plan, INFO)
    assert out.steps[0].success, out.steps[0].error
    clicks = [a for a in computer.actions if isinstance(a, Click)]
    assert len(clicks) == 1
    return clicks[0], out.steps[0].detail, seen


async def test_grounding_on_moves_the_click_onto_the_button_with_real_ocr() -> None:
    events: list[tuple[str, dict[str, Any]]] = []
    click, detail, _ = await run_click(LocalGrounder(), grounding=True, events=events)
    assert BUTTON.contains(click.x, click.y), (click, BUTTON)
    assert click.reasoning == REASONING
    (record,) = detail["brain"]["grounding"]
    assert record["grounded"] and record["from"] == list(OFF)
    assert record["to"] == [click.x, click.y] and record["target"] == "Send inquiry"
    assert record["role"] == "button" and record["found_in"] == "window"
    assert 30 <= record["distance"] <= 60
    assert [d for k, d in events if k == "click_grounded"] == [record]


async def test_grounding_off_uses_the_brains_point() -> None:
    grounder = FakeGrounder({"Send inquiry": BUTTON.center})
    click, detail, events = await run_click(grounder, grounding=False)
    assert (click.x, click.y) == OFF
    assert grounder.calls == [] and "grounding" not in detail["brain"]
    assert not [k for k, _ in events if k == "click_grounded"]


async def test_a_miss_keeps_the_brains_point_and_says_so() -> None:
    grounder = FakeGrounder({})
    click, detail, _ = await run_click(grounder, grounding=True)
    assert (click.x, click.y) == OFF
    (record,) = detail["brain"]["grounding"]
    assert not record["grounded"] and record["to"] == list(OFF)
    assert "did not find 'Send inquiry'" in record["reason"]
    # the window around the point first, then the whole content region
    window = window_around(*OFF, SCREEN, (400, 300))
    assert [r for _, _, r in grounder.calls] == [window, (0, TOP, SCREEN[0], SCREEN[1] - TOP)]


async def test_no_quoted_phrase_keeps_the_point_without_asking_the_ocr_grounder() -> None:
    grounder = FakeGrounder({"Send inquiry": BUTTON.center})
    click, detail, _ = await run_click(grounder, grounding=True, reasoning="click the blue one")
    assert (click.x, click.y) == OFF and grounder.calls == []
    assert "no target description" in detail["brain"]["grounding"][0]["reason"]


async def test_far_targets_are_found_in_the_content_region() -> None:
    grounder = FakeGrounder({"Send inquiry": (760, 560)})
    click, detail, _ = await run_click(grounder, grounding=True)
    assert (click.x, click.y) == (760, 560)
    assert detail["brain"]["grounding"][0]["found_in"] == "content"


async def test_a_free_text_grounder_gets_the_whole_reasoning() -> None:
    grounder = FakeGrounder({REASONING: BUTTON.center}, free_text=True)
    click, _, _ = await run_click(grounder, grounding=True)
    assert (click.x, click.y) == BUTTON.center
    assert grounder.calls[0][0] == REASONING and grounder.calls[0][1] == "button"


async def test_drag_ends_are_grounded_from_two_quoted_phrases_and_keys_pass_through() -> None:
    grounder = FakeGrounder({"Card A": (100, 200), "Done column": (600, 220)})
    computer = RecordingComputer(render())
    brain = Brain(
        [
            Key(keys="Escape", reasoning='close the "Card A" popup'),
            Drag(x1=120, y1=210, x2=580, y2=250, reasoning='drag "Card A" onto "Done column"'),
        ]
    )
    plan = plan_of([{"type": "drag", "intent": "Move the card", "grounding": True}])
    out = await MicroPlanRunner(computer, providers(grounder), brain=brain).run(plan, INFO)
    assert out.steps[0].success, out.steps[0].error
    assert computer.actions[0] == Key(keys="Escape", reasoning='close the "Card A" popup')
    drag = computer.actions[1]
    assert isinstance(drag, Drag) and (drag.x1, drag.y1, drag.x2, drag.y2) == (100, 200, 600, 220)
    ends = [r["end"] for r in out.steps[0].detail["brain"]["grounding"]]
    assert ends == ["from", "to"]


async def test_task_suite_grounding_from_the_suite_key_or_the_constructor() -> None:
    suite = load_plan(
        {"session_name": "s", "grounding": True, "tasks": [{"task_id": "t", "intent": "Send it"}]}
    ).plan
    assert isinstance(suite, TaskSuite)
    for kw, expected in (({}, BUTTON.center), ({"grounding": False}, OFF)):
        computer = RecordingComputer(render())
        grounder = FakeGrounder({"Send inquiry": BUTTON.center})
        brain = Brain([Click(x=OFF[0], y=OFF[1], reasoning=REASONING)])
        runner = TaskSuiteRunner(computer, providers(grounder), brain, **kw)
        out = await runner.run(suite, INFO)
        assert out.status == "succeeded", out.steps[0].error
        (click,) = [a for a in computer.actions if isinstance(a, Click)]
        assert (click.x, click.y) == expected
        assert ("grounding" in out.steps[0].detail) == (expected != OFF)


def test_target_helpers() -> None:
    assert quoted_phrases('click "Send inquiry" then ‘Back’, don\'t stop') == [
        "Send inquiry",
        "Back",
    ]
    assert role_of('the "Plan" dropdown') == "dropdown"
    assert role_of("type into the search box") == "input"
    assert role_of("press the Send button") == "button" and role_of("open the link") == "text"
    assert window_around(10, 590, (800, 600), (400, 300)) == (0, 300, 400, 300)
    assert window_around(400, 300, (300, 200), (400, 300)) == (0, 0, 300, 200)
    click = Click(x=1, y=1, reasoning="")
    assert targets_for(click, 'Press "OK"', free_text=False) == ["OK"]
    assert targets_for(click, "Press OK", free_text=True) == ["Press OK"]
    assert targets_for(Drag(x1=0, y1=0, x2=1, y2=1, reasoning='"A"'), "", free_text=True) == [
        None,
        None,
    ]
