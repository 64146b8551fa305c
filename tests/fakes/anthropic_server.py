"""A fake Anthropic Messages API on 127.0.0.1 speaking the real wire format.

``POST /v1/messages`` answers from a script keyed by step: a dict is a computer
``tool_use`` input, a string a final text answer. It checks the request the way
the real API would care about (the beta header, the computer tool, tool_use /
tool_result pairing, a real PNG screenshot of the display size) and records
what it saw. Usage counts tokens roughly like the real API (text chars / 4,
an image width*height / 750) and reports the system prompt and tools as cache
reads after the first call, so token growth over a run can be measured.
"""

from __future__ import annotations

import base64
import io
import json
from typing import Any

from PIL import Image

from tests.fakes.server import FakeServer, json_response


class FakeAnthropic(FakeServer):
    def __init__(
        self, script: list[dict[str, Any] | str] | None = None, *, reject_tool: str | None = None
    ) -> None:
        super().__init__()
        self.script = script or ["All done."]
        self.reject_tool = reject_tool  # answer 400 for this computer tool type
        self.fail_next: list[int] = []
        self.image_sizes: list[tuple[int, int]] = []
        self.input_tokens: list[int] = []
        self._calls = 0

    def respond(self, path: str, headers: dict[str, str], body: dict[str, Any]):
        if not path.startswith("/v1/messages"):
            return json_response(404, _error("not_found_error", path))
        if self.fail_next:
            status = self.fail_next.pop(0)
            kind = "rate_limit_error" if status == 429 else "overloaded_error"
            return (
                status,
                {"Content-Type": "application/json", "retry-after-ms": "10"},
                json.dumps(_error(kind, "try again")).encode(),
            )
        tool = (body.get("tools") or [{}])[0]
        if self.reject_tool and tool.get("type") == self.reject_tool:
            return json_response(
                400, _error("invalid_request_error", f"unknown tool type {self.reject_tool}")
            )
        beta = headers.get("anthropic-beta", "")
        expected_beta = {
            "computer_20251124": "computer-use-2025-11-24",
            "computer_20250124": "computer-use-2025-01-24",
        }
        if tool and expected_beta.get(tool.get("type", "")) not in beta:
            self.failures.append(f"tool {tool.get('type')} sent with beta header {beta!r}")
        self._check_pairing(body.get("messages", []), tool)
        step = self._calls
        self._calls += 1
        entry = self.script[min(step, len(self.script) - 1)]
        if isinstance(entry, str):
            content = [{"type": "text", "text": entry}]
            stop = "end_turn"
        else:
            content = [
                {"type": "text", "text": f"Step {step}: acting."},
                {"type": "tool_use", "id": f"toolu_fake{step}", "name": "computer", "input": entry},
            ]
            stop = "tool_use"
        cached, fresh = self._count(body)
        self.input_tokens.append(fresh)
        usage = {
            "input_tokens": fresh,
            "output_tokens": 30,
            "cache_creation_input_tokens": cached if step == 0 else 0,
            "cache_read_input_tokens": cached if step > 0 else 0,
        }
        return json_response(
            200,
            {
                "id": f"msg_fake{step}",
                "type": "message",
                "role": "assistant",
                "model": body.get("model"),
                "content": content,
                "stop_reason": stop,
                "stop_sequence": None,
                "usage": usage,
            },
        )

    def _check_pairing(self, messages: list[dict[str, Any]], tool: dict[str, Any]) -> None:
        if not messages or messages[0].get("role") != "user":
            self.failures.append("conversation does not start with a user turn")
        pending: set[str] = set()
        for m in messages:
            for block in m.get("content", []) if isinstance(m.get("content"), list) else []:
                if block.get("type") == "tool_use":
                    pending.add(block["id"])
                elif block.get("type") == "tool_result":
                    pending.discard(block.get("tool_use_id"))
                    for inner in block.get("content", []):
                        self._check_image(inner, tool)
                elif block.get("type") == "image":
                    self._check_image(block, tool)
        if pending:
            self.failures.append(f"tool_use without tool_result: {sorted(pending)}")

    def _check_image(self, block: dict[str, Any], tool: dict[str, Any]) -> None:
        if block.get("type") != "image":
            return
        data = base64.b64decode(block["source"]["data"])
        size = Image.open(io.BytesIO(data)).size
        self.image_sizes.append(size)
        want = (tool.get("display_width_px"), tool.get("display_height_px"))
        if size != want:
            self.failures.append(f"screenshot is {size}, display is {want}")

    @staticmethod
    def _count(body: dict[str, Any]) -> tuple[int, int]:
        cached = len(json.dumps(body.get("system"))) // 4 + len(json.dumps(body.get("tools"))) // 4
        fresh = 0
        for m in body.get("messages", []):
            for block in m["content"] if isinstance(m["content"], list) else [m["content"]]:
                fresh += _block_tokens(block)
        return cached, fresh


def _block_tokens(block: Any) -> int:
    if isinstance(block, str):
        return len(block) // 4
    if block.get("type") == "image":
        size = Image.open(io.BytesIO(base64.b64decode(block["source"]["data"]))).size
        return size[0] * size[1] // 750
    if block.get("type") == "tool_result":
        return 10 + sum(_block_tokens(b) for b in block.get("content", []))
    return len(json.dumps(block)) // 4


def _error(kind: str, message: str) -> dict[str, Any]:
    return {"type": "error", "error": {"type": kind, "message": message}}
