"""Where page content starts on screen: Chromium first shows a one-colour probe page,
and the first screen row of that colour is ``content_top`` (below tab strip and
toolbar, above nothing: an info bar or bubble would push it down)."""

from __future__ import annotations

import time

import anyio

from mantis.errors import ComputerError
from mantis.gym.base import Screenshot
from mantis.gym.screen import ScreenCapture

PROBE_RGB = (255, 0, 255)
PROBE_URL = "data:text/html,<html><body style='margin:0;background:%23ff00ff'></body></html>"
_DEADLINE_S = 20.0


async def measure_content_top(screen: ScreenCapture) -> int:
    """The first screen row of the probe colour, once the probe page has painted."""
    deadline = time.monotonic() + _DEADLINE_S
    while time.monotonic() < deadline:
        top = first_row_of(await screen.grab(), PROBE_RGB)
        if top is not None:
            await screen.settle(0.1, 2.0)
            return first_row_of(await screen.grab(), PROBE_RGB) or top
        await anyio.sleep(0.05)
    raise ComputerError("the probe page never painted; cannot find where page content starts")


def first_row_of(shot: Screenshot, rgb: tuple[int, int, int]) -> int | None:
    """The first y where the middle column has colour ``rgb`` for 8 rows in a row."""
    x = shot.width // 2
    run = 0
    for y in range(shot.height):
        if shot.pixel(x, y) == rgb:
            run += 1
            if run == 8:
                return y - 7
        else:
            run = 0
    return None
