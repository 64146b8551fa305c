"""Live computer sessions behind the wire: tokens, tenancy, limits, idle close, dedup.

A session is one ``Computer`` opened on one tenant's profile (under that
profile's ``flock``), reached by an unguessable session token. A token only
resolves for the tenant that opened it; for any other tenant it is unknown
(404: existence is not leaked). Opening is idempotent on ``(tenant, run_id)``.
At most ``max_sessions`` live at once (429 beyond); a session unused for
``idle_s`` is closed by :meth:`ComputerSessions.reap_forever`.

What the computer reports (``browser_restarted``, ``proxy_blocked``) waits in
the session until the next answer carries it (``X-Mantis-Events``).

Mutating calls go through :meth:`ComputerSessions.step`: calls on one session
run one at a time, and a ``step_id`` seen in the last ``dedup_ttl_s`` (at most
``dedup_size`` remembered) returns the stored answer with ``deduplicated``
set instead of acting twice.
"""

from __future__ import annotations

import logging
import secrets
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import anyio
import msgspec

from mantis.errors import MantisError, NotFound, RequestError
from mantis.gym.base import Computer, EventSink, SessionSpec
from mantis.gym.profiles import ProfileLock, profile_paths
from mantis.gym.wire import SessionInit

log = logging.getLogger(__name__)
R = TypeVar("R", bound=msgspec.Struct)


class SessionLimit(MantisError):
    status_code = 429


class StepCache:
    """A TTL-bounded LRU of ``key → answer``."""

    def __init__(self, ttl_s: float = 30.0, size: int = 1000, clock=time.monotonic):
        self.ttl_s, self.size, self._clock = ttl_s, size, clock
        self._items: OrderedDict[Any, tuple[float, Any]] = OrderedDict()

    def get(self, key: Any) -> Any | None:
        hit = self._items.get(key)
        if hit is None:
            return None
        if self._clock() - hit[0] > self.ttl_s:
            del self._items[key]
            return None
        self._items.move_to_end(key)
        return hit[1]

    def put(self, key: Any, value: Any) -> None:
        self._items[key] = (self._clock(), value)
        self._items.move_to_end(key)
        while len(self._items) > self.size:
            self._items.popitem(last=False)


@dataclass(eq=False)
class ComputerSession:
    token: str
    tenant: str
    run_id: str
    profile_id: str
    enable_cdp: bool
    computer: Computer
    lock: ProfileLock
    last_used: float = field(default_factory=time.monotonic)
    last_action_at: float | None = None
    busy: anyio.Lock = field(default_factory=anyio.Lock)
    ready: anyio.Event = field(default_factory=anyio.Event)
    chrome_pid: int = 0
    display: str = ""
    size: tuple[int, int] = (0, 0)
    content_top: int = 0
    events: list[dict[str, Any]] = field(default_factory=list)  # not yet sent to the caller

    def take_events(self) -> list[dict[str, Any]]:
        taken = list(self.events)
        self.events.clear()
        return taken


def _check_step_id(step_id: str) -> None:
    if not step_id or len(step_id) > 128:
        raise RequestError(
            f"step_id: expected 1-128 characters, got {step_id!r}", extra={"field": "step_id"}
        )


