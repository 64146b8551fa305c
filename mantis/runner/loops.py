"""Loops: inline bodies flattened into jump form, and which loop a step runs in.

A ``loop`` step with an inline ``steps`` body (run ``loop_count`` times) is
rewritten before the run into the body followed by a jump-back ``loop`` with
``loop_count - 1``, recursively; jump targets are remapped so they keep
pointing at the same steps (targets inside a body count from the body's first
step). After that there is one loop form, one checkpointing scheme and one
way to number iterations. ``stop_var`` is checked at the end of each iteration.
"""

from __future__ import annotations

import msgspec

from mantis.plans import MicroPlan, Step


def _flatten(steps: list[Step], base: int) -> list[Step]:
    expansions: list[list[Step]] = []
    starts: list[int] = []
    pos = base
    for step in steps:
        starts.append(pos)
        if step.type == "loop" and step.steps is not None:
            count = step.loop_count
            body = [] if count == 0 else _flatten(list(step.steps), pos)
            if body:
                tail = msgspec.structs.replace(
                    step,
                    steps=None,
                    loop_target=pos,
                    loop_count=None if count is None else count - 1,
                )
                body.append(tail)
            expansions.append(body)
        else:
            expansions.append([step])
        pos += len(expansions[-1])
    starts.append(pos)  # a target one past the end stays one past the end

    def remap(target: int | None) -> int | None:
        if target is None or target < 0 or target >= len(steps):
            return target
        return starts[target]

    out: list[Step] = []
    for i, exp in enumerate(expansions):
        if steps[i].steps is None:
            s = steps[i]
            exp = [
                msgspec.structs.replace(
                    s,
                    loop_target=remap(s.loop_target),
                    then_target=remap(s.then_target),
                    else_target=remap(s.else_target),
                )
            ]
        out.extend(exp)
    return out


def flatten(plan: MicroPlan) -> MicroPlan:
    """``plan`` with every inline loop body in jump form (the same object when none)."""
    if not any(s.type == "loop" and s.steps is not None for s in plan.steps):
        return plan
    return msgspec.structs.replace(plan, steps=_flatten(list(plan.steps), 0))


def innermost_loop(steps: list[Step], idx: int) -> int | None:
    """Index of the tightest jump loop whose body contains step ``idx``."""
    best: int | None = None
    for j in range(idx, len(steps)):
        s = steps[j]
        if s.type == "loop" and s.loop_target is not None and 0 <= s.loop_target <= idx < j + 1:
            if best is None or j - s.loop_target < best - (steps[best].loop_target or 0):
                best = j
    return best
