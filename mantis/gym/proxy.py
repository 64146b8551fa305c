"""The proxy auth-holder: an in-process forward proxy on ``127.0.0.1:<random>``.

Chromium cannot take proxy credentials on its command line, so a session that
uses a proxy points ``--proxy-server`` here. The holder accepts Chromium's
plain HTTP requests (absolute-form) and ``CONNECT`` tunnels and forwards them
to the upstream provider with ``Proxy-Authorization`` added — or straight to
the target when there is no upstream (a ``proxy_disabled`` run that still
needs ``allowed_domains`` enforced).

Every request's host is checked against ``allowed_domains`` (a domain allows
itself and its subdomains; empty allows all): others get a 403 and a
``proxy_blocked`` event. Bytes are counted both ways for the ``proxy`` cost
bucket, and every CONNECT outcome (and every failure to reach the upstream)
is recorded for ``mantis proxy diagnose``. An upstream's 407 is never passed to
Chromium (it would open an auth dialog): Chromium gets a 502 instead.

The holder runs its own event loop in a thread (an anyio blocking portal), so
it is independent of which task opened or closes the session.
"""

from __future__ import annotations

import collections
import time
import urllib.parse
from collections.abc import Sequence
from contextlib import AbstractContextManager
from functools import partial
from typing import Any

import anyio
import msgspec
from anyio.abc import ByteStream, Listener, SocketAttribute
from anyio.from_thread import BlockingPortal, start_blocking_portal
from anyio.streams.buffered import BufferedByteReceiveStream

from mantis.gym.providers import ProxyUpstream

_HEAD_LIMIT = 64 * 1024
_HOP_HEADERS = {"proxy-authorization", "proxy-connection", "connection", "keep-alive"}
_STREAM_ERRORS = (
    anyio.EndOfStream,
    anyio.BrokenResourceError,
    anyio.ClosedResourceError,
    anyio.IncompleteRead,
    anyio.DelimiterNotFound,
    OSError,
)


class ConnectRecord(msgspec.Struct, frozen=True, kw_only=True):
    at: float
    host: str
    port: int
    status: int  # of the tunnel, or of a plain request's answer (0: upstream unreachable)
    via: str  # the provider name, or "direct"
    method: str = "CONNECT"
    error: str = ""


def host_allowed(host: str, allowed: Sequence[str]) -> bool:
    host = host.lower().strip("[]").rstrip(".")
    return not allowed or any(host == d or host.endswith("." + d) for d in allowed)


