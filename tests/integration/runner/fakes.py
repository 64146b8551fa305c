"""A scripted brain: implements ``Brain``, replays a list, records every call."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence

from mantis.brains.actions import Action, Done
from mantis.brains.base import Inference
from mantis.gym.base import Screenshot

Script = Inference | Action | Callable[[Screenshot], Awaitable[Inference | Action]]


class ScriptedBrain:
    def __init__(self, script: Sequence[Script], name: str = "scripted") -> None:
        self.name = name
        self.script = list(script)
        self.calls: list[tuple[str, int]] = []  # (task, history length)

    async def think(
        self,
        frames: Sequence[Screenshot],
        task: str,
        history: Sequence[Action],
        screen: tuple[int, int],
    ) -> Inference:
        self.calls.append((task, len(history)))
        if not self.script:
            return Inference(action=Done(success=True), raw="done")
        item = self.script.pop(0)
        if callable(item):
            item = await item(frames[-1])
        return item if isinstance(item, Inference) else Inference(action=item, raw=repr(item))
