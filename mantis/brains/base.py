"""The brain contract: screenshot(s) + task + history in, one action out.

A brain never raises for a model mistake: unparseable output or an off-screen
point comes back as an ``Inference`` with ``action=None`` and the raw text, and
the runner counts it as a failed attempt.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import msgspec

from mantis.brains.actions import Action
from mantis.gym.base import Screenshot


class Usage(msgspec.Struct, frozen=True, kw_only=True):
    input_tokens: int = 0
    output_tokens: int = 0
    cache_read_tokens: int = 0
    cache_write_tokens: int = 0


class Inference(msgspec.Struct, frozen=True, kw_only=True):
    action: Action | None
    reasoning: str = ""
    usage: Usage = Usage()
    cost_usd: float = 0.0
    latency_s: float = 0.0
    raw: str = ""
    error: str | None = None  # why ``action`` is None, in words


class Brain(Protocol):
    name: str

    async def think(
        self,
        frames: Sequence[Screenshot],
        task: str,
        history: Sequence[Action],
        screen: tuple[int, int],
    ) -> Inference: ...