class AuthHolder:
    def __init__(
        self,
        upstream: ProxyUpstream | None,
        allowed_domains: Sequence[str] = (),
        *,
        log_size: int = 200,
    ):
        self.upstream = upstream
        self.allowed = tuple(d.lower().strip(".") for d in allowed_domains if d)
        self.bytes_up = 0
        self.bytes_down = 0
        self.connects: collections.deque[ConnectRecord] = collections.deque(maxlen=log_size)
        self.events: collections.deque[tuple[str, dict[str, Any]]] = collections.deque(maxlen=500)
        self.port = 0
        self._portal_cm: AbstractContextManager[BlockingPortal] | None = None
        self._portal: BlockingPortal | None = None
        self._scope: anyio.CancelScope | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    # -- lifecycle (blocking; call through a worker thread from async code) ----------------

    def start(self) -> str:
        """Start listening on a random loopback port; return the proxy URL."""
        self._portal_cm = start_blocking_portal()
        self._portal = self._portal_cm.__enter__()
        listener = self._portal.call(
            partial(anyio.create_tcp_listener, local_host="127.0.0.1", local_port=0)
        )
        self.port = listener.extra(SocketAttribute.local_port)
        self._scope = self._portal.call(anyio.CancelScope)
        self._portal.start_task_soon(self._serve, listener)
        return self.url

    def stop(self) -> None:
        """Stop listening and drop open tunnels. Idempotent."""
        portal, cm = self._portal, self._portal_cm
        self._portal = self._portal_cm = None
        if portal is None or cm is None:
            return
        if self._scope is not None:
            portal.call(self._scope.cancel)
        cm.__exit__(None, None, None)

    async def astart(self) -> str:
        return await anyio.to_thread.run_sync(self.start)

    async def aclose(self) -> None:
        with anyio.CancelScope(shield=True):
            await anyio.to_thread.run_sync(self.stop)

    def drain_events(self) -> list[tuple[str, dict[str, Any]]]:
        out = []
        while self.events:
            out.append(self.events.popleft())
        return out

    def stats(self) -> dict[str, Any]:
        return {
            "bytes_up": self.bytes_up,
            "bytes_down": self.bytes_down,
            "connects": [msgspec.to_builtins(r) for r in self.connects],
        }

    # -- serving (the holder's own event loop) -----------------------------------------------

    async def _serve(self, listener: Listener[Any]) -> None:
        assert self._scope is not None
        with self._scope:
            async with listener:
                await listener.serve(self._handle)

    async def _handle(self, client: ByteStream) -> None:
        async with client:
            reader = BufferedByteReceiveStream(client)
            try:
                head = await reader.receive_until(b"\r\n\r\n", _HEAD_LIMIT)
                await self._dispatch(client, reader, head.decode("latin-1"))
            except _STREAM_ERRORS:
                return  # the client went away mid-request; nothing to answer

    async def _dispatch(
        self, client: ByteStream, reader: BufferedByteReceiveStream, head: str
    ) -> None:
        request_line, *lines = head.split("\r\n")
        parts = request_line.split(" ")
        if len(parts) != 3:
            await _reply(client, 400, "malformed request line")
            return
        method, target, version = parts
        if method == "CONNECT":
            host, _, port_text = target.rpartition(":")
            path = ""
        else:
            url = urllib.parse.urlsplit(target)
            host, port_text = url.hostname or "", str(url.port or 80)
            path = (url.path or "/") + (f"?{url.query}" if url.query else "")
        if not host or not port_text.isdigit():
            await _reply(client, 400, f"cannot tell the target host of {target!r}")
            return
        port = int(port_text)
        if not host_allowed(host, self.allowed):
            self.events.append(("proxy_blocked", {"host": host, "port": port, "method": method}))
            await _reply(client, 403, f"{host} is not in allowed_domains")
            return
        headers = [h for h in lines if h and h.split(":", 1)[0].strip().lower() not in _HOP_HEADERS]
        up = self.upstream
        via = up.provider if up else "direct"
        try:
            remote = await anyio.connect_tcp(up.host if up else host, up.port if up else port)
        except OSError as exc:
            where = f"upstream {up.host}:{up.port}" if up else f"{host}:{port}"
            self.connects.append(
                ConnectRecord(
                    at=time.time(),
                    host=host,
                    port=port,
                    status=0,
                    via=via,
                    method=method,
                    error=f"{where}: {exc}",
                )
            )
            await _reply(client, 502, f"cannot reach {where}")
            return
        async with remote:
            remote_reader = BufferedByteReceiveStream(remote)
            if method == "CONNECT":
                if up is not None:
                    await remote.send(
                        f"CONNECT {host}:{port} HTTP/1.1\r\nHost: {host}:{port}\r\n"
                        f"Proxy-Authorization: {up.authorization()}\r\n\r\n".encode()
                    )
                    answer = await remote_reader.receive_until(b"\r\n\r\n", _HEAD_LIMIT)
                    status = _status(answer)
                else:
                    status = 200
                self.connects.append(
                    ConnectRecord(at=time.time(), host=host, port=port, status=status, via=via)
                )
                if status != 200:
                    await _reply(client, 502, f"upstream {via} answered {status} to CONNECT")
                    return
                await client.send(b"HTTP/1.1 200 Connection established\r\n\r\n")
            else:
                line = f"{method} {target if up else path} {version}"
                extra = [f"Proxy-Authorization: {up.authorization()}"] if up else []
                out = "\r\n".join([line, *headers, *extra, "Connection: close", "", ""])
                await remote.send(out.encode("latin-1"))
                self.bytes_up += len(out)
            record = None if method == "CONNECT" else (host, port, via, method)
            await self._pipe(client, reader, remote, remote_reader, record)

    async def _pipe(
        self,
        client: ByteStream,
        client_reader: BufferedByteReceiveStream,
        remote: ByteStream,
        remote_reader: BufferedByteReceiveStream,
        record: tuple[str, int, str, str] | None = None,
    ) -> None:
        """Copy both ways until both sides close. With ``record`` (a plain request), the
        answer's status is logged first, and an upstream 407 becomes a 502."""

        async def copy(src: BufferedByteReceiveStream, dst: ByteStream, upward: bool) -> None:
            try:
                if not upward and record is not None:
                    head = await src.receive_until(b"\r\n\r\n", _HEAD_LIMIT) + b"\r\n\r\n"
                    status = _status(head)
                    host, port, via, method = record
                    self.connects.append(
                        ConnectRecord(
                            at=time.time(),
                            host=host,
                            port=port,
                            status=status,
                            via=via,
                            method=method,
                        )
                    )
                    if status == 407:  # never let Chromium open an auth dialog
                        await _reply(dst, 502, f"upstream {via} rejected the credentials (407)")
                        return
                    self.bytes_down += len(head)
                    await dst.send(head)
                while True:
                    data = await src.receive(65536)
                    if upward:
                        self.bytes_up += len(data)
                    else:
                        self.bytes_down += len(data)
                    await dst.send(data)
            except _STREAM_ERRORS:
                pass  # one side closed: end this direction
            try:
                await dst.send_eof()
            except _STREAM_ERRORS:
                pass  # already gone

        async with anyio.create_task_group() as tg:
            tg.start_soon(copy, client_reader, remote, True)
            tg.start_soon(copy, remote_reader, client, False)


def _status(head: bytes) -> int:
    try:
        return int(head.split(b" ", 2)[1])
    except (IndexError, ValueError):
        return 0


async def _reply(client: ByteStream, status: int, text: str) -> None:
    reason = {400: "Bad Request", 403: "Forbidden", 502: "Bad Gateway"}.get(status, "Error")
    body = text.encode()
    head = (
        f"HTTP/1.1 {status} {reason}\r\nContent-Type: text/plain\r\n"
        f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    )
    await client.send(head.encode() + body)
