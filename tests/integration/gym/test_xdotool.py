"""The xdotool argv interpreter on a live display: chaining, every command, errors as data."""

from __future__ import annotations

import urllib.parse

import pytest

pytestmark = [pytest.mark.integration, pytest.mark.anyio]


async def _hash(computer) -> str:
    await computer.settle(0.1, 2.0)
    return urllib.parse.unquote((await computer.current_url()).partition("#")[2])


async def test_chained_move_and_click_lands_once(computer, pages):
    await computer.navigate(f"{pages}/click")
    top = computer.info.content_top
    res = await computer.xdotool(["mousemove", "--sync", "300", str(top + 200), "click", "1"], "a")
    assert (res.returncode, res.stderr) == (0, "")
    assert await _hash(computer) == "click=1&dblclick=0&contextmenu=0"
    res = await computer.xdotool(["click", "--repeat", "2", "--delay", "40", "1"], "b")
    assert res.returncode == 0
    assert (await _hash(computer)).startswith("click=3&dblclick=1")


async def test_mousedown_move_mouseup_is_a_drag(computer, pages):
    await computer.navigate(f"{pages}/click")
    top = computer.info.content_top
    argv = ["mousemove", "600", str(top + 300), "mousedown", "1"]
    argv += ["mousemove_relative", "--", "100", "50", "mouseup", "1"]
    assert (await computer.xdotool(argv, "d")).returncode == 0
    assert await _hash(computer) == "drag=600,300,700,350"


async def test_type_and_key_commands(computer, pages):
    await computer.navigate(f"{pages}/input")
    assert (await computer.xdotool(["type", "--delay", "0", "héllo wörld"], "t")).returncode == 0
    assert await _hash(computer) == "typed=héllo wörld"
    res = await computer.xdotool(["key", "BackSpace", "BackSpace", "key", "ctrl+alt+k"], "k")
    assert res.returncode == 0, res.stderr
    assert await _hash(computer) == "key=ctrl+alt+k"
    assert (await computer.xdotool(["keydown", "shift", "type", "a"], "s")).returncode == 0
    assert (await computer.xdotool(["keyup", "shift"], "u")).returncode == 0
    assert await _hash(computer) == "typed=héllo wörA"


async def test_wheel_buttons_scroll(computer, pages):
    await computer.navigate(f"{pages}/scroll")
    argv = ["mousemove", "640", "400", "click", "--repeat", "5", "5"]
    assert (await computer.xdotool(argv, "w")).returncode == 0
    assert int((await _hash(computer)).removeprefix("y=")) > 100


async def test_queries(computer):
    await computer.xdotool(["mousemove", "12", "34"], "m")
    res = await computer.xdotool(["getmouselocation", "getdisplaygeometry"], "q")
    assert res.stdout == "x:12 y:34 screen:0 window:0\n1280 720\n"
    res = await computer.xdotool(["getmouselocation", "--shell"], "q2")
    assert res.stdout.startswith("X=12\nY=34\n")


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["frobnicate"], "Unknown command: frobnicate"),
        (["mousemove", "12", "abc"], "invalid Y 'abc'"),
        (["mousemove", "12"], "missing argument Y"),
        (["click", "--repeat", "x", "1"], "invalid --repeat"),
        (["click", "--bogus", "1"], "unknown option --bogus"),
        (["mousemove", "9999", "5"], "9999"),
        (["key", "ctrl+nosuchkey"], "nosuchkey"),
        (["sleep", "-1"], "sleep: expected"),
        ([], "usage"),
    ],
)
async def test_mistakes_are_returncode_1_with_a_message(computer, argv, message):
    res = await computer.xdotool(argv, "bad")
    assert res.returncode == 1 and message in res.stderr


async def test_commands_before_an_error_have_run(computer):
    res = await computer.xdotool(["mousemove", "20", "30", "nope"], "p")
    assert res.returncode == 1
    assert (await computer.xdotool(["getmouselocation"], "p2")).stdout.startswith("x:20 y:30")
