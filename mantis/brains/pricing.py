"""Usage → dollars: the ``claude`` bucket from tokens, the ``gpu`` bucket from engine time."""

from __future__ import annotations

from mantis.brains.base import Usage
from mantis.config import Settings


def claude_cost(usage: Usage, settings: Settings) -> float:
    per = 1_000_000
    return (
        usage.input_tokens * settings.price_claude_input_per_mtok
        + usage.output_tokens * settings.price_claude_output_per_mtok
        + usage.cache_read_tokens * settings.price_claude_cache_read_per_mtok
        + usage.cache_write_tokens * settings.price_claude_cache_write_per_mtok
    ) / per


def gpu_cost(engine_s: float, placement: str, settings: Settings) -> float:
    hourly = {
        "local": settings.gpu_price_per_hour_local,
        "modal": settings.gpu_price_per_hour_modal,
        "endpoint": settings.gpu_price_per_hour_endpoint,
    }.get(placement, 0.0)
    return engine_s * hourly / 3600
