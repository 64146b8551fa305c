"""``PlanCaps``: the server-wide limits a plan is checked and clamped against.

The caller builds it from its settings; this package never reads settings or
the environment.
"""

from __future__ import annotations

import msgspec

from mantis.errors import ConfigError


class PlanCaps(msgspec.Struct, frozen=True, kw_only=True):
    """Limits applied at load: too many steps is an error; long loops and waits are clamped."""

    max_steps_per_plan: int = 200
    """More steps than this (nested loop bodies included) rejects the plan."""
    max_loop_iterations: int = 50
    """``loop_count`` above this is clamped, with a warning."""
    max_wait_seconds: float = 30.0
    """``params.seconds`` above this is clamped, with a warning."""

    def __post_init__(self) -> None:
        if self.max_steps_per_plan < 1:
            raise ConfigError(f"max_steps_per_plan: expected >= 1, got {self.max_steps_per_plan}")
        if self.max_loop_iterations < 0:
            raise ConfigError(f"max_loop_iterations: expected >= 0, got {self.max_loop_iterations}")
        if self.max_wait_seconds < 0:
            raise ConfigError(f"max_wait_seconds: expected >= 0, got {self.max_wait_seconds}")
