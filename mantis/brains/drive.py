"""``drive``: the smallest think → act → settle loop, for tests, benchmarks and demos.

The runner owns the production loop (budgets, events, pauses); this one only
runs a brain against a ``Computer`` until ``done`` or ``max_steps``.
"""

from __future__ import annotations

import msgspec

from mantis.brains.actions import Action, Done
from mantis.brains.base import Brain, Inference
from mantis.gym.base import Computer, Screenshot


class DriveResult(msgspec.Struct, kw_only=True):
    done: Done | None
    actions: list[Action]
    inferences: list[Inference]


async def drive(
    brain: Brain, computer: Computer, task: str, *, max_steps: int = 10, keep_frames: int = 3
) -> DriveResult:
    frames: list[Screenshot] = []
    actions: list[Action] = []
    inferences: list[Inference] = []
    for _ in range(max_steps):
        shot = await computer.screenshot()
        frames = [*frames, shot][-keep_frames:]
        inference = await brain.think(frames, task, actions, (shot.width, shot.height))
        inferences.append(inference)
        if inference.action is None:
            continue  # a failed attempt: look again
        if isinstance(inference.action, Done):
            return DriveResult(done=inference.action, actions=actions, inferences=inferences)
        await computer.act(inference.action)
        actions.append(inference.action)
        await computer.settle()
    return DriveResult(done=None, actions=actions, inferences=inferences)
