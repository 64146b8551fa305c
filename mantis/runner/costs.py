"""Cost meter: USD in three buckets, ``gpu``, ``claude`` and ``proxy``.

Prices come from a ``PriceTable`` built from settings (``MANTIS_PRICE_*``).
A brain's ``Inference`` is priced by its own ``cost_usd`` when the brain knows
it; otherwise token usage is priced for Claude-family brains and engine time
(``latency_s``) at the hourly GPU price for local / Modal brains.
"""

from __future__ import annotations

from typing import Literal

import msgspec

from mantis.brains.base import Inference

CostBucket = Literal["gpu", "claude", "proxy"]
COST_BUCKETS: tuple[CostBucket, ...] = ("gpu", "claude", "proxy")


class PriceTable(msgspec.Struct, frozen=True, kw_only=True):
    """USD prices. Token prices are per million tokens; GPU per hour; proxy per GiB."""

    claude_input_per_mtok: float = 3.0
    claude_output_per_mtok: float = 15.0
    claude_cache_read_per_mtok: float = 0.3
    claude_cache_write_per_mtok: float = 3.75
    gpu_per_hour: float = 0.0
    proxy_per_gib: float = 0.0

    def __post_init__(self) -> None:
        for field in msgspec.structs.fields(self):
            if getattr(self, field.name) < 0:
                raise ValueError(f"PriceTable.{field.name}: expected >= 0")


def _is_claude(brain_name: str) -> bool:
    return brain_name == "claude" or brain_name.startswith("claude")


class CostMeter:
    def __init__(self, prices: PriceTable | None = None, carry: dict[str, float] | None = None):
        self.prices = prices or PriceTable()
        self._totals: dict[str, float] = dict.fromkeys(COST_BUCKETS, 0.0)
        for k, v in (carry or {}).items():
            if k in self._totals:
                self._totals[k] = float(v)

    def add(self, bucket: CostBucket, usd: float) -> None:
        self._totals[bucket] += max(0.0, usd)

    def price_inference(self, brain_name: str, inf: Inference) -> tuple[CostBucket, float]:
        """The bucket and USD of one brain call (not yet added)."""
        p = self.prices
        if _is_claude(brain_name):
            if inf.cost_usd:
                return "claude", inf.cost_usd
            u = inf.usage
            usd = (
                u.input_tokens * p.claude_input_per_mtok
                + u.output_tokens * p.claude_output_per_mtok
                + u.cache_read_tokens * p.claude_cache_read_per_mtok
                + u.cache_write_tokens * p.claude_cache_write_per_mtok
            ) / 1_000_000
            return "claude", usd
        if inf.cost_usd:
            return "gpu", inf.cost_usd
        return "gpu", inf.latency_s * p.gpu_per_hour / 3600.0

    def charge_inference(self, brain_name: str, inf: Inference) -> float:
        bucket, usd = self.price_inference(brain_name, inf)
        self.add(bucket, usd)
        return usd

    def charge_proxy_bytes(self, n: int) -> float:
        usd = n / 2**30 * self.prices.proxy_per_gib
        self.add("proxy", usd)
        return usd

    @property
    def total(self) -> float:
        return sum(self._totals.values())

    def snapshot(self) -> dict[str, float]:
        return {k: round(self._totals[k], 6) for k in COST_BUCKETS}
