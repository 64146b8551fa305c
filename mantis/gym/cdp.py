"""Chrome DevTools Protocol, opt-in: a tiny WebSocket client on anyio streams.

Used only when a session sets ``enable_cdp``: Chromium then listens on a random
loopback port (``--remote-debugging-port=0``, written by Chromium to
``<profile>/DevToolsActivePort``). :class:`CdpPage` attaches to the first page
target and offers ``Page.navigate``, the current URL and ``Runtime.evaluate``.
Pixel-pure sessions never start the debugging port.

The WebSocket part implements just what CDP needs of RFC 6455: the upgrade
handshake, masked client text frames, unmasked server frames with
continuation, ping/pong and close.
"""

from __future__ import annotations

import base64
import hashlib
import itertools
import json
import os
import struct
import time
import urllib.parse
from pathlib import Path
from typing import Any

import anyio
import httpx
from anyio.abc import ByteStream
from anyio.streams.buffered import BufferedByteReceiveStream

from mantis.errors import ComputerError

_WS_GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
_MAX_MESSAGE = 64 * 1024 * 1024
_PORT_FILE_DEADLINE_S = 15.0


class WebSocket:
    """One client WebSocket connection (text messages only)."""

    def __init__(self, stream: ByteStream, reader: BufferedByteReceiveStream):
        self._stream = stream
        self._reader = reader

    @classmethod
    async def connect(cls, url: str) -> WebSocket:
        parts = urllib.parse.urlsplit(url)
        if parts.scheme != "ws" or not parts.hostname:
            raise ComputerError(f"expected a ws:// URL, got {url!r}")
        port = parts.port or 80
        stream = await anyio.connect_tcp(parts.hostname, port)
        key = base64.b64encode(os.urandom(16))
        request = (
            f"GET {parts.path or '/'} HTTP/1.1\r\nHost: {parts.hostname}:{port}\r\n"
            "Upgrade: websocket\r\nConnection: Upgrade\r\n"
            f"Sec-WebSocket-Key: {key.decode()}\r\nSec-WebSocket-Version: 13\r\n\r\n"
        )
        await stream.send(request.encode())
        reader = BufferedByteReceiveStream(stream)
        head = await reader.receive_until(b"\r\n\r\n", 65536)
        status = head.split(b"\r\n", 1)[0]
        accept = base64.b64encode(hashlib.sha1(key + _WS_GUID).digest())
        if b" 101 " not in status + b" " or accept not in head:
            await stream.aclose()
            raise ComputerError(f"WebSocket upgrade to {url} refused: {status.decode()!r}")
        return cls(stream, reader)

    async def send_text(self, text: str) -> None:
        payload = text.encode()
        n = len(payload)
        if n < 126:
            header = struct.pack("!BB", 0x81, 0x80 | n)
        elif n < 1 << 16:
            header = struct.pack("!BBH", 0x81, 0x80 | 126, n)
        else:
            header = struct.pack("!BBQ", 0x81, 0x80 | 127, n)
        mask = os.urandom(4)
        await self._stream.send(header + mask + _mask(payload, mask))

    async def _frame(self) -> tuple[int, bool, bytes]:
        b0, b1 = await self._reader.receive_exactly(2)
        n = b1 & 0x7F
        if n == 126:
            (n,) = struct.unpack("!H", await self._reader.receive_exactly(2))
        elif n == 127:
            (n,) = struct.unpack("!Q", await self._reader.receive_exactly(8))
        if n > _MAX_MESSAGE:
            raise ComputerError(f"CDP message of {n} bytes exceeds {_MAX_MESSAGE}")
        mask = await self._reader.receive_exactly(4) if b1 & 0x80 else b""
        data = await self._reader.receive_exactly(n) if n else b""
        if mask:
            data = _mask(data, mask)
        return b0 & 0x0F, bool(b0 & 0x80), data

    async def receive_text(self) -> str:
        parts: list[bytes] = []
        while True:
            opcode, fin, data = await self._frame()
            if opcode == 0x9:  # ping
                await self._stream.send(
                    struct.pack("!BB", 0x8A, 0x80 | len(data)) + b"\0" * 4 + data
                )
                continue
            if opcode == 0xA:
                continue
            if opcode == 0x8:
                raise ComputerError("the CDP connection was closed by Chromium")
            parts.append(data)
            if fin:
                return b"".join(parts).decode()

    async def aclose(self) -> None:
        await self._stream.aclose()


def _mask(data: bytes, mask: bytes) -> bytes:
    """XOR with the repeating 4-byte mask, done as one big integer operation."""
    n = len(data)
    key = (mask * (n // 4 + 1))[:n]
    return (int.from_bytes(data, "big") ^ int.from_bytes(key, "big")).to_bytes(n, "big")


async def devtools_port(profile_dir: Path) -> int:
    """The port Chromium wrote to ``DevToolsActivePort``, waiting for the file to appear."""
    path = profile_dir / "DevToolsActivePort"
    deadline = time.monotonic() + _PORT_FILE_DEADLINE_S
    while time.monotonic() < deadline:
        try:
            text = await anyio.Path(path).read_text()
            return int(text.split()[0])
        except (FileNotFoundError, IndexError, ValueError):
            await anyio.sleep(0.05)
    raise ComputerError(f"Chromium did not write {path} within {_PORT_FILE_DEADLINE_S}s")


class CdpPage:
    """A CDP connection to one page target. Calls are serialised."""

    def __init__(self, ws: WebSocket):
        self._ws = ws
        self._ids = itertools.count(1)
        self._lock = anyio.Lock()

    @classmethod
    async def attach(cls, port: int) -> CdpPage:
        async with httpx.AsyncClient(timeout=10) as client:
            targets = (await client.get(f"http://127.0.0.1:{port}/json/list")).json()
        pages = [t for t in targets if t.get("type") == "page" and "webSocketDebuggerUrl" in t]
        if not pages:
            raise ComputerError("CDP: Chromium has no page target to attach to")
        return cls(await WebSocket.connect(pages[0]["webSocketDebuggerUrl"]))

    async def call(self, method: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        async with self._lock:
            msg_id = next(self._ids)
            await self._ws.send_text(
                json.dumps({"id": msg_id, "method": method, "params": params or {}})
            )
            while True:
                message = json.loads(await self._ws.receive_text())
                if message.get("id") != msg_id:
                    continue  # an event, or a late answer to a cancelled call
                if "error" in message:
                    raise ComputerError(f"CDP {method}: {message['error'].get('message')}")
                return message.get("result", {})

    async def evaluate(self, expression: str, await_promise: bool = True) -> str:
        """JSON of the expression's value; a thrown exception raises ``ComputerError``."""
        result = await self.call(
            "Runtime.evaluate",
            {"expression": expression, "returnByValue": True, "awaitPromise": await_promise},
        )
        if "exceptionDetails" in result:
            details = result["exceptionDetails"]
            text = details.get("exception", {}).get("description") or details.get("text")
            raise ComputerError(f"the expression threw: {text}")
        value = result.get("result", {})
        return json.dumps(value.get("value")) if "value" in value else "null"

    async def navigate(self, url: str) -> None:
        result = await self.call("Page.navigate", {"url": url})
        if result.get("errorText"):
            raise ComputerError(f"navigate to {url!r} failed: {result['errorText']}")

    async def url(self) -> str:
        return json.loads(await self.evaluate("location.href", await_promise=False))

    async def aclose(self) -> None:
        await self._ws.aclose()
