"""A registry of the child processes (Xvfb, Chromium) each live run started.

``<data dir>/pids/<run_id>.json`` names the server pid and each child's pid,
process group and command line. A clean close removes the entry. At start-up,
entries whose server is gone belong to a dead process: their children — still
alive, reparented to init — are killed, by process group when the child leads
one (Chromium runs in its own session). A pid is only killed while its command
line still matches the recorded one, so a recycled pid is never touched.
"""

from __future__ import annotations

import logging
import os
import signal
from pathlib import Path
from typing import Any

import msgspec

from mantis import atomic
from mantis.server.rundir import check_id

log = logging.getLogger("mantis.server.pids")


class Child(msgspec.Struct, kw_only=True):
    pid: int
    pgid: int
    cmdline: str


class Entry(msgspec.Struct, kw_only=True):
    server_pid: int
    children: list[Child] = []


def _cmdline(pid: int) -> str | None:
    try:
        return (
            Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        )
    except OSError:
        return None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def child_pids(computer: Any, session: Any) -> list[int]:
    """The pids a computer started, as far as it exposes them (duck-typed, best effort)."""
    pids = [getattr(session, "chrome_pid", 0)]
    display = getattr(computer, "display", None)
    pids.append(getattr(display, "pid", 0) if display is not None else 0)
    return [p for p in pids if isinstance(p, int) and p > 0]


class PidRegistry:
    def __init__(self, data_dir: Path) -> None:
        self.dir = data_dir / "pids"

    def _path(self, run_id: str) -> Path:
        return self.dir / f"{check_id(run_id, 'run_id')}.json"

    def record(self, run_id: str, pids: list[int]) -> None:
        children = []
        for pid in pids:
            cmd = _cmdline(pid)
            if cmd is None:
                continue
            try:
                pgid = os.getpgid(pid)
            except OSError:
                continue
            children.append(Child(pid=pid, pgid=pgid, cmdline=cmd))
        self.dir.mkdir(parents=True, exist_ok=True)
        atomic.write_json(
            self._path(run_id),
            msgspec.to_builtins(Entry(server_pid=os.getpid(), children=children)),
        )

    def forget(self, run_id: str) -> None:
        self._path(run_id).unlink(missing_ok=True)

    def reap_orphans(self) -> list[int]:
        """Kill the children of dead servers; return the pids signalled."""
        killed: list[int] = []
        if not self.dir.is_dir():
            return killed
        own_group = os.getpgid(0)
        for path in sorted(self.dir.glob("*.json")):
            try:
                entry = msgspec.json.decode(path.read_bytes(), type=Entry)
            except (OSError, msgspec.DecodeError, msgspec.ValidationError):
                path.unlink(missing_ok=True)
                continue
            if entry.server_pid != os.getpid() and _alive(entry.server_pid):
                continue  # another live server owns it
            for child in entry.children:
                if _cmdline(child.pid) != child.cmdline:
                    continue  # gone, or the pid was recycled
                try:
                    if child.pgid == child.pid and child.pgid != own_group:
                        os.killpg(child.pgid, signal.SIGKILL)
                    else:
                        os.kill(child.pid, signal.SIGKILL)
                    killed.append(child.pid)
                except ProcessLookupError:
                    pass
            path.unlink(missing_ok=True)
        if killed:
            log.warning(
                "killed %d orphaned child process(es) of a dead server: %s", len(killed), killed
            )
        return killed
