"""An ``xdotool`` argv interpreter over XTest: no xdotool binary, no process per call.

Commands chain as in xdotool (``["mousemove", "842", "317", "click", "1"]``).
Supported::

    mousemove [--sync] X Y        mousemove_relative [--] DX DY
    click [--repeat N] [--delay MS] BUTTON
    mousedown BUTTON              mouseup BUTTON
    type [--delay MS] TEXT...     (the rest of argv; several words are joined by spaces)
    key [--delay MS] KEYS...      keydown KEYS...      keyup KEYS...
    sleep SECONDS                 getmouselocation [--shell]      getdisplaygeometry

``key``/``keydown``/``keyup`` take arguments up to the next command name.
Anything else, or a malformed number, ends the chain with ``returncode`` 1 and
an xdotool-style message on ``stderr``; commands before it have run, as in
xdotool. Errors are data: nothing here raises for a caller's mistake.
"""

from __future__ import annotations

import anyio

from mantis.errors import ComputerError
from mantis.gym.base import XdotoolResult
from mantis.gym.xinput import XInput

COMMANDS = frozenset(
    {
        "mousemove",
        "mousemove_relative",
        "click",
        "mousedown",
        "mouseup",
        "type",
        "key",
        "keydown",
        "keyup",
        "sleep",
        "getmouselocation",
        "getdisplaygeometry",
    }
)
_MAX_SLEEP_S = 30.0


class _Usage(Exception):
    """A malformed command: its message is what xdotool would print."""


class _Args:
    """A cursor over argv."""

    def __init__(self, argv: list[str]):
        self.argv = argv
        self.i = 0

    def more(self) -> bool:
        return self.i < len(self.argv)

    def peek(self) -> str:
        return self.argv[self.i]

    def take(self, cmd: str, what: str) -> str:
        if not self.more():
            raise _Usage(f"{cmd}: missing argument {what}")
        self.i += 1
        return self.argv[self.i - 1]

    def number(self, cmd: str, what: str, kind: type[int] | type[float] = int) -> float:
        raw = self.take(cmd, what)
        try:
            return kind(raw)
        except ValueError:
            raise _Usage(f"{cmd}: invalid {what} {raw!r}: expected a number") from None

    def options(self, cmd: str, allowed: dict[str, bool]) -> dict[str, str]:
        """Leading ``--opt [value]`` flags; ``allowed`` maps option → takes a value."""
        found: dict[str, str] = {}
        while self.more() and self.peek().startswith("--"):
            opt = self.take(cmd, "option")
            if opt == "--":
                break
            if opt not in allowed:
                raise _Usage(f"{cmd}: unknown option {opt}")
            found[opt] = self.take(cmd, f"value for {opt}") if allowed[opt] else ""
        return found

    def until_command(self, cmd: str) -> list[str]:
        words = []
        while self.more() and self.peek() not in COMMANDS:
            words.append(self.take(cmd, "key"))
        if not words:
            raise _Usage(f"{cmd}: expected at least one key")
        return words


async def run_xdotool(xin: XInput, argv: list[str]) -> XdotoolResult:
    """Interpret ``argv`` (without the leading ``xdotool``) on ``xin``'s display."""
    args = _Args([str(a) for a in argv])
    out: list[str] = []
    if not args.more():
        return XdotoolResult(stderr="usage: xdotool <cmd> [args...]\n", returncode=1)
    try:
        while args.more():
            await _one(xin, args, out)
    except _Usage as exc:
        return XdotoolResult(stdout="".join(out), stderr=f"{exc}\n", returncode=1)
    except ComputerError as exc:
        return XdotoolResult(stdout="".join(out), stderr=f"{exc.message}\n", returncode=1)
    return XdotoolResult(stdout="".join(out))


def _delay(opts: dict[str, str], cmd: str) -> float:
    raw = opts.get("--delay", "0")
    try:
        ms = float(raw)
    except ValueError:
        raise _Usage(f"{cmd}: invalid --delay {raw!r}: expected milliseconds") from None
    if ms < 0:
        raise _Usage(f"{cmd}: invalid --delay {raw!r}: expected milliseconds >= 0")
    return ms / 1000.0


async def _one(xin: XInput, args: _Args, out: list[str]) -> None:
    cmd = args.take("xdotool", "command")
    if cmd not in COMMANDS:
        raise _Usage(f"xdotool: Unknown command: {cmd}\nRun 'xdotool help' for a list of commands")
    if cmd == "mousemove":
        args.options(cmd, {"--sync": False})  # every move is synced anyway
        x, y = args.number(cmd, "X"), args.number(cmd, "Y")
        await xin.move(int(x), int(y))
    elif cmd == "mousemove_relative":
        args.options(cmd, {})
        dx, dy = args.number(cmd, "DX"), args.number(cmd, "DY")
        px, py = await xin.pointer()
        await xin.move(
            min(max(px + int(dx), 0), xin.width - 1), min(max(py + int(dy), 0), xin.height - 1)
        )
    elif cmd == "click":
        opts = args.options(cmd, {"--repeat": True, "--delay": True})
        repeat_raw = opts.get("--repeat", "1")
        if not repeat_raw.isdigit() or int(repeat_raw) < 1:
            raise _Usage(f"click: invalid --repeat {repeat_raw!r}: expected a count >= 1")
        delay = _delay(opts, cmd)
        button = int(args.number(cmd, "button"))
        for i in range(int(repeat_raw)):
            if i and delay:
                await anyio.sleep(delay)
            await xin.button(button, True)
            await xin.button(button, False)
    elif cmd in ("mousedown", "mouseup"):
        await xin.button(int(args.number(cmd, "button")), cmd == "mousedown")
    elif cmd == "type":
        delay = _delay(args.options(cmd, {"--delay": True}), cmd)
        words = args.argv[args.i :]
        args.i = len(args.argv)
        if not words:
            raise _Usage("type: expected text to type")
        text = " ".join(words)
        if delay:
            for ch in text:
                await xin.type(ch)
                await anyio.sleep(delay)
        else:
            await xin.type(text)
    elif cmd == "key":
        delay = _delay(args.options(cmd, {"--delay": True}), cmd)
        for n, chord in enumerate(args.until_command(cmd)):
            if n and delay:
                await anyio.sleep(delay)
            await xin.key(chord)
    elif cmd in ("keydown", "keyup"):
        args.options(cmd, {"--delay": True})
        for chord in args.until_command(cmd):
            await xin.key_state(chord, cmd == "keydown")
    elif cmd == "sleep":
        seconds = args.number(cmd, "seconds", float)
        if not 0 <= seconds <= _MAX_SLEEP_S:
            raise _Usage(f"sleep: expected 0..{_MAX_SLEEP_S:g} seconds, got {seconds:g}")
        await anyio.sleep(seconds)
    elif cmd == "getmouselocation":
        shell = "--shell" in args.options(cmd, {"--shell": False})
        x, y = await xin.pointer()
        out.append(
            f"X={x}\nY={y}\nSCREEN=0\nWINDOW=0\n" if shell else f"x:{x} y:{y} screen:0 window:0\n"
        )
    else:  # getdisplaygeometry
        out.append(f"{xin.width} {xin.height}\n")
