"""ComputerSessions on real computers: tenancy, limits, idle close, step dedup, 409."""

from __future__ import annotations

import anyio
import pytest

from mantis.brains.actions import Wait
from mantis.errors import NotFound, ProfileLocked
from mantis.gym.computer import LocalComputer
from mantis.gym.sessions import ComputerSessions, SessionLimit, StepCache
from mantis.gym.wire import ActionBody, SessionInit

pytestmark = [pytest.mark.integration, pytest.mark.anyio]


def _make(sink):
    return LocalComputer(on_event=sink)


def _init(profile: str, run: str) -> SessionInit:
    return SessionInit(profile_id=profile, run_id=run, viewport=(640, 480))


@pytest.fixture
async def sessions(needs_x, tmp_path):
    s = ComputerSessions(tmp_path, _make, max_sessions=1, idle_s=3600)
    yield s
    await s.close_all()


async def test_token_of_one_tenant_is_unknown_to_another(sessions):
    a = await sessions.open("tenant-a", _init("p", "run-1"))
    assert (await sessions.get("tenant-a", a.token)) is a
    with pytest.raises(NotFound):
        await sessions.get("tenant-b", a.token)
    with pytest.raises(NotFound):
        await sessions.get("tenant-a", "made-up")


async def test_init_is_idempotent_on_run_id_and_limits_live_sessions(sessions):
    a = await sessions.open("t", _init("p", "run-1"))
    assert (await sessions.open("t", _init("p", "run-1"))) is a
    with pytest.raises(SessionLimit) as info:
        await sessions.open("t", _init("q", "run-2"))
    assert info.value.status_code == 429 and "MANTIS_MAX_SESSIONS=1" in info.value.message


async def test_a_held_profile_gives_409_with_the_holder(needs_x, tmp_path):
    s = ComputerSessions(tmp_path, _make, max_sessions=2)
    try:
        await s.open("t", _init("p", "run-1"))
        with pytest.raises(ProfileLocked) as info:
            await s.open("t", _init("p", "run-2"))
        assert info.value.held_run_id == "run-1"
        # Same profile name, other tenant: a different directory, so no conflict.
        await s.open("u", _init("p", "run-3"))
    finally:
        await s.close_all()


async def test_a_repeated_step_id_acts_once(sessions):
    s = await sessions.open("t", _init("p", "run-1"))
    calls = []

    async def act() -> ActionBody:
        calls.append(1)
        res = await s.computer.act(Wait(seconds=0))
        return ActionBody(ok=res.ok)

    first = await sessions.step(s, "step-1", act)
    again = await sessions.step(s, "step-1", act)
    assert (first.deduplicated, again.deduplicated, len(calls)) == (False, True, 1)
    await sessions.step(s, "step-2", act)
    assert len(calls) == 2


async def test_idle_sessions_close_and_release_the_profile(needs_x, tmp_path):
    s = ComputerSessions(tmp_path, _make, max_sessions=1, idle_s=0.2)
    try:
        a = await s.open("t", _init("p", "run-1"))
        pid = a.chrome_pid
        async with anyio.create_task_group() as tg:
            tg.start_soon(s.reap_forever)
            with anyio.fail_after(10):
                while len(s):  # noqa: ASYNC110 - waiting on the reaper task
                    await anyio.sleep(0.05)
            tg.cancel_scope.cancel()
        with pytest.raises(NotFound):
            await s.get("t", a.token)
        b = await s.open("t", _init("p", "run-2"))  # the profile lock was released
        assert b.chrome_pid != pid
    finally:
        await s.close_all()


def test_step_cache_expires_and_evicts():
    now = [0.0]
    cache = StepCache(ttl_s=30, size=2, clock=lambda: now[0])
    cache.put("a", 1)
    cache.put("b", 2)
    cache.put("c", 3)
    assert cache.get("a") is None and cache.get("b") == 2
    now[0] = 31
    assert cache.get("c") is None