class ComputerSessions:
    def __init__(
        self,
        data_dir: Path,
        make_computer: Callable[[EventSink], Computer],
        *,
        max_sessions: int = 8,
        idle_s: float = 600.0,
        dedup_ttl_s: float = 30.0,
        dedup_size: int = 1000,
    ):
        self.data_dir = data_dir
        self.make_computer = make_computer
        self.max_sessions = max_sessions
        self.idle_s = idle_s
        self.last_action_at: float | None = None
        self._by_token: dict[str, ComputerSession] = {}
        self._by_run: dict[tuple[str, str], ComputerSession] = {}
        self._cache = StepCache(dedup_ttl_s, dedup_size)
        self._opening = anyio.Lock()

    def __len__(self) -> int:
        return len(self._by_token)

    async def open(self, tenant: str, req: SessionInit) -> ComputerSession:
        async with self._opening:
            existing = self._by_run.get((tenant, req.run_id))
            if existing is None:
                existing = self._reserve(tenant, req)
                fresh = True
            else:
                fresh = False
        if not fresh:
            await existing.ready.wait()
            if existing.token not in self._by_token:
                raise NotFound(f"run_id {req.run_id!r}: its session failed to open or was closed")
            return existing
        session = existing
        profile_dir, _ = profile_paths(self.data_dir, tenant, req.profile_id)
        spec = SessionSpec(
            profile_dir=str(profile_dir),
            run_id=req.run_id,
            viewport=req.viewport or (1280, 720),
            start_url=req.start_url,
            proxy_server=req.proxy_server,
            proxy_disabled=req.proxy_disabled,
            allowed_domains=tuple(req.allowed_domains),
            enable_cdp=req.enable_cdp,
            chrome_flags=tuple(req.chrome_flags),
        )
        try:
            info = await session.computer.open(spec)
        except BaseException:
            with anyio.CancelScope(shield=True):
                self._forget(session)
                await session.computer.close()
                session.lock.release()
                session.ready.set()
            raise
        session.chrome_pid, session.display = info.chrome_pid, info.display
        session.size, session.content_top = (info.width, info.height), info.content_top
        session.ready.set()
        return session

    def _reserve(self, tenant: str, req: SessionInit) -> ComputerSession:
        if len(self._by_token) >= self.max_sessions:
            raise SessionLimit(
                f"MANTIS_MAX_SESSIONS={self.max_sessions} sessions are live; close one or retry",
                extra={"max_sessions": self.max_sessions},
            )
        _, lock_path = profile_paths(self.data_dir, tenant, req.profile_id)
        lock = ProfileLock(lock_path, run_id=req.run_id, profile_id=req.profile_id).acquire()
        pending: list[dict[str, Any]] = []

        async def sink(kind: str, data: dict[str, Any]) -> None:
            pending.append({"kind": kind, "data": data})

        session = ComputerSession(
            token=secrets.token_urlsafe(24),
            tenant=tenant,
            run_id=req.run_id,
            profile_id=req.profile_id,
            enable_cdp=req.enable_cdp,
            computer=self.make_computer(sink),
            lock=lock,
            events=pending,
        )
        self._by_token[session.token] = session
        self._by_run[(tenant, req.run_id)] = session
        return session

    def _forget(self, session: ComputerSession) -> None:
        self._by_token.pop(session.token, None)
        if self._by_run.get((session.tenant, session.run_id)) is session:
            del self._by_run[(session.tenant, session.run_id)]

    async def get(self, tenant: str, token: str | None) -> ComputerSession:
        """The caller's session; another tenant's token is as unknown as a made-up one."""
        session = self._by_token.get(token or "")
        if session is None or session.tenant != tenant:
            raise NotFound("X-Mantis-Session: unknown or closed session token")
        await session.ready.wait()
        session.last_used = time.monotonic()
        return session

    async def close(self, session: ComputerSession) -> None:
        with anyio.CancelScope(shield=True):
            self._forget(session)
            try:
                await session.computer.close()
            finally:
                session.lock.release()

    async def step(
        self, session: ComputerSession, step_id: str, fn: Callable[[], Awaitable[R]]
    ) -> R:
        """Run a mutating call once per ``step_id``; a repeat gets the stored answer."""
        _check_step_id(step_id)
        key = (session.token, step_id)
        async with session.busy:
            stored = self._cache.get(key)
            if stored is not None:
                return msgspec.structs.replace(stored, deduplicated=True)
            answer = await fn()
            self._cache.put(key, answer)
            session.last_action_at = self.last_action_at = time.time()
            session.last_used = time.monotonic()
            return answer

    async def reap_idle(self) -> list[str]:
        """Close sessions idle longer than ``idle_s``; return their run ids."""
        now = time.monotonic()
        idle = [
            s
            for s in list(self._by_token.values())
            if s.ready.is_set() and not s.busy.locked() and now - s.last_used > self.idle_s
        ]
        for session in idle:
            log.info("closing idle computer session of run %s", session.run_id)
            await self.close(session)
        return [s.run_id for s in idle]

    async def reap_forever(self) -> None:
        while True:
            await anyio.sleep(max(0.05, min(self.idle_s / 4, 5.0)))
            await self.reap_idle()

    async def close_all(self) -> None:
        for session in list(self._by_token.values()):
            await self.close(session)
