"""Everything a step handler may touch, behind one object.

Handlers never see the server, the store or the settings: only the computer,
the providers, the meter, the run's variables and an event sink. Each helper
charges its time to the right wall-time bucket.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, Literal

import msgspec

from mantis.brains.actions import Action, Click
from mantis.brains.base import Brain
from mantis.brains.providers.base import Extractor, FieldSpec, Grounder, Grounding, Verifier
from mantis.errors import MantisError
from mantis.gym.base import Computer, Screenshot
from mantis.runner.costs import CostMeter
from mantis.runner.meter import TimeMeter
from mantis.runner.tools import ToolRegistry

EventSink = Callable[[str, dict[str, Any]], Awaitable[None]]
Region = tuple[int, int, int, int]
Role = Literal["text", "button", "input", "dropdown"]

_QUOTED = re.compile(r"[\"“”'‘’]([^\"“”'‘’]{1,120})[\"“”'‘’]")
_URL = re.compile(r"\bhttps?://[^\s\"'<>]+|\b(?:localhost|127\.0\.0\.1)(?::\d+)?(?:/[^\s\"'<>]*)?")


class StepFailed(MantisError):
    """A step did not achieve its goal. ``cls`` classifies the failure for reports."""

    def __init__(self, message: str, cls: str = "step_failed") -> None:
        super().__init__(message)
        self.cls = cls


class Providers(msgspec.Struct, frozen=True, kw_only=True):
    grounder: Grounder
    verifier: Verifier
    extractor: Extractor


class RunnerConfig(msgspec.Struct, frozen=True, kw_only=True):
    """The runner's knobs; built once from ``Settings`` by whoever starts a run."""

    max_wait_seconds: float = 30.0
    max_loop_iterations: int = 50
    settle_floor_s: float = 0.15
    settle_ceiling_s: float = 3.0
    load_ceiling_s: float = 10.0
    max_scroll_repeats: int = 12
    """Brain-free scrolls ``until`` a text shows: at most this many wheel moves."""
    max_pages: int = 20
    """``paginate`` without ``params.max_pages``: stop after this many pages."""
    brain_history: int = 8
    """Actions of the current step passed back to the brain as history."""


async def _no_events(kind: str, data: dict[str, Any]) -> None:
    return None


class StepContext:
    def __init__(
        self,
        *,
        computer: Computer,
        providers: Providers,
        config: RunnerConfig,
        meter: TimeMeter,
        region: Region,
        emit: EventSink = _no_events,
        brain: Brain | None = None,
        tools: ToolRegistry | None = None,
        costs: CostMeter | None = None,
        screen: tuple[int, int] = (1280, 720),
        recipes: Mapping[str, list[FieldSpec]] | None = None,
        extraction: list[FieldSpec] | None = None,
    ) -> None:
        self.computer = computer
        self.providers = providers
        self.config = config
        self.meter = meter
        self.region = region
        self.emit = emit
        self.brain = brain
        self.tools = tools or ToolRegistry()
        self.costs = costs or CostMeter()
        self.screen = screen
        self.recipes: Mapping[str, list[FieldSpec]] = recipes or {}
        self.extraction = extraction
        """A run-level schema that overrides the fields of every extract step."""
        self.vars: dict[str, Any] = {}
        self.rows: list[dict[str, Any]] = []
        self.fields: list[str] = []
        self.required_fields: list[str] = []
        self.loop_index = 0
        """0-based iteration of the innermost running loop (``{{var[i]}}``)."""
        self.detail: dict[str, Any] = {}
        """Notes a handler leaves for the current step's result (ambiguity, brain attempts)."""

    async def shot(self) -> Screenshot:
        with self.meter.bucket("perceive"):
            return await self.computer.screenshot()

    async def settle(self) -> None:
        with self.meter.bucket("settle"):
            await self.computer.settle(self.config.settle_floor_s, self.config.settle_ceiling_s)

    async def act(self, action: Action, *, settle: bool = True) -> None:
        with self.meter.bucket("act"):
            res = await self.computer.act(action)
        if not res.ok:
            raise StepFailed(
                f"{action.__struct_config__.tag} failed: {res.detail}", "action_failed"
            )
        if settle:
            await self.settle()

    async def navigate(self, url: str) -> None:
        with self.meter.bucket("load"):
            await self.computer.navigate(url)

    async def current_url(self) -> str:
        with self.meter.bucket("perceive"):
            return await self.computer.current_url()

    async def ground(
        self, target: str, role: Role = "text", shot: Screenshot | None = None
    ) -> Grounding:
        shot = shot or await self.shot()
        with self.meter.bucket("claude_ground"):
            found = await self.providers.grounder.locate(
                shot, target, role=role, region=self.region
            )
        if found is None:
            raise StepFailed(f"could not find {role} {target!r} on screen", "target_not_found")
        return found

    async def click_on(
        self, target: str, role: Role = "text", *, button: str = "left"
    ) -> Grounding:
        found = await self.ground(target, role)
        if button == "left":
            await self.act(Click(x=found.x, y=found.y))
        else:
            await self.act(Click(x=found.x, y=found.y, button="right"))
        return found

    async def verify(self, condition: str) -> tuple[bool, str]:
        shot = await self.shot()
        with self.meter.bucket("claude_verify"):
            return await self.providers.verifier.check(shot, condition, region=self.region)


def quoted_target(text: str) -> str | None:
    """The first quoted phrase in ``text`` (straight or curly quotes), if any."""
    m = _QUOTED.search(text or "")
    return m.group(1).strip() if m else None


def url_in(text: str) -> str | None:
    m = _URL.search(text or "")
    return m.group(0).rstrip(".,;)") if m else None


def truthy(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() not in ("", "0", "false", "no", "none", "null")
    return bool(value)
