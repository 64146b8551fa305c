"""Start ``mantis serve`` as a child process on loopback and wait until it answers.

One place that knows the command line and the health check, for the demo
script, the benchmarks and the tests. Synchronous by design: callers are scripts
and test fixtures, never the event loop.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path
from typing import IO, Any

import httpx

from mantis.config import child_environment
from mantis.errors import MantisError

Output = int | IO[Any] | None


class ServerStartError(MantisError):
    """``mantis serve`` exited or did not answer ``/v1/health`` in time."""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def spawn_serve(
    env: Mapping[str, str],
    *,
    stdout: Output = subprocess.DEVNULL,
    stderr: Output = None,
    cwd: Path | None = None,
    timeout_s: float = 30.0,
) -> tuple[subprocess.Popen[bytes], str]:
    """Run ``mantis serve`` with ``env`` over ours on a free port; return (process, base URL).

    The child gets its own session so a caller can signal it without signalling
    itself. On failure the child is killed and ``ServerStartError`` says why.
    """
    port = free_port()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "mantis.cli",
            "serve",
            "--port",
            str(port),
            "--log-level",
            "warning",
        ],
        env=child_environment(**env),
        stdout=stdout,
        stderr=stderr,
        cwd=cwd,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise ServerStartError(f"mantis serve exited with status {proc.returncode}")
        try:
            if httpx.get(f"{base}/v1/health", timeout=1).status_code == 200:
                return proc, base
        except httpx.TransportError:
            pass
        time.sleep(0.1)  # waiting for the child to bind its port
    proc.kill()
    proc.wait()
    raise ServerStartError(f"mantis serve did not answer /v1/health within {timeout_s:g} s")
