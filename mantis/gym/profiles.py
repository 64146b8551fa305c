"""Browser profiles on disk and the lock that gives one run exclusive use of one.

A profile lives at ``<data_dir>/tenants/<tenant>/chrome-profile/<profile_id>/``;
its lock is an exclusive, non-blocking ``flock`` on the sibling file
``<profile_id>.lock``, whose content names the holder as JSON
``{"run_id", "pid", "since"}``. The kernel drops the lock when the holder's
process dies, so a crash never leaves a stuck profile. ``flock`` locks belong
to an open file description, so two ``ProfileLock`` objects in one process
conflict with each other just as two processes do.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import time
from pathlib import Path
from types import TracebackType

from mantis.errors import ProfileLocked, RequestError

_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")


def _check_id(field: str, value: str) -> None:
    if not isinstance(value, str) or not _ID.fullmatch(value) or ".." in value:
        raise RequestError(
            f"{field}: expected 1-128 characters of [A-Za-z0-9._:-] without '..', got {value!r}",
            extra={"field": field},
        )
    if value in {".", ".."}:
        raise RequestError(f"{field}: expected a name, got {value!r}", extra={"field": field})


def profile_paths(
    data_dir: str | os.PathLike[str], tenant: str, profile_id: str
) -> tuple[Path, Path]:
    """Return ``(profile_dir, lock_path)`` for a tenant's profile; ids are validated first."""
    _check_id("tenant", tenant)
    _check_id("profile_id", profile_id)
    base = Path(data_dir) / "tenants" / tenant / "chrome-profile"
    return base / profile_id, base / f"{profile_id}.lock"


class ProfileLock:
    """Exclusive use of one profile by one run.

    ``acquire()`` raises :class:`ProfileLocked` naming the holder's run id when
    another lock (in this process or any other) holds the file.
    """

    def __init__(self, lock_path: str | os.PathLike[str], *, run_id: str, profile_id: str = ""):
        self.lock_path = Path(lock_path)
        self.run_id = run_id
        self.profile_id = profile_id or self.lock_path.stem
        self._fd: int | None = None

    @property
    def held(self) -> bool:
        return self._fd is not None

    def acquire(self) -> ProfileLock:
        if self._fd is not None:
            return self
        self.lock_path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _read_holder(fd)
            os.close(fd)
            raise ProfileLocked(self.profile_id, holder) from None
        except BaseException:
            os.close(fd)
            raise
        body = json.dumps({"run_id": self.run_id, "pid": os.getpid(), "since": time.time()})
        data = body.encode()
        os.pwrite(fd, data, 0)  # write then trim, so a reader never sees an empty file
        os.ftruncate(fd, len(data))
        self._fd = fd
        return self

    def release(self) -> None:
        """Drop the lock. Idempotent. The file stays; its content is stale once unlocked."""
        fd, self._fd = self._fd, None
        if fd is None:
            return
        try:
            os.ftruncate(fd, 0)
        finally:
            os.close(fd)  # closing the description releases the flock

    def __enter__(self) -> ProfileLock:
        return self.acquire()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.release()

    def __del__(self) -> None:
        if self._fd is not None:
            os.close(self._fd)


def _read_holder(fd: int) -> str:
    """The holder's run id from the lock file, or ``"unknown"`` when it is unreadable."""
    try:
        raw = os.pread(fd, 4096, 0)
        run_id = json.loads(raw or b"{}").get("run_id")
    except (OSError, ValueError, AttributeError):
        return "unknown"
    return str(run_id) if run_id else "unknown"
