"""Wall-time meter with the nine buckets of the API's ``wall_time_breakdown``.

Time is attributed with ``with meter.bucket("act"): ...``. ``overhead`` is never
timed directly: it is the residual of total wall time minus every measured
bucket, so the buckets always sum to the total.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Literal

BUCKETS = (
    "perceive",
    "think",
    "act",
    "settle",
    "claude_ground",
    "claude_extract",
    "claude_verify",
    "load",
    "overhead",
)
Bucket = Literal[
    "perceive", "think", "act", "settle", "claude_ground", "claude_extract", "claude_verify", "load"
]


class TimeMeter:
    def __init__(self, carry: dict[str, float] | None = None) -> None:
        """``carry``: bucket totals of an earlier part of the same run (before a pause)."""
        self._carried = sum((carry or {}).values())
        self._start = time.perf_counter()
        self._end: float | None = None
        self._totals: dict[str, float] = dict.fromkeys(BUCKETS, 0.0)
        for k, v in (carry or {}).items():
            if k in self._totals:
                self._totals[k] = float(v)
        self._depth = 0

    @contextmanager
    def bucket(self, name: Bucket) -> Iterator[None]:
        # Nested buckets would double count: only the outermost one is charged.
        if self._depth:
            yield
            return
        self._depth += 1
        t0 = time.perf_counter()
        try:
            yield
        finally:
            self._depth -= 1
            self._totals[name] += time.perf_counter() - t0

    def add(self, name: Bucket, seconds: float) -> None:
        self._totals[name] += seconds

    def stop(self) -> None:
        if self._end is None:
            self._end = time.perf_counter()

    def elapsed(self) -> float:
        return (self._end or time.perf_counter()) - self._start + self._carried

    def snapshot(self) -> dict[str, float]:
        """Bucket totals; ``overhead`` is the residual so the sum equals ``elapsed()``."""
        total = self.elapsed()
        out = {k: round(v, 4) for k, v in self._totals.items() if k != "overhead"}
        out["overhead"] = round(max(0.0, total - sum(self._totals[k] for k in out)), 4)
        return {k: out[k] for k in BUCKETS}


class StepClock:
    """Per-step view of a ``TimeMeter``: the bucket deltas accrued during one step."""

    def __init__(self, meter: TimeMeter) -> None:
        self._meter = meter
        self._before = dict(meter._totals)
        self._t0 = time.perf_counter()

    def finish(self) -> tuple[float, dict[str, float]]:
        duration = time.perf_counter() - self._t0
        deltas = {
            k: round(self._meter._totals[k] - self._before[k], 4)
            for k in BUCKETS
            if k != "overhead"
        }
        deltas["overhead"] = round(max(0.0, duration - sum(deltas.values())), 4)
        return round(duration, 4), deltas
