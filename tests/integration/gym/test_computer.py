"""LocalComputer against a real Xvfb + Chromium, pages served over real HTTP."""

from __future__ import annotations

import io
import os
import urllib.parse

import anyio
import pytest
from PIL import Image

from mantis.brains.actions import (
    Back,
    Click,
    DoubleClick,
    Drag,
    Key,
    Navigate,
    RightClick,
    Scroll,
    Type,
)
from mantis.gym.base import Screenshot, SessionSpec
from mantis.gym.browser import session_pids
from mantis.gym.computer import LocalComputer

pytestmark = [pytest.mark.integration, pytest.mark.anyio]


async def _hash(computer: LocalComputer) -> str:
    """The page's report (its URL fragment), once the screen has settled."""
    await computer.settle(0.1, 2.0)
    url = await computer.current_url()
    return urllib.parse.unquote(url.partition("#")[2])


def _proc_exists(pid: int) -> bool:
    return os.path.exists(f"/proc/{pid}")


def _pixel(shot, x: int, y: int) -> tuple[int, int, int]:
    i = (y * shot.width + x) * 3
    return tuple(shot.rgb[i : i + 3])


async def test_screenshot_has_display_size_and_page_starts_at_content_top(computer, pages):
    await computer.navigate(f"{pages}/click")
    shot = await computer.screenshot()
    top = computer.info.content_top
    assert (shot.width, shot.height, len(shot.rgb)) == (1280, 720, 1280 * 720 * 3)
    assert 40 < top < 140, "content_top should sit just below tab strip and toolbar"
    # The page's blue starts right at content_top: no info bar, no bubble above it.
    assert _pixel(shot, 900, top + 2) == (0, 0, 255)
    assert _pixel(shot, 900, top - 2) != (0, 0, 255)
    assert _pixel(shot, 900, shot.height - 2) == (0, 0, 255), "page fills the screen to the bottom"


async def test_a_bgrx_capture_shows_the_brain_exactly_the_rgb_pixels(computer, pages):
    """The capture keeps the server's BGRX words; decoding them must give the very pixels
    a packed-RGB frame of the same capture gives (reference built without PIL)."""
    await computer.navigate(f"{pages}/click")
    shot = await computer.screenshot()
    assert shot.pixel_format == "BGRX" and len(shot.data) == 1280 * 720 * 4
    ref = bytearray(1280 * 720 * 3)
    ref[0::3], ref[1::3], ref[2::3] = shot.data[2::4], shot.data[1::4], shot.data[0::4]
    as_rgb = Screenshot(width=1280, height=720, data=bytes(ref), captured_at_ms=0)
    assert shot.image().tobytes() == as_rgb.image().tobytes() == ref
    assert shot.rgb == ref
    top = computer.info.content_top
    assert shot.pixel(300, top + 200) == as_rgb.pixel(300, top + 200) == (255, 255, 0)
    png = Image.open(io.BytesIO(shot.encode("png"))).convert("RGB")
    assert png.tobytes() == ref
    assert shot.encode("jpeg") == as_rgb.encode("jpeg")


async def test_navigate_back_and_current_url_read_the_address_bar(computer, pages):
    await computer.act(Navigate(url=f"{pages}/scroll"))
    assert await computer.current_url() == f"{pages}/scroll"
    assert (await computer.act(Navigate(url=f"{pages}/input"))).ok
    assert await computer.current_url() == f"{pages}/input"
    assert (await computer.act(Back())).ok
    await computer.settle(0.3, 5.0)
    assert await computer.current_url() == f"{pages}/scroll"


async def test_a_selected_word_on_the_page_never_reads_as_the_url(computer, pages):
    """A ctrl+c that lands before the omnibox has focus copies the page's selection;
    the address reader must discard it and copy again."""
    await computer.navigate(f"{pages}/words")
    info = computer.info
    for _ in range(5):
        assert (await computer.act(DoubleClick(x=120, y=info.content_top + 70))).ok
        assert await computer.current_url() == f"{pages}/words"
    await computer.navigate(f"{pages}/input")  # typing the URL must not go into the page
    assert await computer.current_url() == f"{pages}/input"


