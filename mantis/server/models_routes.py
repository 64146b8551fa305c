"""``GET /v1/models`` and ``POST /v1/chat/completions``: the model registry over HTTP.

Chat completions go to a configured OpenAI-compatible endpoint (the body is
forwarded; only ``Content-Type`` and the endpoint's own key travel with it, so
``X-Mantis-Token``, ``Authorization`` and ``Cookie`` never leave) or to an
in-process engine. The upstream status is passed through; an unreachable
upstream is 502, an unknown model 400 listing valid names, an unready one 503.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import msgspec
from litestar import Request, Response, get, post
from litestar.datastructures import State
from litestar.response import Stream

from mantis.brains.engine import ChatRequest
from mantis.brains.errors import ModelNotReady, UpstreamError
from mantis.brains.registry import ModelRegistry
from mantis.config import EndpointSpec
from mantis.errors import RequestError
from mantis.server.auth import TOKEN_HEADER


@get("/v1/models")
async def list_models(state: State) -> dict[str, Any]:
    registry: ModelRegistry = state.models
    data = []
    for s in registry.statuses():
        entry: dict[str, Any] = {
            "id": s.id,
            "object": "model",
            "owned_by": "mantis",
            "ready": s.ready,
            "placement": s.placement,
        }
        if s.reason:
            entry["reason"] = s.reason
        data.append(entry)
    return {"object": "list", "data": data}


@post("/v1/chat/completions", status_code=200)
async def chat_completions(request: Request[Any, Any, Any], state: State) -> Response[Any]:
    state.auth.tenant_for(request.headers.get(TOKEN_HEADER))
    try:
        body = msgspec.json.decode(await request.body())
    except msgspec.DecodeError as exc:
        raise RequestError(f"body: expected a JSON object, got invalid JSON ({exc})") from None
    if not isinstance(body, dict) or not isinstance(body.get("model"), str):
        raise RequestError("model: expected a model name string", extra={"field": "model"})
    registry: ModelRegistry = state.models
    name = body["model"]
    status = registry.status(name)
    if not status.ready:
        raise ModelNotReady(name, status.reason or "not ready")
    spec = registry.endpoint_for(name)
    if spec is not None:
        return await _forward(spec, body)
    if status.engine in ("llama", "vllm"):
        return await _in_process(registry, name, body)
    raise RequestError(
        f"model: {name!r} does not serve chat completions; use an open-weights model or endpoint",
        extra={"field": "model"},
    )


async def _forward(spec: EndpointSpec, body: dict[str, Any]) -> Response[Any]:
    headers = {"Content-Type": "application/json"}
    if spec.api_key:
        headers["Authorization"] = f"Bearer {spec.api_key}"
    payload = msgspec.json.encode({**body, "model": spec.model})
    url = spec.url.rstrip("/") + "/chat/completions"
    client = httpx.AsyncClient(timeout=httpx.Timeout(300.0, connect=10.0))
    try:
        upstream = await client.send(
            client.build_request("POST", url, content=payload, headers=headers), stream=True
        )
    except httpx.TransportError as exc:
        await client.aclose()
        raise UpstreamError(f"model endpoint {spec.url} unreachable: {exc}") from None
    media_type = upstream.headers.get("content-type", "application/json")
    if body.get("stream") and upstream.status_code == 200:

        async def relay() -> AsyncIterator[bytes]:
            try:
                async for chunk in upstream.aiter_raw():
                    yield chunk
            finally:
                await upstream.aclose()
                await client.aclose()

        return Stream(relay(), status_code=200, media_type=media_type)
    try:
        content = await upstream.aread()
    finally:
        await upstream.aclose()
        await client.aclose()
    return Response(content=content, status_code=upstream.status_code, media_type=media_type)


async def _in_process(registry: ModelRegistry, name: str, body: dict[str, Any]) -> Response[Any]:
    engine = registry.engine(name)
    schema = None
    fmt = body.get("response_format") or {}
    if fmt.get("type") == "json_schema":
        schema = (fmt.get("json_schema") or {}).get("schema")
    reply = await engine.complete(
        ChatRequest(
            messages=body.get("messages") or [],
            json_schema=schema,
            max_tokens=int(body.get("max_tokens") or 512),
            temperature=float(body.get("temperature") or 0.0),
        )
    )
    created, rid = int(time.time()), f"chatcmpl-{uuid.uuid4().hex[:12]}"
    if body.get("stream"):

        async def events() -> AsyncIterator[bytes]:
            chunk = {
                "id": rid,
                "object": "chat.completion.chunk",
                "created": created,
                "model": name,
                "choices": [{"index": 0, "delta": {"role": "assistant", "content": reply.text}}],
            }
            yield b"data: " + msgspec.json.encode(chunk) + b"\n\n"
            yield b"data: [DONE]\n\n"

        return Stream(events(), media_type="text/event-stream")
    return Response(
        {
            "id": rid,
            "object": "chat.completion",
            "created": created,
            "model": name,
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": reply.text},
                    "finish_reason": "stop",
                }
            ],
            "usage": {
                "prompt_tokens": reply.usage.input_tokens,
                "completion_tokens": reply.usage.output_tokens,
                "total_tokens": reply.usage.input_tokens + reply.usage.output_tokens,
            },
        }
    )


MODEL_ROUTES = [list_models, chat_completions]
