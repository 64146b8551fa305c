"""The ``claude`` brain: the Anthropic Messages API with the computer-use tool.

Uses ``computer_20251124`` with the ``computer-use-2025-11-24`` beta and falls
back once to the ``computer_20250124`` pairing if the API rejects the newer
tool. The system prompt and tool schema carry ``cache_control`` so repeated
steps read them from the prompt cache. The SDK retries 429 / 5xx with
exponential backoff (``max_retries``); an unreachable or failing API raises
``UpstreamError`` (502). A reply without a tool call ends the task (``done``).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from typing import Any

import anyio
import msgspec

from mantis.brains.actions import Action, Done
from mantis.brains.base import Inference, Usage
from mantis.brains.claude_actions import TOOL_VERSIONS, claude_space, to_action
from mantis.brains.draft import ParseFailure
from mantis.brains.errors import UpstreamError
from mantis.brains.transcript import build_messages, image_block
from mantis.brains.vision import prepare_image
from mantis.errors import missing_extra
from mantis.gym.base import Screenshot

log = logging.getLogger("mantis.brains.claude")

SYSTEM = (
    "You operate a Chromium browser on a Linux desktop through the computer tool. "
    "Take one action per turn. When the task is complete, reply with a short final "
    "answer and no tool call; if it cannot be done, say why and start the reply with FAILED."
)


def anthropic_client(
    api_key: str, *, base_url: str | None = None, max_retries: int = 3, timeout_s: float = 120.0
) -> Any:
    """An ``AsyncAnthropic`` client; the SDK's own retry loop handles 429 / 5xx backoff."""
    try:
        import anthropic
    except ImportError:
        raise missing_extra("anthropic", "anthropic") from None
    return anthropic.AsyncAnthropic(
        api_key=api_key, base_url=base_url, max_retries=max_retries, timeout=timeout_s
    )


async def call_messages(client: Any, **kwargs: Any) -> Any:
    """``client.beta.messages.create`` with SDK errors turned into ``UpstreamError``."""
    import anthropic

    try:
        return await client.beta.messages.create(**kwargs)
    except anthropic.APIConnectionError as exc:
        raise UpstreamError(f"Anthropic API unreachable: {exc}") from None
    except anthropic.APIStatusError as exc:
        raise UpstreamError(
            f"Anthropic API answered {exc.status_code}: {exc.message}",
            extra={"upstream_status": exc.status_code},
        ) from None


def usage_of(response: Any) -> Usage:
    u = response.usage
    return Usage(
        input_tokens=u.input_tokens or 0,
        output_tokens=u.output_tokens or 0,
        cache_read_tokens=getattr(u, "cache_read_input_tokens", 0) or 0,
        cache_write_tokens=getattr(u, "cache_creation_input_tokens", 0) or 0,
    )


class ClaudeBrain:
    name = "claude"

    def __init__(
        self,
        client: Any,
        *,
        model: str,
        cost: Callable[[Usage], float] | None = None,
        keep_frames: int = 3,
        keep_turns: int = 10,
        max_tokens: int = 1024,
    ) -> None:
        self.client = client
        self.model = model
        self._cost = cost or (lambda usage: 0.0)
        self.keep_frames = max(1, keep_frames)
        self.keep_turns = max(0, keep_turns)
        self.max_tokens = max_tokens
        self._version = 0  # index into TOOL_VERSIONS; moves to the fallback once

    async def aclose(self) -> None:
        """Close the SDK client's connections (call before the event loop ends)."""
        await self.client.close()

    async def build_request(
        self,
        frames: Sequence[Screenshot],
        task: str,
        history: Sequence[Action],
        screen: tuple[int, int],
    ) -> dict[str, Any]:
        space = claude_space(screen)
        recent = list(frames)[-self.keep_frames :]
        images = []
        for frame in recent:
            data = await anyio.to_thread.run_sync(prepare_image, frame, space.image, "png")
            images.append(image_block(data, "image/png"))
        tool_type, beta = TOOL_VERSIONS[self._version]
        tool: dict[str, Any] = {
            "type": tool_type,
            "name": "computer",
            "display_width_px": space.image[0],
            "display_height_px": space.image[1],
            "cache_control": {"type": "ephemeral"},
        }
        return {
            "model": self.model,
            "max_tokens": self.max_tokens,
            "system": [{"type": "text", "text": SYSTEM, "cache_control": {"type": "ephemeral"}}],
            "tools": [tool],
            "betas": [beta],
            "messages": build_messages(task, history, images, space, keep_turns=self.keep_turns),
        }

    async def think(
        self,
        frames: Sequence[Screenshot],
        task: str,
        history: Sequence[Action],
        screen: tuple[int, int],
    ) -> Inference:
        started = time.perf_counter()
        if not frames:
            return Inference(action=None, error="no screenshot to look at")
        request = await self.build_request(frames, task, history, screen)
        try:
            response = await call_messages(self.client, **request)
        except UpstreamError as exc:
            if exc.extra.get("upstream_status") != 400 or self._version + 1 >= len(TOOL_VERSIONS):
                raise
            log.warning("computer tool %s rejected; falling back", TOOL_VERSIONS[self._version][0])
            self._version += 1
            request = await self.build_request(frames, task, history, screen)
            response = await call_messages(self.client, **request)
        usage = usage_of(response)
        latency = time.perf_counter() - started
        text = "\n".join(b.text for b in response.content if b.type == "text").strip()
        raw = text
        tool_uses = [b for b in response.content if b.type == "tool_use"]
        common: dict[str, Any] = {
            "usage": usage,
            "cost_usd": self._cost(usage),
            "latency_s": latency,
        }
        if not tool_uses:
            success = not text.upper().startswith("FAILED")
            return Inference(
                action=Done(success=success, answer=text or None, reasoning=text),
                reasoning=text,
                raw=raw,
                **common,
            )
        use = tool_uses[0]
        raw = f"{text}\n{use.name}: {use.input}".strip()
        try:
            if use.name != "computer":
                raise ParseFailure(f"unknown tool {use.name!r}")
            action = to_action(dict(use.input), claude_space(screen))
        except ParseFailure as exc:
            return Inference(action=None, reasoning=text, raw=raw, error=str(exc), **common)
        if text and not action.reasoning:
            action = msgspec.structs.replace(action, reasoning=text)
        return Inference(action=action, reasoning=text, raw=raw, **common)
