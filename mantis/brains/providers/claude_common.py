"""Plumbing shared by the Claude providers: one forced tool call, screenshot crops, the meter.

Every Claude provider asks one question per call and forces the answer through
a single tool (``tool_choice``), so the reply is structured JSON rather than
prose to parse. Each call is recorded as a :class:`ProviderCall` (wall-time
bucket, tokens, latency, dollars) in ``provider.calls`` and handed to
``on_call`` when one is given, so the runner can time and price it. An
unreachable or failing API raises ``UpstreamError`` (502); a reply without the
tool call comes back as ``None`` for the provider to treat as "no answer".
"""

from __future__ import annotations

import base64
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import anyio
import msgspec

from mantis.brains.base import Usage
from mantis.brains.claude import call_messages, usage_of
from mantis.brains.providers.base import Region

if TYPE_CHECKING:
    from mantis.gym.base import Screenshot

#: Longest image edge sent to Claude; larger crops are scaled down (the API
#: would do so itself, and our coordinates must match what the model saw).
MAX_EDGE = 1568


class ProviderCall(msgspec.Struct, frozen=True, kw_only=True):
    """One Claude provider request: what it is for and what it cost."""

    bucket: str  # claude_ground | claude_extract | claude_verify | claude_decompose
    model: str
    usage: Usage
    latency_s: float
    cost_usd: float


class Crop(msgspec.Struct, frozen=True, kw_only=True):
    """A screen region as sent to the model: PNG bytes plus the mapping back to screen pixels."""

    png: bytes
    left: int
    top: int
    scale: float  # image pixels per screen pixel (<= 1)
    size: tuple[int, int]  # the image's width and height

    def to_screen(self, x: float, y: float) -> tuple[int, int]:
        return (self.left + round(x / self.scale), self.top + round(y / self.scale))


def clamp_region(shot: Screenshot, region: Region | None) -> Region:
    """``region`` cut to the screenshot (the whole screen when None or empty)."""
    if region is None:
        return (0, 0, shot.width, shot.height)
    x, y, w, h = region
    left, top = max(0, min(x, shot.width - 1)), max(0, min(y, shot.height - 1))
    right, bottom = min(shot.width, x + w), min(shot.height, y + h)
    if right <= left or bottom <= top:
        return (0, 0, shot.width, shot.height)
    return (left, top, right - left, bottom - top)


def _crop(shot: Screenshot, region: Region, max_edge: int) -> Crop:
    from PIL import Image

    x, y, w, h = region
    img = shot.image().crop((x, y, x + w, y + h))
    scale = min(1.0, max_edge / max(w, h))
    if scale < 1.0:
        size = (max(1, round(w * scale)), max(1, round(h * scale)))
        img = img.resize(size, Image.Resampling.LANCZOS)
    from mantis.gym.base import Screenshot as Shot

    return Crop(png=Shot.from_image(img).encode("png"), left=x, top=y, scale=scale, size=img.size)


async def crop(shot: Screenshot, region: Region | None, *, max_edge: int = MAX_EDGE) -> Crop:
    """The region (clamped to the screen) as a PNG no larger than ``max_edge``, off the loop."""
    return await anyio.to_thread.run_sync(_crop, shot, clamp_region(shot, region), max_edge)


def image_block(png: bytes) -> dict[str, Any]:
    data = base64.b64encode(png).decode()
    return {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": data}}


class ClaudeTool:
    """Base of the Claude providers: one forced tool call per question, metered."""

    bucket = "claude"

    def __init__(
        self,
        client: Any,
        *,
        model: str,
        cost: Callable[[Usage], float] | None = None,
        on_call: Callable[[ProviderCall], None] | None = None,
        max_tokens: int = 1024,
    ) -> None:
        self.client = client
        self.model = model
        self._cost = cost or (lambda usage: 0.0)
        self.on_call = on_call
        self.max_tokens = max_tokens
        self.calls: list[ProviderCall] = []

    async def aclose(self) -> None:
        await self.client.close()

    def _record(self, usage: Usage, latency_s: float) -> ProviderCall:
        call = ProviderCall(
            bucket=self.bucket,
            model=self.model,
            usage=usage,
            latency_s=latency_s,
            cost_usd=self._cost(usage),
        )
        self.calls.append(call)
        if self.on_call is not None:
            self.on_call(call)
        return call

    async def ask(
        self,
        *,
        system: str,
        messages: list[dict[str, Any]],
        tool: str,
        description: str,
        schema: dict[str, Any],
    ) -> tuple[dict[str, Any] | None, str, Any]:
        """Send ``messages`` forcing ``tool``; (its input or None, the reply text, the reply)."""
        request = {
            "model": self.model,
            "max_tokens": self.max_tokens,
            "system": [{"type": "text", "text": system, "cache_control": {"type": "ephemeral"}}],
            "tools": [
                {
                    "name": tool,
                    "description": description,
                    "input_schema": schema,
                    "cache_control": {"type": "ephemeral"},
                }
            ],
            "tool_choice": {"type": "tool", "name": tool},
            "messages": messages,
        }
        started = time.perf_counter()
        response = await call_messages(self.client, **request)
        self._record(usage_of(response), time.perf_counter() - started)
        text = "\n".join(b.text for b in response.content if b.type == "text").strip()
        for block in response.content:
            if block.type == "tool_use" and block.name == tool and isinstance(block.input, dict):
                return dict(block.input), text, response
        return None, text, response
