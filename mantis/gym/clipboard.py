"""Reading the X ``CLIPBOARD`` selection, as an ordinary X client would.

A small unmapped window is the requestor. ``clear()`` makes that window the
selection owner, so ``read()`` can tell a fresh copy (another owner took the
selection) from a stale one, then asks the owner to convert the selection to
``UTF8_STRING`` onto a property of the window and reads it back.
"""

from __future__ import annotations

import threading
import time

import anyio

from mantis.errors import ComputerError

_POLL_S = 0.02


class Clipboard:
    """The CLIPBOARD selection of one X display."""

    def __init__(self, display_name: str):
        from Xlib import X
        from Xlib import display as xdisplay
        from Xlib.error import DisplayError

        try:
            self._d = xdisplay.Display(display_name)
        except (DisplayError, ConnectionError, OSError) as exc:
            raise ComputerError(f"cannot connect to X display {display_name}: {exc}") from exc
        self.display_name = display_name
        root = self._d.screen().root
        self._window = root.create_window(
            0, 0, 1, 1, 0, X.CopyFromParent, event_mask=X.PropertyChangeMask
        )
        self._clipboard = self._d.intern_atom("CLIPBOARD")
        self._utf8 = self._d.intern_atom("UTF8_STRING")
        self._target = self._d.intern_atom("MANTIS_SELECTION")
        self._lock = threading.Lock()
        self._closed = False
        self._d.sync()

    def _locked(self, fn):
        with self._lock:
            if self._closed:
                raise ComputerError(f"clipboard connection to {self.display_name} is closed")
            try:
                return fn()
            except (ConnectionError, OSError) as exc:
                raise ComputerError(f"X display {self.display_name} went away: {exc}") from exc

    async def clear(self) -> None:
        """Take the selection, so the next copy by any client is recognisable."""
        from Xlib import X

        def take() -> None:
            self._window.set_selection_owner(self._clipboard, X.CurrentTime)
            self._d.sync()

        await anyio.to_thread.run_sync(self._locked, take)

    async def wait_for_copy(self, timeout_s: float) -> bool:
        """True once another client owns the selection (something was copied since
        ``clear()``); False when ``timeout_s`` passes first."""
        from Xlib import X

        deadline = time.monotonic() + timeout_s

        def owner_is_other() -> bool:
            owner = self._d.get_selection_owner(self._clipboard)
            return owner != X.NONE and owner.id != self._window.id

        while not await anyio.to_thread.run_sync(self._locked, owner_is_other):
            if time.monotonic() > deadline:
                return False
            await anyio.sleep(_POLL_S)
        return True

    async def read(self, timeout_s: float = 2.0) -> str:
        """The selection's text once another client owns it; ``ComputerError`` on timeout."""
        from Xlib import X

        deadline = time.monotonic() + timeout_s
        if not await self.wait_for_copy(timeout_s):
            raise ComputerError("nothing was copied to the clipboard")

        def request() -> None:
            self._window.convert_selection(self._clipboard, self._utf8, self._target, X.CurrentTime)
            self._d.flush()

        await anyio.to_thread.run_sync(self._locked, request)
        while True:
            result = await anyio.to_thread.run_sync(self._locked, self._take_notify)
            if result is not None:
                return result
            if time.monotonic() > deadline:
                raise ComputerError("the clipboard owner did not answer the selection request")
            await anyio.sleep(_POLL_S)

    def _take_notify(self) -> str | None:
        """Drain events; the converted text when the SelectionNotify has arrived."""
        from Xlib import X

        while self._d.pending_events():
            event = self._d.next_event()
            if event.type != X.SelectionNotify:
                continue
            if event.property == X.NONE:
                raise ComputerError("the clipboard owner refused to convert the selection to text")
            prop = self._window.get_full_property(self._target, X.AnyPropertyType)
            self._window.delete_property(self._target)
            if prop is None:
                return ""
            value = prop.value
            return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)
        return None

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
