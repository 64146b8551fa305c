"""Screen capture: MIT-SHM and GetImage agree, and a dying X server is an error, not an exit."""

from __future__ import annotations

import os
import signal

import pytest

from mantis.errors import ComputerError
from mantis.gym.display import XvfbDisplay
from mantis.gym.screen import ScreenCapture
from mantis.gym.xinput import XInput

pytestmark = [pytest.mark.integration, pytest.mark.anyio]


@pytest.fixture
async def display(needs_x):
    d = await XvfbDisplay.start((640, 480))
    yield d
    await d.stop()


async def test_shm_frame_equals_getimage_frame(display):
    fast = ScreenCapture(display.name)
    slow = ScreenCapture(display.name, use_shm=False)
    try:
        assert (fast.method, slow.method) == ("shm", "getimage")
        xin = XInput(display.name)
        await xin.move(10, 10)  # a visible change: the pointer sprite is not in GetImage; fine
        xin.close()
        a, b = await fast.grab(), await slow.grab()
        assert (a.width, a.height) == (640, 480)
        assert a.rgb == b.rgb
    finally:
        fast.close()
        slow.close()


async def test_killing_xvfb_makes_grab_raise_and_the_process_survives(display):
    screen = ScreenCapture(display.name)
    assert screen.method == "shm"
    await screen.grab()
    os.kill(display.pid, signal.SIGKILL)
    display.proc.wait()
    with pytest.raises(ComputerError, match="went away"):
        await screen.grab()
    with pytest.raises(ComputerError):
        await screen.grab()
    screen.close()  # must not exit the interpreter either
