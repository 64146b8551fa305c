"""An autouse fixture that fails any test whose code opens a connection off this machine.

Model endpoints and the Anthropic API are only ever reached through fakes on
127.0.0.1; a test that would reach a real one fails loudly instead of spending
money or depending on the network.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterator

import pytest

_LOCAL_NAMES = {"localhost", "127.0.0.1", "::1", ""}


def _is_local(address: object) -> bool:
    if isinstance(address, tuple) and address:
        host = str(address[0])
    elif isinstance(address, (str, bytes)):
        return True  # a unix socket path (X11, the browser)
    else:
        return False
    if host in _LOCAL_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@pytest.fixture(autouse=True)
def no_real_model_endpoints(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    real_connect = socket.socket.connect
    real_connect_ex = socket.socket.connect_ex

    def connect(self: socket.socket, address: object) -> None:
        if not _is_local(address):
            pytest.fail(f"test tried to reach a real network endpoint: {address!r}")
        real_connect(self, address)  # type: ignore[arg-type]

    def connect_ex(self: socket.socket, address: object) -> int:
        if not _is_local(address):
            pytest.fail(f"test tried to reach a real network endpoint: {address!r}")
        return real_connect_ex(self, address)  # type: ignore[arg-type]

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket.socket, "connect_ex", connect_ex)
    yield
