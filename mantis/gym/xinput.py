"""Mouse and keyboard over XTest, through python-xlib (no ``xdotool`` process).

One ``XInput`` owns one Xlib connection to one display. Xlib connections are
not thread safe, so every round-trip runs in a worker thread under a lock; the
async methods are the public face, the ``_sync`` helpers run in that thread.
Every action ends with a round-trip to the server (``display.sync()``, a
``GetInputFocus``) so it has landed before the call returns.

Short actions (a move, a single click, a wheel, a mapped key chord) skip the
worker thread when the connection is free: their few requests and the sync are
sent from the event loop and the loop waits at most ``_INLINE_WAIT_S`` for the
sync's reply (normally ~0.05 ms); a server slower than that gets the rest of
the wait in a worker thread, so a busy or hung X server never stalls the loop
for longer. The thread hop alone (~0.1-0.15 ms, much more under load) is most
of a click's cost otherwise.

Typing: a character whose keysym is in the keymap (unshifted or shifted level)
is typed with that keycode; any other character is typed by binding its
keysym to a spare (symbol-less) keycode, as xdotool does. The text is split
into runs that need at most one spare per distinct missing character; for
each run the spares are bound, the keys pressed, and the spares emptied again.
Clients re-read the keymap only after they are told it changed, so a short
grace (``_REMAP_GRACE_S``) separates binding from use and use from unbinding;
without it Chromium translates the keycodes with the stale keymap and drops
the characters.
"""

from __future__ import annotations

import select
import threading
from collections.abc import Callable
from functools import partial
from typing import Any, Literal, TypeVar

import anyio

from mantis.errors import ComputerError
from mantis.gym.keys import SHIFT_L, char_keysym, key_keysym, parse_chord

T = TypeVar("T")
Button = Literal["left", "middle", "right"]

_REMAP_GRACE_S = 0.05
_INLINE_WAIT_S = 0.001  # the most a quick action's sync may hold up the event loop
_CLICK_GAP_MS = 30

_BUTTONS: dict[str, int] = {"left": 1, "middle": 2, "right": 3}
_WHEEL: dict[str, int] = {"up": 4, "down": 5, "left": 6, "right": 7}


