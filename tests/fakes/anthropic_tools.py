"""A fake Anthropic Messages API for the Claude providers: custom tools, forced tool_choice.

``POST /v1/messages`` answers the n-th request with ``script[n]`` (the last
entry repeating): a dict is the input of a ``tool_use`` block for the tool the
request forced with ``tool_choice``; a string is a text-only reply; a callable
gets the request body and returns either. Like the real API it checks what it
is sent, recording problems in ``failures``: every tool has a name and an
object ``input_schema`` that is a valid JSON Schema, ``tool_choice`` names a
tool that was sent, images are real PNGs, every ``tool_use`` in the history
has its ``tool_result``. It also checks that each scripted tool input is valid
against the tool's schema, so a test cannot script an answer the real API
could not produce. Usage counts text chars / 4 and image pixels / 750.
"""

from __future__ import annotations

import base64
import io
import json
from collections.abc import Callable
from typing import Any

from PIL import Image

from tests.fakes.server import FakeServer, json_response

Entry = dict[str, Any] | str | Callable[[dict[str, Any]], "dict[str, Any] | str"]


class FakeAnthropicTools(FakeServer):
    def __init__(self, script: list[Entry] | None = None) -> None:
        super().__init__()
        self.script: list[Entry] = script or ["No answer."]
        self.fail_next: list[int] = []
        self.image_sizes: list[tuple[int, int]] = []
        self._calls = 0

    def respond(self, path: str, headers: dict[str, str], body: dict[str, Any]):
        if not path.startswith("/v1/messages"):
            return json_response(404, _error("not_found_error", path))
        if not (headers.get("x-api-key") or headers.get("authorization", "").startswith("Bearer ")):
            return json_response(401, _error("authentication_error", "no API key sent"))
        if self.fail_next:
            status = self.fail_next.pop(0)
            return (
                status,
                {"Content-Type": "application/json", "retry-after-ms": "10"},
                json.dumps(_error("overloaded_error", "try again")).encode(),
            )
        tools = {t.get("name"): t for t in body.get("tools", [])}
        self._check_tools(tools)
        forced = (body.get("tool_choice") or {}).get("name")
        if forced not in tools:
            self.failures.append(f"tool_choice names {forced!r}, not a tool that was sent")
        self._check_messages(body.get("messages", []))
        step = self._calls
        self._calls += 1
        entry = self.script[min(step, len(self.script) - 1)]
        if callable(entry):
            entry = entry(body)
        if isinstance(entry, str):
            content: list[dict[str, Any]] = [{"type": "text", "text": entry}]
            stop = "end_turn"
        else:
            self._check_input(entry, tools.get(forced))
            content = [{"type": "tool_use", "id": f"toolu_p{step}", "name": forced, "input": entry}]
            stop = "tool_use"
        usage = {
            "input_tokens": self._count(body),
            "output_tokens": len(json.dumps(content)) // 4,
            "cache_creation_input_tokens": 0,
            "cache_read_input_tokens": 0,
        }
        return json_response(
            200,
            {
                "id": f"msg_p{step}",
                "type": "message",
                "role": "assistant",
                "model": body.get("model"),
                "content": content,
                "stop_reason": stop,
                "stop_sequence": None,
                "usage": usage,
            },
        )

    def _check_tools(self, tools: dict[str, Any]) -> None:
        from jsonschema import Draft202012Validator
        from jsonschema.exceptions import SchemaError

        for name, tool in tools.items():
            schema = tool.get("input_schema")
            if not name or not isinstance(schema, dict) or schema.get("type") != "object":
                self.failures.append(f"tool {name!r}: input_schema must be an object schema")
                continue
            try:
                Draft202012Validator.check_schema(schema)
            except SchemaError as exc:
                self.failures.append(f"tool {name!r}: invalid input_schema: {exc.message}")

    def _check_input(self, entry: dict[str, Any], tool: dict[str, Any] | None) -> None:
        from jsonschema import Draft202012Validator

        if tool is None:
            return
        for err in Draft202012Validator(tool["input_schema"]).iter_errors(entry):
            self.failures.append(f"scripted input breaks the tool schema: {err.message}")

    def _check_messages(self, messages: list[dict[str, Any]]) -> None:
        if not messages or messages[0].get("role") != "user":
            self.failures.append("conversation does not start with a user turn")
        pending: set[str] = set()
        for m in messages:
            content = m.get("content")
            for block in content if isinstance(content, list) else []:
                if block.get("type") == "tool_use":
                    pending.add(block["id"])
                elif block.get("type") == "tool_result":
                    pending.discard(block.get("tool_use_id"))
                elif block.get("type") == "image":
                    data = base64.b64decode(block["source"]["data"])
                    img = Image.open(io.BytesIO(data))
                    if img.format != "PNG" or block["source"].get("media_type") != "image/png":
                        self.failures.append(f"image is {img.format}, not the PNG it claims")
                    self.image_sizes.append(img.size)
        if pending:
            self.failures.append(f"tool_use without tool_result: {sorted(pending)}")

    @staticmethod
    def _count(body: dict[str, Any]) -> int:
        total = len(json.dumps(body.get("system"))) // 4 + len(json.dumps(body.get("tools"))) // 4
        for m in body.get("messages", []):
            for block in m["content"] if isinstance(m["content"], list) else [m["content"]]:
                if isinstance(block, dict) and block.get("type") == "image":
                    size = Image.open(io.BytesIO(base64.b64decode(block["source"]["data"]))).size
                    total += size[0] * size[1] // 750
                else:
                    total += len(json.dumps(block)) // 4
        return total


def _error(kind: str, message: str) -> dict[str, Any]:
    return {"type": "error", "error": {"type": kind, "message": message}}
