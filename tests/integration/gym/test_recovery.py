"""Crash recovery and clean shutdown: kill -9 Chromium or Xvfb, cancel mid-open."""

from __future__ import annotations

import os
import signal
from typing import Any

import anyio
import pytest

from mantis.brains.actions import Type
from mantis.gym.base import SessionSpec
from mantis.gym.browser import session_pids
from mantis.gym.computer import LocalComputer

pytestmark = [pytest.mark.integration, pytest.mark.anyio]


@pytest.fixture
async def recorded(needs_x, tmp_path):
    events: list[tuple[str, dict[str, Any]]] = []

    async def sink(kind: str, data: dict[str, Any]) -> None:
        events.append((kind, data))

    computer = LocalComputer(on_event=sink)
    await computer.open(SessionSpec(profile_dir=str(tmp_path / "p"), viewport=(800, 600)))
    yield computer, events
    await computer.close()


async def test_killed_chromium_is_restarted_on_the_same_profile_at_the_last_url(recorded, pages):
    computer, events = recorded
    await computer.navigate(f"{pages}/input")
    old = computer.browser.pid
    os.kill(old, signal.SIGKILL)
    computer.browser.proc.wait()
    # The next call recovers and succeeds.
    assert (await computer.act(Type(text="back"))).ok
    assert computer.browser.pid != old
    assert not session_pids(old), "the dead browser's helpers were reaped"
    assert events == [
        ("browser_restarted", {"what": "chromium", "url": f"{pages}/input", "restarts": 1})
    ]
    await computer.settle(0.1, 2.0)
    assert (await computer.current_url()).startswith(f"{pages}/input")


async def test_killed_xvfb_brings_up_a_new_display_and_browser(recorded, pages):
    computer, events = recorded
    await computer.navigate(f"{pages}/scroll")
    old_display, old_chrome = computer.display, computer.browser.pid
    os.kill(old_display.pid, signal.SIGKILL)
    old_display.proc.wait()
    shot = await computer.screenshot()
    assert (shot.width, shot.height) == (800, 600)
    assert computer.display is not old_display and computer.display.alive
    assert not session_pids(old_chrome)
    assert [e[1]["what"] for e in events] == ["xvfb"]
    assert await computer.current_url() == f"{pages}/scroll"


async def test_cancelling_open_leaves_no_processes(needs_x, tmp_path):
    computer = LocalComputer()
    seen: dict[str, int] = {}

    async def cancel_once_chromium_runs(scope: anyio.CancelScope) -> None:
        while computer.browser is None:  # noqa: ASYNC110 - polling another task's state
            await anyio.sleep(0.01)
        seen["chrome"], seen["xvfb"] = computer.browser.pid, computer.display.pid
        scope.cancel()

    with anyio.move_on_after(30):
        async with anyio.create_task_group() as tg:
            tg.start_soon(cancel_once_chromium_runs, tg.cancel_scope)
            await computer.open(SessionSpec(profile_dir=str(tmp_path / "p")))
    assert seen, "the browser started before the cancel"
    assert computer.browser is None and computer.display is None
    assert not session_pids(seen["chrome"])
    assert _gone(seen["xvfb"])


def _gone(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] == "Z"
    except FileNotFoundError:
        return True
