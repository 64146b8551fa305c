"""Where runs execute: the ``Executor`` seam and its in-process implementation.

The RunManager hands an executor a *job* (an async callable that carries one
run from ``queued`` to a terminal or parked-paused state) and never asks how
it runs. ``LocalExecutor`` runs each job as an anyio task under a server-wide
capacity (``MANTIS_MAX_CONCURRENT_RUNS``): jobs beyond it wait, still
``queued``, and are never refused. A paused job gives its slot back while it
waits for a person, so paused runs cannot starve the queue. A remote executor
(Modal) implements the same four methods.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Protocol

import anyio
from anyio.abc import TaskGroup


class Slot(Protocol):
    """A job's claim on executor capacity. A job starts without one and calls
    :meth:`restore` inside its own ``try``, so a run cancelled while still queued
    is cleaned up by the same ``finally`` as a running one."""

    async def suspend(self) -> None:
        """Give the slot back (the run is paused and only waits)."""

    async def restore(self) -> None:
        """Take a slot (the run starts or continues); waits while at capacity."""


Job = Callable[[Slot], Awaitable[None]]


class Executor(Protocol):
    capacity: int

    def start(self, run_id: str, job: Job) -> None:
        """Schedule ``job``; it starts when capacity allows."""

    def cancel(self, run_id: str) -> bool:
        """Cancel the run's job; False when this executor is not running it."""

    async def wait(self, run_id: str, timeout_s: float) -> None:
        """Return when the run's job has ended, or after ``timeout_s``."""

    def running(self) -> int:
        """How many jobs hold a slot now."""


class _LocalSlot:
    def __init__(self, limiter: anyio.CapacityLimiter) -> None:
        self._limiter = limiter
        self._held = False

    async def acquire(self) -> None:
        await self._limiter.acquire_on_behalf_of(self)
        self._held = True

    async def suspend(self) -> None:
        if self._held:
            self._limiter.release_on_behalf_of(self)
            self._held = False

    async def restore(self) -> None:
        if not self._held:
            await self.acquire()

    def release(self) -> None:
        if self._held:
            self._limiter.release_on_behalf_of(self)
            self._held = False


class _Task:
    def __init__(self) -> None:
        self.scope = anyio.CancelScope()
        self.done = anyio.Event()


class LocalExecutor:
    """Each job an anyio task in the app's task group, at most ``capacity`` at once."""

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self._limiter = anyio.CapacityLimiter(capacity)
        self._tasks: dict[str, _Task] = {}
        self._tg: TaskGroup | None = None

    def attach(self, tg: TaskGroup) -> None:
        self._tg = tg

    def start(self, run_id: str, job: Job) -> None:
        if self._tg is None:
            raise RuntimeError("LocalExecutor.attach() was not called")
        task = _Task()
        self._tasks[run_id] = task
        self._tg.start_soon(self._run, run_id, job, task)

    async def _run(self, run_id: str, job: Job, task: _Task) -> None:
        slot = _LocalSlot(self._limiter)
        try:
            with task.scope:
                await job(slot)
        finally:
            slot.release()
            if self._tasks.get(run_id) is task:
                del self._tasks[run_id]
            task.done.set()

    def cancel(self, run_id: str) -> bool:
        task = self._tasks.get(run_id)
        if task is None:
            return False
        task.scope.cancel()
        return True

    async def wait(self, run_id: str, timeout_s: float) -> None:
        task = self._tasks.get(run_id)
        if task is not None:
            with anyio.move_on_after(timeout_s):
                await task.done.wait()

    def running(self) -> int:
        return int(self._limiter.borrowed_tokens)

    async def shutdown(self, timeout_s: float = 30) -> None:
        tasks = list(self._tasks.values())
        for task in tasks:
            task.scope.cancel()
        with anyio.move_on_after(timeout_s):
            for task in tasks:
                await task.done.wait()
