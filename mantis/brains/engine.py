"""The chat-engine seam: where a vision brain's request goes.

A ``ChatEngine`` takes OpenAI-style chat messages (text and ``image_url`` parts)
and returns the reply text, any structured tool calls and token usage. The same
brain runs unchanged on an in-process llama.cpp or vLLM engine or an
OpenAI-compatible HTTP endpoint, so parsing is identical everywhere.
"""

from __future__ import annotations

from typing import Any, Literal, Protocol

import msgspec

from mantis.brains.base import Usage

Placement = Literal["local", "modal", "endpoint", "api"]


class ToolCallOut(msgspec.Struct, frozen=True):
    name: str
    arguments: dict[str, Any]


class ChatRequest(msgspec.Struct, frozen=True, kw_only=True):
    messages: list[dict[str, Any]]
    tools: list[dict[str, Any]] | None = None
    json_schema: dict[str, Any] | None = None  # constrain the reply to this schema
    max_tokens: int = 512
    temperature: float = 0.0


class ChatReply(msgspec.Struct, frozen=True, kw_only=True):
    text: str
    tool_calls: list[ToolCallOut] = []
    usage: Usage = Usage()
    engine_s: float = 0.0  # seconds the engine (GPU / endpoint) spent


class ChatEngine(Protocol):
    placement: Placement

    async def complete(self, request: ChatRequest) -> ChatReply:
        """The model's reply; raises ``UpstreamError`` when the engine cannot be reached."""
        ...
