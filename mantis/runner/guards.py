"""Run-level reliability guards: cost and time ceilings, stuck loops, drift off the source.

Each check answers None or a ``HaltInfo`` with a class and a human sentence:
``budget_cap`` (cost passed ``max_cost``), ``time_cap`` (wall time passed
``max_time_minutes``), ``loop_stuck`` (``state_repeat_threshold`` identical
loop iterations in a row) and ``off_source_drift`` (more than
``off_source_step_budget`` consecutive steps on URLs not matching
``pinned_source_url_pattern``).
"""

from __future__ import annotations

import re

from mantis.errors import RequestError
from mantis.plans import Runtime
from mantis.runner.results import HaltInfo

# Steps that cannot move the browser to another URL: no drift check after them.
STILL_TYPES = frozenset(
    {
        "extract_data",
        "extract_rows",
        "extract_url",
        "detect_visible",
        "if_else",
        "loop",
        "wait",
        "done",
        "request_user_input",
        "tool_call",
        "type_text",
        "fill_field",
    }
)


class RunGuards:
    def __init__(
        self,
        runtime: Runtime,
        *,
        max_cost: float | None = None,
        max_time_minutes: float | None = None,
    ) -> None:
        self.max_cost = max_cost if max_cost is not None else runtime.max_cost
        self.max_time_minutes = (
            max_time_minutes if max_time_minutes is not None else runtime.max_time_minutes
        )
        self.repeat_threshold = runtime.state_repeat_threshold
        self.off_budget = runtime.off_source_step_budget or 0
        self.pattern: re.Pattern[str] | None = None
        if runtime.pinned_source_url_pattern:
            try:
                self.pattern = re.compile(runtime.pinned_source_url_pattern)
            except re.error as exc:
                raise RequestError(
                    f"runtime.pinned_source_url_pattern: not a valid regular expression ({exc})"
                ) from None
        self._last_state: str | None = None
        self._repeats = 0
        self._off = 0

    def ceilings(self, elapsed_s: float, cost_usd: float) -> HaltInfo | None:
        # max_cost 0 means "free runs only": any positive spend halts.
        if self.max_cost is not None and cost_usd > self.max_cost:
            return HaltInfo(
                cls="budget_cap",
                message=f"the run cost ${cost_usd:.4f}, over its max_cost of ${self.max_cost:.2f}",
            )
        if self.max_time_minutes is not None and elapsed_s > self.max_time_minutes * 60:
            return HaltInfo(
                cls="time_cap",
                message=f"the run took {elapsed_s / 60:.1f} min, over its max_time_minutes "
                f"of {self.max_time_minutes:g}",
            )
        return None

    def iteration(self, state: str) -> HaltInfo | None:
        """Called at the end of each loop iteration with a fingerprint of the page and rows."""
        if self.repeat_threshold is None:
            return None
        self._repeats = self._repeats + 1 if state == self._last_state else 1
        self._last_state = state
        if self._repeats >= self.repeat_threshold:
            return HaltInfo(
                cls="loop_stuck",
                message=f"{self._repeats} loop iterations in a row left the page and rows "
                "unchanged (state_repeat_threshold "
                f"{self.repeat_threshold}); the loop is not making progress",
            )
        return None

    def needs_url(self, step_type: str) -> bool:
        return self.pattern is not None and step_type not in STILL_TYPES

    def location(self, url: str) -> HaltInfo | None:
        if self.pattern is None:
            return None
        if self.pattern.search(url):
            self._off = 0
            return None
        self._off += 1
        if self._off > self.off_budget:
            return HaltInfo(
                cls="off_source_drift",
                message=f"{self._off} steps in a row ran off the pinned source "
                f"({self.pattern.pattern!r}); last URL {url}",
            )
        return None
