"""A browser-free computer and providers for runner unit tests.

``PageComputer`` implements the ``Computer`` protocol over a dict of pages
(URL -> visible text): screenshots are small frames whose colour depends on the
page (so page fingerprints differ between pages), and every call is logged.
The providers read that text instead of pixels.
"""

from __future__ import annotations

import hashlib
from typing import Any

import anyio

from mantis.brains.actions import Action
from mantis.brains.providers.base import Box, FieldSpec, Grounding, Role
from mantis.gym.base import ActResult, Screenshot, SessionInfo, SessionSpec
from mantis.runner.context import Providers, Region

SCREEN = (64, 48)


class PageComputer:
    def __init__(
        self,
        pages: dict[str, str] | None = None,
        *,
        url: str = "about:blank",
        delay_s: float = 0.0,
        scroll_step: int = 0,
    ) -> None:
        self.pages = pages or {}
        self.url = url
        self.delay_s = delay_s
        self.log: list[tuple[str, Any]] = []
        self.scroll_y: int | None = 0 if scroll_step else None
        self.scroll_step = scroll_step

    def info(self) -> SessionInfo:
        return SessionInfo(display=":99", chrome_pid=1, width=SCREEN[0], height=SCREEN[1])

    async def open(self, spec: SessionSpec) -> SessionInfo:
        self.log.append(("open", spec.profile_dir))
        return self.info()

    async def screenshot(self) -> Screenshot:
        shade = hashlib.sha256(self.url.encode()).digest()[:3]
        rgb = bytes(shade) * (SCREEN[0] * SCREEN[1])
        return Screenshot(
            width=SCREEN[0], height=SCREEN[1], data=rgb, captured_at_ms=0, scroll_y=self.scroll_y
        )

    async def act(self, action: Action) -> ActResult:
        self.log.append(("act", action))
        direction = getattr(action, "direction", None)
        if self.scroll_y is not None and direction in ("up", "down"):
            delta = self.scroll_step * getattr(action, "amount", 1)
            self.scroll_y = max(0, self.scroll_y + (delta if direction == "down" else -delta))
        await self._tick()
        return ActResult(ok=True)

    async def navigate(self, url: str) -> None:
        self.log.append(("navigate", url))
        self.url = url
        await self._tick()

    async def current_url(self) -> str:
        return self.url

    async def settle(self, floor_s: float = 0.15, ceiling_s: float = 3.0) -> float:
        return 0.0

    async def close(self) -> None:
        self.log.append(("close", None))

    async def _tick(self) -> None:
        if self.delay_s:
            await anyio.sleep(self.delay_s)

    def visited(self) -> list[str]:
        return [arg for kind, arg in self.log if kind == "navigate"]

    def text(self) -> str:
        return self.pages.get(self.url, "")


class PageProviders:
    """Grounder, verifier and extractor over ``PageComputer`` page text."""

    def __init__(self, computer: PageComputer, rows: list[dict[str, Any]] | None = None):
        self.computer = computer
        self.rows = rows or []
        self.extract_calls: list[list[FieldSpec]] = []

    def _hit(self, text: str) -> Grounding | None:
        if text.lower() not in self.computer.text().lower():
            return None
        return Grounding(x=10, y=10, box=Box(0, 0, 20, 20), text=text, score=1.0)

    async def locate(
        self, shot: Screenshot, target: str, *, role: Role = "text", region: Region | None = None
    ) -> Grounding | None:
        return self._hit(target)

    async def check(
        self, shot: Screenshot, condition: str, *, region: Region | None = None
    ) -> tuple[bool, str]:
        return True, "fake verifier"

    async def text_visible(
        self, shot: Screenshot, text: str, *, region: Region | None = None
    ) -> Grounding | None:
        return self._hit(text)

    async def extract(
        self,
        shot: Screenshot,
        fields: list[FieldSpec],
        *,
        max_items: int = 1,
        region: Region | None = None,
    ) -> list[dict[str, Any]]:
        self.extract_calls.append(fields)
        return self.rows[:max_items]

    def providers(self) -> Providers:
        return Providers(grounder=self, verifier=self, extractor=self)
