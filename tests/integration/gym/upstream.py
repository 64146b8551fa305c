"""A stand-in proxy provider on loopback that requires Basic credentials."""

from __future__ import annotations

import base64
import select
import socket
import socketserver
import threading
from collections.abc import Iterator
from contextlib import contextmanager


class _Handler(socketserver.BaseRequestHandler):
    server: _Server

    def handle(self) -> None:
        sock: socket.socket = self.request
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = sock.recv(65536)
            if not chunk:
                return
            data += chunk
        head, _, rest = data.partition(b"\r\n\r\n")
        line, *lines = head.decode("latin-1").split("\r\n")
        method, target, _ = line.split(" ", 2)
        auth = next(
            (
                h.split(":", 1)[1].strip()
                for h in lines
                if h.lower().startswith("proxy-authorization:")
            ),
            "",
        )
        ok = auth == self.server.expected
        self.server.seen.append((method, target, ok))
        if not ok:
            sock.sendall(
                b'HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm="t"\r\nContent-Length: 0\r\n\r\n'
            )
            return
        if method == "CONNECT":
            host, _, port = target.rpartition(":")
            remote = socket.create_connection((host, int(port)))
            sock.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
        else:
            from urllib.parse import urlsplit

            url = urlsplit(target)
            remote = socket.create_connection((url.hostname, url.port or 80))
            path = (url.path or "/") + (f"?{url.query}" if url.query else "")
            kept = [h for h in lines if not h.lower().startswith("proxy-")]
            remote.sendall(
                "\r\n".join([f"{method} {path} HTTP/1.1", *kept, "", ""]).encode("latin-1") + rest
            )
        _pipe(sock, remote)


def _pipe(a: socket.socket, b: socket.socket) -> None:
    with b:
        while True:
            ready, _, _ = select.select([a, b], [], [], 30)
            if not ready:
                return
            for s in ready:
                data = s.recv(65536)
                if not data:
                    return
                (b if s is a else a).sendall(data)


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True
    expected = ""
    seen: list[tuple[str, str, bool]]


@contextmanager
def upstream_proxy(username: str, password: str) -> Iterator[_Server]:
    """A proxy on ``127.0.0.1:<server.server_address[1]>``; ``server.seen`` lists requests."""
    server = _Server(("127.0.0.1", 0), _Handler)
    server.expected = "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()
    server.seen = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
