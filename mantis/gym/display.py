"""One Xvfb virtual display per session.

The display number is picked by trying ``:N`` against Xvfb's own lock files
(``/tmp/.X{N}-lock``): a number whose lock is absent is tried, and Xvfb itself
creates the lock atomically, so when two sessions race for the same number one
Xvfb exits with "server already active" and its session simply tries the next
number. A display counts as ours only once its lock file names our Xvfb's pid.
"""

from __future__ import annotations

import logging
import os
import subprocess
import tempfile
import time
from functools import partial
from pathlib import Path
from typing import Any

import anyio

from mantis.errors import ComputerError

log = logging.getLogger(__name__)

_LOCK_DIR = Path("/tmp")
_FIRST_DISPLAY = 20  # leave the low numbers to desktops and hand-started servers
_LAST_DISPLAY = 999
_START_DEADLINE_S = 15.0
_POLL_S = 0.02


def _lock_path(number: int) -> Path:
    return _LOCK_DIR / f".X{number}-lock"


def _lock_owner(number: int) -> int | None:
    """The pid written in the display's lock file, or None when there is no readable lock."""
    try:
        text = _lock_path(number).read_text().strip()
    except (FileNotFoundError, PermissionError):
        return None
    try:
        return int(text)
    except ValueError:
        return None


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _candidate_numbers() -> list[int]:
    """Display numbers whose lock is absent or stale (its pid is gone), lowest first.

    A stale lock is left in place: Xvfb itself removes it when it takes the number.
    """
    free = []
    for number in range(_FIRST_DISPLAY, _LAST_DISPLAY + 1):
        if not _lock_path(number).exists():
            free.append(number)
            continue
        owner = _lock_owner(number)
        if owner is not None and not _pid_alive(owner):
            free.append(number)
    return free


def _can_connect(name: str) -> bool:
    from Xlib import display as xdisplay
    from Xlib.error import DisplayError

    try:
        conn = xdisplay.Display(name)
    except (DisplayError, ConnectionError, OSError):
        return False
    conn.close()
    return True


class XvfbDisplay:
    """A running Xvfb. Create it with :meth:`start`; stop it with :meth:`stop`."""

    def __init__(self, number: int, size: tuple[int, int], proc: subprocess.Popen[Any], log_file):
        self.number = number
        self.size = size
        self.proc = proc
        self._log_file = log_file

    @property
    def name(self) -> str:
        """The X display name, e.g. ``:21``."""
        return f":{self.number}"

    @property
    def pid(self) -> int:
        return self.proc.pid

    @property
    def alive(self) -> bool:
        return self.proc.poll() is None

    def check_alive(self) -> None:
        """Raise ``ComputerError`` if Xvfb has died since it started."""
        if not self.alive:
            raise ComputerError(
                f"Xvfb on {self.name} died (exit code {self.proc.returncode}): {self.log_tail()}"
            )

    def log_tail(self, limit: int = 600) -> str:
        try:
            self._log_file.seek(0)
            text = self._log_file.read().decode(errors="replace")
        except (OSError, ValueError):
            return ""
        return text[-limit:].strip()

    @classmethod
    async def start(cls, size: tuple[int, int] = (1280, 720)) -> XvfbDisplay:
        """Start Xvfb on a free display number and wait until it accepts connections."""
        width, height = size
        if width < 64 or height < 64:
            raise ComputerError(f"display size must be at least 64x64, got {width}x{height}")
        tried = 0
        for number in _candidate_numbers():
            if tried >= 20:
                break
            tried += 1
            display = await cls._try_start(number, size)
            if display is not None:
                return display
        raise ComputerError(f"no free X display number found after {tried} tries")

    @classmethod
    async def _try_start(cls, number: int, size: tuple[int, int]) -> XvfbDisplay | None:
        """Start Xvfb on ``:number``; None when another server holds (or just took) it."""
        width, height = size
        log_file = tempfile.TemporaryFile(prefix=f"mantis-xvfb-{number}-")
        argv = [
            "Xvfb",
            f":{number}",
            "-screen",
            "0",
            f"{width}x{height}x24",
            "-nolisten",
            "tcp",
            "-noreset",
            "-dpi",
            "96",
        ]
        try:
            # fork+exec can stall on a large process; keep it off the event loop
            proc = await anyio.to_thread.run_sync(
                partial(
                    subprocess.Popen,
                    argv,
                    stdin=subprocess.DEVNULL,
                    stdout=log_file,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            )
        except FileNotFoundError as exc:
            log_file.close()
            raise ComputerError(
                "Xvfb is not installed (expected the `Xvfb` binary on PATH)"
            ) from exc
        display = cls(number, size, proc, log_file)
        try:
            ready = await display._wait_ready()
        except BaseException:
            with anyio.CancelScope(shield=True):
                await display.stop()
            raise
        return display if ready else None

    async def _wait_ready(self) -> bool:
        """True once this Xvfb owns its display and accepts connections; False when it
        lost the display number to another server."""
        deadline = time.monotonic() + _START_DEADLINE_S
        while time.monotonic() < deadline:
            if not self.alive:
                tail = self.log_tail()
                if "already active" in tail.lower():
                    await self.stop()
                    return False
                raise ComputerError(f"Xvfb {self.name} exited at start: {tail}")
            # Ours only once the lock names our pid: a racing server may answer first.
            if _lock_owner(self.number) == self.pid and await anyio.to_thread.run_sync(
                _can_connect, self.name
            ):
                log.debug("Xvfb %s ready (pid %d)", self.name, self.pid)
                return True
            await anyio.sleep(_POLL_S)
        raise ComputerError(
            f"Xvfb {self.name} did not accept connections within {_START_DEADLINE_S}s"
        )

    async def stop(self) -> None:
        """Terminate Xvfb (then kill it if it lingers). Idempotent."""
        if self.alive:
            self.proc.terminate()
            try:
                await anyio.to_thread.run_sync(self.proc.wait, 3.0)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                await anyio.to_thread.run_sync(self.proc.wait)
        self.proc.poll()
        if not self._log_file.closed:
            self._log_file.close()

    def kill_now(self) -> None:
        """Synchronous last-resort kill, for interpreter-exit safety nets."""
        if self.alive:
            self.proc.kill()
            try:
                self.proc.wait(2.0)
            except subprocess.TimeoutExpired:
                log.warning("Xvfb pid %d did not exit after SIGKILL", self.proc.pid)