async def test_typing_ascii_lands_in_the_focused_input(computer, pages):
    await computer.navigate(f"{pages}/input")
    assert (await computer.act(Type(text="hello world 123"))).ok
    assert await _hash(computer) == "typed=hello world 123"
    # Reading the URL must hand focus back to the page: later typing still lands.
    await computer.act(Type(text="!"))
    assert await _hash(computer) == "typed=hello world 123!"


async def test_typing_unicode_uses_spare_keycodes(computer, pages):
    await computer.navigate(f"{pages}/input")
    text = "café naïve Ωμέγα 東京都渋谷区 こんにちは 😀"
    assert (await computer.act(Type(text=text))).ok
    assert await _hash(computer) == f"typed={text}"


async def test_key_chords_and_backspace(computer, pages):
    await computer.navigate(f"{pages}/input")
    await computer.act(Type(text="abc"))
    await computer.act(Key(keys="BackSpace"))
    assert await _hash(computer) == "typed=ab"
    await computer.act(Key(keys="ctrl+alt+k"))
    assert await _hash(computer) == "key=ctrl+alt+k"
    await computer.act(Key(keys="CTRL+Shift+Y"))
    assert await _hash(computer) == "key=ctrl+shift+y"


async def test_click_double_right_and_drag_hit_known_positions(computer, pages):
    await computer.navigate(f"{pages}/click")
    top = computer.info.content_top
    assert (await computer.act(Click(x=300, y=top + 200))).ok
    assert await _hash(computer) == "click=1&dblclick=0&contextmenu=0"
    # Elsewhere on the button, or the earlier click would count as its first half.
    await computer.act(DoubleClick(x=360, y=top + 220))
    assert (await _hash(computer)).endswith("dblclick=1&contextmenu=0")
    await computer.act(RightClick(x=250, y=top + 180))
    assert (await _hash(computer)).endswith("contextmenu=1")
    await computer.act(Drag(x1=600, y1=top + 300, x2=700, y2=top + 350))
    assert await _hash(computer) == "drag=600,300,700,350"


async def test_scroll_moves_the_page(computer, pages):
    await computer.navigate(f"{pages}/scroll")
    await computer.act(Scroll(direction="down", amount=5, x=640, y=400))
    down = await _hash(computer)
    assert down.startswith("y=") and int(down[2:]) > 100
    await computer.act(Scroll(direction="up", amount=10, x=640, y=400))
    assert await _hash(computer) == "y=0"


async def test_off_screen_and_malformed_actions_come_back_as_data(computer):
    result = await computer.act(Click(x=5000, y=10))
    assert not result.ok and "5000" in result.detail
    result = await computer.act(Key(keys="ctrl+nosuchkey"))
    assert not result.ok and "nosuchkey" in result.detail


async def test_two_computers_get_different_displays_and_close_leaves_no_processes(
    needs_x, tmp_path
):
    computers = [LocalComputer(), LocalComputer()]
    infos = []

    async def open_one(i: int) -> None:
        spec = SessionSpec(profile_dir=str(tmp_path / f"p{i}"), viewport=(800, 600))
        infos.append(await computers[i].open(spec))

    async with anyio.create_task_group() as tg:
        for i in range(2):
            tg.start_soon(open_one, i)
    assert infos[0].display != infos[1].display
    pids = [(c.display.pid, c.browser.pid) for c in computers]
    for c in computers:
        shot = await c.screenshot()
        assert (shot.width, shot.height) == (800, 600)
    assert all(session_pids(chrome) for _, chrome in pids), "chromium runs in its own session"

    for c in computers:
        await c.close()
        await c.close()  # idempotent
    for xvfb, chrome in pids:
        assert not _proc_exists(xvfb), "Xvfb was reaped"
        assert session_pids(chrome) == [], "no chromium process survives close"


async def test_close_from_a_cancelled_task_still_cleans_up(needs_x, tmp_path):
    computer = LocalComputer()
    with anyio.CancelScope() as scope:
        async with computer:
            await computer.open(SessionSpec(profile_dir=str(tmp_path / "p")))
            chrome = computer.browser.pid
            scope.cancel()
            await anyio.sleep(10)
    assert computer.browser is None and computer.display is None
    assert session_pids(chrome) == []
