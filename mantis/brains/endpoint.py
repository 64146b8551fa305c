"""``EndpointEngine``: a ``ChatEngine`` over any OpenAI-compatible ``/chat/completions``.

Serves llama.cpp's ``llama-server``, vLLM's OpenAI server or a remote box. 429
and 5xx answers are retried with exponential backoff; a connection failure or
a persisting error raises ``UpstreamError`` (502).
"""

from __future__ import annotations

import time
from typing import Any

import anyio
import httpx
import msgspec

from mantis.brains.base import Usage
from mantis.brains.engine import ChatReply, ChatRequest, Placement, ToolCallOut
from mantis.brains.errors import UpstreamError

_RETRY_STATUSES = {429, 500, 502, 503, 504, 529}


class EndpointEngine:
    def __init__(
        self,
        base_url: str,
        *,
        model: str = "default",
        api_key: str | None = None,
        placement: Placement = "endpoint",
        timeout_s: float = 120.0,
        retries: int = 2,
        backoff_s: float = 0.5,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.model = model
        self.placement: Placement = placement
        self._headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self._timeout = timeout_s
        self._retries = retries
        self._backoff = backoff_s
        self._transport = transport

    def payload(self, request: ChatRequest) -> dict[str, Any]:
        body: dict[str, Any] = {
            "model": self.model,
            "messages": request.messages,
            "max_tokens": request.max_tokens,
            "temperature": request.temperature,
        }
        if request.tools:
            body["tools"] = request.tools
        if request.json_schema is not None:
            body["response_format"] = {
                "type": "json_schema",
                "json_schema": {"name": "answer", "schema": request.json_schema, "strict": True},
            }
        return body

    async def complete(self, request: ChatRequest) -> ChatReply:
        body = msgspec.json.encode(self.payload(request))
        started = time.perf_counter()
        url = f"{self.base_url}/chat/completions"
        async with httpx.AsyncClient(timeout=self._timeout, transport=self._transport) as client:
            for attempt in range(self._retries + 1):
                try:
                    response = await client.post(
                        url,
                        content=body,
                        headers={**self._headers, "Content-Type": "application/json"},
                    )
                except httpx.TransportError as exc:
                    raise UpstreamError(
                        f"model endpoint {self.base_url} unreachable: {exc}"
                    ) from None
                if response.status_code in _RETRY_STATUSES and attempt < self._retries:
                    await anyio.sleep(self._backoff * 2**attempt)
                    continue
                break
        if response.status_code != 200:
            raise UpstreamError(
                f"model endpoint {self.base_url} answered {response.status_code}: "
                f"{response.text[:300]}",
                extra={"upstream_status": response.status_code},
            )
        return parse_completion(response.content, time.perf_counter() - started)


def parse_completion(content: bytes, engine_s: float = 0.0) -> ChatReply:
    """A ``ChatReply`` from a chat-completions response body."""
    try:
        data = msgspec.json.decode(content)
        message = data["choices"][0]["message"]
    except (msgspec.DecodeError, KeyError, IndexError, TypeError) as exc:
        raise UpstreamError(f"model endpoint sent a malformed completion: {exc!r}") from None
    calls = []
    for call in message.get("tool_calls") or []:
        fn = call.get("function", {})
        args = fn.get("arguments", {})
        if isinstance(args, str):
            try:
                args = msgspec.json.decode(args)
            except msgspec.DecodeError:
                args = {}  # partial JSON from the model: the parser reports it as a failure
        calls.append(ToolCallOut(str(fn.get("name", "")), args if isinstance(args, dict) else {}))
    usage = data.get("usage") or {}
    return ChatReply(
        text=message.get("content") or "",
        tool_calls=calls,
        usage=Usage(
            input_tokens=int(usage.get("prompt_tokens", 0) or 0),
            output_tokens=int(usage.get("completion_tokens", 0) or 0),
        ),
        engine_s=engine_s,
    )
