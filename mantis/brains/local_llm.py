"""``LocalLLM``: a GGUF text model (``MANTIS_LOCAL_LLM``) answering in schema-constrained JSON.

A thin layer over :class:`~mantis.brains.llama.LlamaEngine` (the same loading
code as the vision brains: loaded once, in a thread, shared with a concurrency
limit). ``complete_json`` turns a JSON Schema into llama.cpp's grammar so
decoding can only produce text the schema allows, then parses it. Used by the
local decomposer and the local LLM extractor; needs ``pip install 'mantis[llama]'``.
"""

from __future__ import annotations

import json
from typing import Any

import msgspec

from mantis.brains.base import Usage
from mantis.brains.engine import ChatRequest
from mantis.brains.llama import LlamaEngine


class JsonReply(msgspec.Struct, frozen=True, kw_only=True):
    value: Any  # the decoded JSON; None when ``error`` says why not
    text: str
    usage: Usage = Usage()
    engine_s: float = 0.0
    error: str | None = None


class LocalLLM:
    def __init__(
        self,
        model_path: str,
        *,
        n_gpu_layers: int = -1,
        n_ctx: int = 8192,
        engine: LlamaEngine | None = None,
    ) -> None:
        self.model_path = model_path
        self.engine = engine or LlamaEngine(model_path, n_gpu_layers=n_gpu_layers, n_ctx=n_ctx)

    async def complete_json(
        self,
        prompt: str,
        schema: dict[str, Any],
        *,
        system: str | None = None,
        max_tokens: int = 1024,
    ) -> JsonReply:
        """The model's answer to ``prompt`` as JSON following ``schema`` (greedy decoding)."""
        messages: list[dict[str, Any]] = []
        if system:
            messages.append({"role": "system", "content": system})
        messages.append({"role": "user", "content": prompt})
        reply = await self.engine.complete(
            ChatRequest(messages=messages, json_schema=schema, max_tokens=max_tokens, temperature=0)
        )
        try:
            value = json.loads(reply.text)
        except json.JSONDecodeError as exc:
            truncated = reply.usage.output_tokens >= max_tokens
            why = "ran out of tokens" if truncated else f"is not JSON ({exc.msg})"
            return JsonReply(
                value=None,
                text=reply.text,
                usage=reply.usage,
                engine_s=reply.engine_s,
                error=f"the model's answer {why}",
            )
        return JsonReply(value=value, text=reply.text, usage=reply.usage, engine_s=reply.engine_s)
