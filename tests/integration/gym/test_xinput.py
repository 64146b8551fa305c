"""XTest input's quick path: actions sent from the event loop still land, in order, and
fall back to a worker thread when the server is slow or the connection is busy."""

from __future__ import annotations

import os
import signal

import anyio
import pytest

from mantis.errors import ComputerError
from mantis.gym import xinput
from mantis.gym.display import XvfbDisplay
from mantis.gym.xinput import XInput

pytestmark = [pytest.mark.integration, pytest.mark.anyio]


@pytest.fixture
async def display(needs_x):
    d = await XvfbDisplay.start((640, 480))
    yield d
    await d.stop()


async def test_quick_moves_land_inline_and_through_the_thread_fallback(display, monkeypatch):
    xin = XInput(display.name)
    try:
        await xin.move(10, 20)
        assert await xin.pointer() == (10, 20)
        # No time to wait inline: every sync reply is collected by a worker thread.
        monkeypatch.setattr(xinput, "_INLINE_WAIT_S", 0.0)
        for x in range(30, 60):
            await xin.move(x, 40)
            await xin.click(x, 41)
        assert await xin.pointer() == (59, 41)
    finally:
        xin.close()


async def test_concurrent_actions_share_the_connection_without_deadlock(display):
    xin = XInput(display.name)
    try:
        with anyio.fail_after(20):
            async with anyio.create_task_group() as tg:
                for i in range(20):
                    tg.start_soon(xin.move, 100 + i, 100)
                    tg.start_soon(xin.type, "ab")
                    tg.start_soon(xin.scroll, "down", 1, 200, 200 + i)
        await xin.move(5, 6)
        assert await xin.pointer() == (5, 6)
    finally:
        xin.close()


async def test_a_dead_server_is_an_error_on_the_quick_path(display):
    xin = XInput(display.name)
    await xin.move(1, 1)
    os.kill(display.pid, signal.SIGKILL)
    display.proc.wait()
    with anyio.fail_after(10), pytest.raises(ComputerError, match="went away"):
        await xin.click(3, 3)
    xin.close()
    with pytest.raises(ComputerError, match="closed"):
        await xin.click(3, 3)
