"""Dry runs: walk a plan's structure with the ``mock`` brain and no browser.

``DryComputer`` is a blank screen that accepts every action and remembers the
last URL; ``dry_providers`` find every target, pass every check and extract one
row of each field's ``example`` (or ""). ``if_else`` takes the branch of the
condition variable when a step set it (``detect_visible`` reports True), so the
printed path shows sections, gates, loops (each iteration) and branches.
``hints`` are not checked (no real site, no real URL).
"""

from __future__ import annotations

from typing import Any

import msgspec

from mantis.brains.actions import Action
from mantis.brains.mock import MockBrain
from mantis.brains.providers.base import Box, FieldSpec, Grounding, Region, Role
from mantis.gym.base import ActResult, Screenshot, SessionInfo, SessionSpec
from mantis.plans import Hints, MicroPlan
from mantis.runner.context import Providers, RunnerConfig
from mantis.runner.loops import flatten
from mantis.runner.micro import MicroPlanRunner
from mantis.runner.results import RunOutcome

W, H = 1280, 720


class DryComputer:
    def __init__(self) -> None:
        self.url = "about:blank"
        self._frame = 0

    async def open(self, spec: SessionSpec) -> SessionInfo:
        return SessionInfo(display=":dry", chrome_pid=0, width=W, height=H)

    async def screenshot(self) -> Screenshot:
        self._frame += 1  # every frame differs, so no scroll or page looks stuck
        rgb = bytearray(W * H * 3)
        rgb[-3:] = (self._frame % 256).to_bytes(1, "big") * 3
        return Screenshot(width=W, height=H, data=bytes(rgb), captured_at_ms=self._frame)

    async def act(self, action: Action) -> ActResult:
        return ActResult(ok=True)

    async def navigate(self, url: str) -> None:
        self.url = url

    async def current_url(self) -> str:
        return self.url

    async def settle(self, floor_s: float = 0.0, ceiling_s: float = 0.0) -> float:
        return 0.0


_HIT = Grounding(x=W // 2, y=H // 2, box=Box(W // 2 - 20, H // 2 - 10, 40, 20), text="", score=1.0)


class _Everything:
    async def locate(
        self, shot: Screenshot, target: str, *, role: Role = "text", region: Region | None = None
    ) -> Grounding | None:
        return _HIT

    async def check(
        self, shot: Screenshot, condition: str, *, region: Region | None = None
    ) -> tuple[bool, str]:
        return True, "dry run: assumed to hold"

    async def text_visible(
        self, shot: Screenshot, text: str, *, region: Region | None = None
    ) -> Grounding | None:
        return _HIT

    async def extract(
        self,
        shot: Screenshot,
        fields: list[FieldSpec],
        *,
        max_items: int = 1,
        region: Region | None = None,
    ) -> list[dict[str, Any]]:
        return [{f.name: "" if f.example is None else f.example for f in fields}]


def dry_providers() -> Providers:
    p = _Everything()
    return Providers(grounder=p, verifier=p, extractor=p)


async def dry_run(plan: MicroPlan, lines: list[str]) -> RunOutcome:
    """Run ``plan`` dry; append one human line per event to ``lines``."""
    steps = plan.steps

    async def sink(kind: str, data: dict[str, Any]) -> None:
        if kind == "step_finished":
            i = data["index"]
            step = runner_plan.steps[i] if i < len(runner_plan.steps) else None
            section = f"[{step.section}] " if step and step.section else ""
            flags = "".join(f" ({f})" for f in ("required", "gate") if step and getattr(step, f))
            state = (
                "skipped (guard)"
                if data["skipped"]
                else ("ok" if data["success"] else f"FAILED: {data['error']}")
            )
            intent = step.intent if step else ""
            lines.append(f"{i:>3} {section}{data['type']}{flags}: {intent} -> {state}")
        elif kind == "jump":
            lines.append(f"    -> jump to step {data['to']} ({data['reason']})")
        elif kind in ("paused", "halted"):
            lines.append(f"    == {kind}: {data.get('prompt') or data.get('message')}")

    # URL hints cannot hold without a real site: a dry run does not check them.
    plan = msgspec.structs.replace(
        plan, steps=[msgspec.structs.replace(s, hints=Hints()) for s in plan.steps]
    )
    runner_plan = flatten(plan)
    if len(runner_plan.steps) != len(steps):
        lines.append(
            f"(inline loop bodies flattened: {len(steps)} -> {len(runner_plan.steps)} steps)"
        )
    computer = DryComputer()
    info = await computer.open(SessionSpec(profile_dir=""))
    runner = MicroPlanRunner(
        computer,  # type: ignore[arg-type]  # a Computer in all but open()'s browser
        dry_providers(),
        RunnerConfig(settle_floor_s=0, settle_ceiling_s=0),
        events=sink,
        brain=MockBrain(),
    )
    return await runner.run(plan, info, max_time_minutes=1e9)