class XInput:
    """XTest mouse and keyboard on one X display."""

    def __init__(self, display_name: str):
        from Xlib import display as xdisplay
        from Xlib.error import DisplayError

        try:
            self._d = xdisplay.Display(display_name)
        except (DisplayError, ConnectionError, OSError) as exc:
            raise ComputerError(f"cannot connect to X display {display_name}: {exc}") from exc
        if not self._d.has_extension("XTEST"):
            self._d.close()
            raise ComputerError(f"X display {display_name} lacks the XTEST extension")
        self.display_name = display_name
        screen = self._d.screen()
        self.width = screen.width_in_pixels
        self.height = screen.height_in_pixels
        self._lock = threading.Lock()
        self._keymap_lock = anyio.Lock()
        self._closed = False
        self._keymap: dict[int, tuple[int, int]] = {}  # keysym → (keycode, level 0/1)
        self._spare: list[int] = []
        self._load_keymap()

    # -- plumbing -------------------------------------------------------------------------

    async def _run(self, fn: Callable[[], T]) -> T:
        return await anyio.to_thread.run_sync(partial(self._locked, fn))

    def _locked(self, fn: Callable[[], T]) -> T:
        from Xlib.error import ConnectionClosedError

        with self._lock:
            if self._closed:
                raise ComputerError(f"input connection to {self.display_name} is closed")
            try:
                result = fn()
                self._d.sync()
            except (ConnectionClosedError, ConnectionError, OSError) as exc:
                raise ComputerError(f"X display {self.display_name} went away: {exc}") from exc
            return result

    async def _run_quick(self, fn: Callable[[], None]) -> None:
        """``fn`` plus the sync, from the event loop when that is quick (see the module
        docstring); otherwise, or when another action holds the connection, as ``_run``."""
        from Xlib.error import ConnectionClosedError
        from Xlib.protocol import request

        if not self._lock.acquire(blocking=False):
            await self._run(fn)
            return
        pending = None
        try:
            if self._closed:
                raise ComputerError(f"input connection to {self.display_name} is closed")
            try:
                fn()
                sync = request.GetInputFocus(display=self._d.display, defer=True)
                self._d.flush()
                ready, _, _ = select.select([self._d.fileno()], [], [], _INLINE_WAIT_S)
                if ready:
                    sync.reply()
                    return
            except (ConnectionClosedError, ConnectionError, OSError, ValueError) as exc:
                raise ComputerError(f"X display {self.display_name} went away: {exc}") from exc
            pending = sync
        finally:
            if pending is None:
                self._lock.release()
        await anyio.to_thread.run_sync(self._finish_sync, pending)

    def _finish_sync(self, sync: Any) -> None:
        """Wait for a quick action's sync reply in a worker thread, then free the lock."""
        from Xlib.error import ConnectionClosedError

        try:
            sync.reply()
        except (ConnectionClosedError, ConnectionError, OSError) as exc:
            raise ComputerError(f"X display {self.display_name} went away: {exc}") from exc
        finally:
            self._lock.release()

    def close(self) -> None:
        with self._lock:
            if self._closed:
                return
            self._closed = True
            from Xlib.error import ConnectionClosedError

            try:
                self._d.close()
            except (ConnectionClosedError, ConnectionError, OSError):
                pass  # the server is already gone; nothing left to release

    def _load_keymap(self) -> None:
        info = self._d.display.info
        first, last = info.min_keycode, info.max_keycode
        rows = self._d.get_keyboard_mapping(first, last - first + 1)
        keymap: dict[int, tuple[int, int]] = {}
        spare: list[int] = []
        for offset, syms in enumerate(rows):
            code = first + offset
            if not any(syms):
                spare.append(code)
                continue
            for level in (0, 1):
                if level < len(syms) and syms[level] and syms[level] not in keymap:
                    keymap[syms[level]] = (code, level)
        # Keycode 8 is never generated by real keyboards and some clients ignore it.
        self._spare = [c for c in spare if c != 8]
        self._keymap = keymap

    # -- primitives (worker thread, lock held) --------------------------------------------

    def _fake(self, event: int, detail: int = 0, x: int = 0, y: int = 0, delay_ms: int = 0) -> None:
        """One XTest event; ``delay_ms`` makes the server wait before processing it."""
        from Xlib.ext import xtest

        if event == 6:  # MotionNotify: absolute position on screen 0
            xtest.fake_input(self._d, event, x=x, y=y, time=delay_ms)
        else:
            xtest.fake_input(self._d, event, detail, time=delay_ms)

    def _motion(self, x: int, y: int) -> None:
        from Xlib import X

        self._fake(X.MotionNotify, x=x, y=y)

    def _button(self, button: int, press: bool, delay_ms: int = 0) -> None:
        from Xlib import X

        self._fake(X.ButtonPress if press else X.ButtonRelease, button, delay_ms=delay_ms)

    def _keycode(self, code: int, press: bool) -> None:
        from Xlib import X

        self._fake(X.KeyPress if press else X.KeyRelease, code)

    def _bind(self, keysyms: list[int]) -> dict[int, int]:
        """Bind each keysym to its own spare keycode; return keysym → keycode."""
        bound = {}
        for keysym, code in zip(keysyms, self._spare, strict=False):
            self._d.change_keyboard_mapping(code, [(keysym, keysym)])
            bound[keysym] = code
        return bound

    def _unbind(self, bound: dict[int, int]) -> None:
        for code in bound.values():
            self._d.change_keyboard_mapping(code, [(0, 0)])

    def _press_keysyms(self, keysyms: list[int], bound: dict[int, int]) -> None:
        shift = self._keymap[SHIFT_L][0]
        for keysym in keysyms:
            hit = self._keymap.get(keysym)
            code, shifted = (hit[0], hit[1] == 1) if hit else (bound[keysym], False)
            if shifted:
                self._keycode(shift, True)
            self._keycode(code, True)
            self._keycode(code, False)
            if shifted:
                self._keycode(shift, False)

    # -- sync bodies ----------------------------------------------------------------------

    def _click_sync(self, x: int, y: int, button: int, count: int) -> None:
        self._motion(x, y)
        for i in range(count):
            # Clicks with identical timestamps are not counted as a double click by
            # Chromium; a short server-side gap between them is what a hand makes anyway.
            self._button(button, True, _CLICK_GAP_MS if i else 0)
            self._button(button, False)

    def _drag_sync(self, x1: int, y1: int, x2: int, y2: int, steps: int) -> None:
        self._motion(x1, y1)
        self._button(1, True)
        self._d.sync()
        for i in range(1, steps + 1):
            self._motion(round(x1 + (x2 - x1) * i / steps), round(y1 + (y2 - y1) * i / steps))
            self._d.sync()
        self._button(1, False)

    def _scroll_sync(self, button: int, amount: int, x: int | None, y: int | None) -> None:
        if x is not None and y is not None:
            self._motion(x, y)
        for _ in range(amount):
            self._button(button, True)
            self._button(button, False)

    def _chord_sync(self, mod_names: list[str], keysym: int, bound: dict[int, int]) -> None:
        from Xlib import XK

        mods = [self._keymap[XK.string_to_keysym(name)][0] for name in mod_names]
        hit = self._keymap.get(keysym)
        code, shifted = (hit[0], hit[1] == 1) if hit else (bound[keysym], False)
        shift = self._keymap[SHIFT_L][0]
        if shifted and shift not in mods:
            mods.append(shift)
        for m in mods:
            self._keycode(m, True)
        self._keycode(code, True)
        self._keycode(code, False)
        for m in reversed(mods):
            self._keycode(m, False)

    # -- public async API -----------------------------------------------------------------

    def _check_point(self, x: int, y: int) -> None:
        if not (0 <= x < self.width and 0 <= y < self.height):
            raise ComputerError(
                f"expected a point inside the {self.width}x{self.height} screen, got ({x}, {y})"
            )

    async def move(self, x: int, y: int) -> None:
        self._check_point(x, y)
        await self._run_quick(partial(self._motion, x, y))

    async def click(self, x: int, y: int, button: Button = "left", count: int = 1) -> None:
        self._check_point(x, y)
        if button not in _BUTTONS:
            raise ComputerError(f"expected button left, middle or right, got {button!r}")
        act = partial(self._click_sync, x, y, _BUTTONS[button], count)
        # A double click waits server-side between its clicks: no point trying inline.
        await (self._run_quick(act) if count == 1 else self._run(act))

    async def double_click(self, x: int, y: int) -> None:
        await self.click(x, y, "left", 2)

    async def drag(self, x1: int, y1: int, x2: int, y2: int, steps: int = 8) -> None:
        self._check_point(x1, y1)
        self._check_point(x2, y2)
        await self._run(partial(self._drag_sync, x1, y1, x2, y2, max(1, steps)))

    async def scroll(
        self,
        direction: Literal["up", "down", "left", "right"],
        amount: int = 3,
        x: int | None = None,
        y: int | None = None,
    ) -> None:
        if direction not in _WHEEL:
            raise ComputerError(f"expected direction up, down, left or right, got {direction!r}")
        if x is not None and y is not None:
            self._check_point(x, y)
        await self._run_quick(partial(self._scroll_sync, _WHEEL[direction], max(0, amount), x, y))

    async def key(self, chord: str) -> None:
        """Press a key or chord: ``Return``, ``ctrl+l``, ``ctrl+shift+t``, ``esc``."""
        mod_names, key = parse_chord(chord)
        keysym = key_keysym(key)
        async with self._keymap_lock:
            if keysym in self._keymap:
                await self._run_quick(partial(self._chord_sync, mod_names, keysym, {}))
                return
            bound = await self._bind_for_use([keysym])
            try:
                await self._run(partial(self._chord_sync, mod_names, keysym, bound))
            finally:
                await self._unbind_after_use(bound)

    async def type(self, text: str) -> None:
        """Type arbitrary Unicode text (``\\n`` presses Return, ``\\t`` Tab)."""
        keysyms = [char_keysym(c) for c in text if c != "\r"]
        async with self._keymap_lock:
            for chunk, unmapped in self._chunks(keysyms):
                if not unmapped:
                    await self._run(partial(self._press_keysyms, chunk, {}))
                    continue
                bound = await self._bind_for_use(unmapped)
                try:
                    await self._run(partial(self._press_keysyms, chunk, bound))
                finally:
                    await self._unbind_after_use(bound)

    def _chunks(self, keysyms: list[int]) -> list[tuple[list[int], list[int]]]:
        """Split keysyms into runs needing at most one spare keycode each per distinct
        unmapped keysym; each run comes with its unmapped keysyms."""
        if not self._spare and any(k not in self._keymap for k in keysyms):
            raise ComputerError("the keymap has no spare keycode to type an unmapped character")
        chunks: list[tuple[list[int], list[int]]] = []
        chunk: list[int] = []
        unmapped: list[int] = []
        for keysym in keysyms:
            if keysym not in self._keymap and keysym not in unmapped:
                if len(unmapped) == len(self._spare):
                    chunks.append((chunk, unmapped))
                    chunk, unmapped = [], []
                unmapped.append(keysym)
            chunk.append(keysym)
        if chunk:
            chunks.append((chunk, unmapped))
        return chunks

    async def _bind_for_use(self, keysyms: list[int]) -> dict[int, int]:
        bound = await self._run(partial(self._bind, keysyms))
        # Clients re-read the keymap when told it changed; give them that moment before
        # the new keycodes arrive, or they translate them with the old (empty) mapping.
        await anyio.sleep(_REMAP_GRACE_S)
        return bound

    async def _unbind_after_use(self, bound: dict[int, int]) -> None:
        with anyio.CancelScope(shield=True):
            # Likewise let clients translate the keystrokes before the symbols vanish.
            await anyio.sleep(_REMAP_GRACE_S)
            await self._run(partial(self._unbind, bound))

    async def button(self, number: int, press: bool) -> None:
        """Press or release X button ``number`` (1-3 mouse, 4-7 wheel, 8-9 extra) in place."""
        if not 1 <= number <= 9:
            raise ComputerError(f"expected a button number 1..9, got {number}")
        await self._run_quick(partial(self._button, number, press))

    async def key_state(self, chord: str, press: bool) -> None:
        """Hold (``press``) or release every key of a chord, modifiers first on the way down."""
        from Xlib import XK

        mod_names, key = parse_chord(chord)
        keysym = key_keysym(key)
        if keysym not in self._keymap:
            raise ComputerError(
                f"expected a key on the keyboard map for keydown/keyup, got {key!r}"
            )
        codes = [self._keymap[XK.string_to_keysym(n)][0] for n in mod_names]
        codes.append(self._keymap[keysym][0])

        def send() -> None:
            for code in codes if press else reversed(codes):
                self._keycode(code, press)

        await self._run_quick(send)

    async def focus_window(self, window: int) -> None:
        """Give ``window`` the X keyboard focus (there is no window manager to do it)."""
        from Xlib import X

        def focus() -> None:
            target = self._d.create_resource_object("window", window)
            target.set_input_focus(X.RevertToPointerRoot, X.CurrentTime)

        await self._run(focus)

    async def pointer(self) -> tuple[int, int]:
        def query() -> tuple[int, int]:
            reply = self._d.screen().root.query_pointer()
            return reply.root_x, reply.root_y

        return await self._run(query)
