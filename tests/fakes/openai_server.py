"""A fake OpenAI-compatible chat server on 127.0.0.1: real ``/v1/chat/completions`` wire format.

It answers from a script keyed by step (the n-th request gets ``script[n]``,
the last entry repeating), either as a ``tool_calls`` message or as plain text,
streamed as Server-Sent Events when the request asks for ``stream``. Every
request's image is decoded and its size recorded; credentials reaching it are
recorded as failures.
"""

from __future__ import annotations

import base64
import io
import json
from collections.abc import Iterator
from typing import Any

from PIL import Image

from tests.fakes.server import FakeServer, json_response

FORBIDDEN = ("x-mantis-token", "cookie")


class FakeOpenAI(FakeServer):
    def __init__(
        self, script: list[dict[str, Any] | str] | None = None, *, api_key: str | None = None
    ) -> None:
        super().__init__()
        self.script = script or ["done(success=True)"]
        self.api_key = api_key  # when set, ``Authorization: Bearer <key>`` is required
        self.image_sizes: list[tuple[int, int]] = []
        self.fail_next: list[int] = []  # statuses to answer before the script resumes

    def respond(self, path: str, headers: dict[str, str], body: dict[str, Any]):
        for name in FORBIDDEN:
            if name in headers:
                self.failures.append(f"credential header {name} was forwarded")
        auth = headers.get("authorization")
        if self.api_key is None and auth:
            self.failures.append("an Authorization header was forwarded")
        if self.api_key is not None and auth != f"Bearer {self.api_key}":
            return json_response(401, {"error": {"message": "bad key"}})
        if not path.endswith("/chat/completions"):
            return json_response(404, {"error": {"message": f"no route {path}"}})
        if self.fail_next:
            return json_response(self.fail_next.pop(0), {"error": {"message": "try again"}})
        self._record_images(body)
        step = len([r for r in self.requests if r.path.endswith("/chat/completions")]) - 1
        entry = self.script[min(step, len(self.script) - 1)]
        message: dict[str, Any] = {"role": "assistant", "content": None}
        if isinstance(entry, str):
            message["content"] = entry
        else:
            message["tool_calls"] = [
                {
                    "id": f"call_{step}",
                    "type": "function",
                    "function": {"name": "computer", "arguments": json.dumps(entry)},
                }
            ]
        usage = {"prompt_tokens": 1000 + step, "completion_tokens": 20, "total_tokens": 1020 + step}
        if body.get("stream"):
            return 200, {"Content-Type": "text/event-stream"}, self._stream(message, body)
        return json_response(
            200,
            {
                "id": f"chatcmpl-{step}",
                "object": "chat.completion",
                "model": body.get("model", "fake"),
                "choices": [{"index": 0, "message": message, "finish_reason": "stop"}],
                "usage": usage,
            },
        )

    def _stream(self, message: dict[str, Any], body: dict[str, Any]) -> Iterator[bytes]:
        text = message.get("content") or json.dumps(message.get("tool_calls"))
        for i in range(0, len(text), 8):
            chunk = {
                "id": "chatcmpl-s",
                "object": "chat.completion.chunk",
                "model": body.get("model", "fake"),
                "choices": [{"index": 0, "delta": {"content": text[i : i + 8]}}],
            }
            yield f"data: {json.dumps(chunk)}\n\n".encode()
        yield b"data: [DONE]\n\n"

    def _record_images(self, body: dict[str, Any]) -> None:
        for message in body.get("messages", []):
            content = message.get("content")
            if not isinstance(content, list):
                continue
            for part in content:
                if part.get("type") == "image_url":
                    url = part["image_url"]["url"]
                    data = base64.b64decode(url.split(",", 1)[1])
                    self.image_sizes.append(Image.open(io.BytesIO(data)).size)
