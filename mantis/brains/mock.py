"""The ``mock`` brain: answers ``done`` on every call, for dry runs of plan structure."""

from __future__ import annotations

from collections.abc import Sequence

from mantis.brains.actions import Action, Done
from mantis.brains.base import Inference
from mantis.gym.base import Screenshot


class MockBrain:
    name = "mock"

    async def think(
        self,
        frames: Sequence[Screenshot],
        task: str,
        history: Sequence[Action],
        screen: tuple[int, int],
    ) -> Inference:
        return Inference(action=Done(success=True, answer="mock brain"), raw="done")
