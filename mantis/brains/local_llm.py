"""``LocalLLM``: a GGUF text model (``MANTIS_LOCAL_LLM``) answering in schema-constrained JSON.

A thin layer over :class:`~mantis.brains.llama.LlamaEngine` (the same loading
code as the vision brains: loaded once, in a thread, shared with a concurrency
limit). ``complete_json`` turns a JSON Schema into llama.cpp's grammar so
decoding can only produce text the schema allows, then parses it
(:func:`grammar_schema` first rewrites the parts llama.cpp's converter does not
take: annotations, and "any value" schemas such as ``{"default": null}``). Used by the
local decomposer and the local LLM extractor; needs ``pip install 'mantis[llama]'``.
"""

from __future__ import annotations

import json
from typing import Any

import msgspec

from mantis.brains.base import Usage
from mantis.brains.engine import ChatRequest
from mantis.brains.llama import LlamaEngine

_SHAPE = {"type", "$ref", "anyOf", "oneOf", "allOf", "enum", "const", "properties", "items"}
_ANNOTATIONS = {"default", "title", "description", "examples", "$schema"}
_ANY_VALUE: dict[str, Any] = {
    "anyOf": [{"type": "string"}, {"type": "number"}, {"type": "boolean"}, {"type": "null"}]
}


def grammar_schema(schema: Any) -> Any:
    """``schema`` in the subset llama.cpp turns into a grammar: annotations dropped,
    schemas that constrain nothing (``{}``, ``{"default": null}``) made "any scalar"."""
    if not isinstance(schema, dict):
        return schema
    out: dict[str, Any] = {}
    for key, value in schema.items():
        if key in _ANNOTATIONS:
            continue
        if key in ("properties", "$defs") and isinstance(value, dict):
            out[key] = {name: grammar_schema(sub) for name, sub in value.items()}
        elif key in ("anyOf", "oneOf", "allOf", "prefixItems") and isinstance(value, list):
            out[key] = [grammar_schema(sub) for sub in value]
        elif key in ("items", "additionalProperties"):
            out[key] = grammar_schema(value)
        else:
            out[key] = value
    if not (_SHAPE & out.keys() or "prefixItems" in out):
        return {**_ANY_VALUE, **({"$defs": out["$defs"]} if "$defs" in out else {})}
    return out


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
            ChatRequest(
                messages=messages,
                json_schema=grammar_schema(schema),
                max_tokens=max_tokens,
                temperature=0,
            )
        )
        try:
            value = json.loads(reply.text, strict=False)  # raw control chars in strings
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
