"""The handler signature and the control-flow signals a handler may return."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import msgspec

from mantis.plans import Step
from mantis.runner.context import StepContext

Handler = Callable[[StepContext, Step], Awaitable[Any]]


class Jump(msgspec.Struct, frozen=True):
    """Continue at step ``target`` (an absolute index)."""

    target: int
    reason: str = ""


class Stop(msgspec.Struct, frozen=True):
    """Stop the plan successfully (the ``done`` step)."""

    answer: str | None = None


class Pause(msgspec.Struct, frozen=True):
    """Pause the run and ask a person ``prompt``; resume fills ``{{user_input}}``."""

    prompt: str
