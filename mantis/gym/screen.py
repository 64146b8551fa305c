"""The camera: screenshots of the root window, and waiting for the screen to settle.

Frames come through MIT-SHM (``mantis.gym.shm``, ~0.4 ms at 1280x720) when the
server offers it, else through a core ``GetImage`` (ZPixmap, 24-bit BGRX, ~13
ms) over a dedicated python-xlib connection. Either way the frame is kept as
captured, BGRX, in the ``Screenshot`` (one copy out of the shared segment,
~0.3 ms); pixels are decoded by PIL's raw decoder only when a consumer needs
them (``Screenshot.image()``, ~0.5 ms). ``settle`` compares consecutive
1/8-size grayscale frames and returns as soon as two in a row match (within a
tiny tolerance), between a floor and a ceiling; it never sleeps a fixed time.
"""

from __future__ import annotations

import threading
import time

import anyio

from mantis.errors import ComputerError
from mantis.gym.base import Screenshot
from mantis.gym.shm import ShmGrabber

_SETTLE_POLL_S = 0.06
_DIFF_LEVEL = 8  # a grey-level change below this in a downscaled pixel is noise
_DIFF_PIXELS = 0  # how many downscaled pixels may change between "equal" frames


class ScreenCapture:
    """Screenshots of one X display."""

    def __init__(self, display_name: str, *, use_shm: bool = True):
        from Xlib import display as xdisplay
        from Xlib.error import DisplayError

        try:
            self._d = xdisplay.Display(display_name)
        except (DisplayError, ConnectionError, OSError) as exc:
            raise ComputerError(f"cannot connect to X display {display_name}: {exc}") from exc
        screen = self._d.screen()
        if screen.root_depth != 24:
            self._d.close()
            raise ComputerError(f"expected a 24-bit display, got depth {screen.root_depth}")
        self.display_name = display_name
        self.width = screen.width_in_pixels
        self.height = screen.height_in_pixels
        self._root = screen.root
        self._lock = threading.Lock()
        self._closed = False
        self._shm = ShmGrabber.open(display_name) if use_shm else None
        if self._shm is not None and (self._shm.width, self._shm.height) != (
            self.width,
            self.height,
        ):
            self._shm.close()
            self._shm = None

    @property
    def method(self) -> str:
        """``shm`` or ``getimage``: how frames are fetched right now."""
        return "shm" if self._shm is not None else "getimage"

    def grab_sync(self) -> Screenshot:
        """One frame, blocking (call from a worker thread)."""
        from Xlib import X
        from Xlib.error import ConnectionClosedError

        with self._lock:
            if self._closed:
                raise ComputerError(f"screen connection to {self.display_name} is closed")
            if self._shm is not None:
                view = self._shm.grab_bgrx()
                if view is None:
                    raise ComputerError(
                        f"X display {self.display_name} went away (MIT-SHM grab failed)"
                    )
                # Copied under the lock: the view is the shared segment the next grab overwrites.
                data = bytes(view)
            else:
                try:
                    reply = self._root.get_image(
                        0, 0, self.width, self.height, X.ZPixmap, 0xFFFFFFFF
                    )
                except (ConnectionClosedError, ConnectionError, OSError) as exc:
                    raise ComputerError(f"X display {self.display_name} went away: {exc}") from exc
                data = reply.data
            stamp = int(time.time() * 1000)
        if len(data) != self.width * self.height * 4:
            raise ComputerError(
                f"unexpected frame size from {self.display_name}: {len(data)} bytes "
                f"for {self.width}x{self.height} at 32 bits a pixel"
            )
        return Screenshot(
            width=self.width,
            height=self.height,
            data=data,
            pixel_format="BGRX",
            captured_at_ms=stamp,
        )

    async def grab(self) -> Screenshot:
        return await anyio.to_thread.run_sync(self.grab_sync)

    def _thumb_sync(self) -> bytes:
        """A 1/8-size grayscale frame, for change detection."""
        return self.grab_sync().image().reduce(8).convert("L").tobytes()

    async def settle(self, floor_s: float = 0.15, ceiling_s: float = 3.0) -> float:
        """Wait until two consecutive thumbnails match, no sooner than ``floor_s`` and no
        later than ``ceiling_s``; return the seconds spent."""
        start = time.monotonic()
        previous = await anyio.to_thread.run_sync(self._thumb_sync)
        while True:
            elapsed = time.monotonic() - start
            if elapsed >= ceiling_s:
                return elapsed
            await anyio.sleep(min(_SETTLE_POLL_S, max(0.0, ceiling_s - elapsed)))
            current = await anyio.to_thread.run_sync(self._thumb_sync)
            stable = _similar(previous, current)
            previous = current
            if stable and time.monotonic() - start >= floor_s:
                return time.monotonic() - start

    def close(self) -> None:
        with self._lock:
            if self._closed:
                return
            self._closed = True
            if self._shm is not None:
                self._shm.close()
                self._shm = None
            from Xlib.error import ConnectionClosedError

            try:
                self._d.close()
            except (ConnectionClosedError, ConnectionError, OSError):
                pass  # the server is already gone; nothing left to release


def _similar(a: bytes, b: bytes) -> bool:
    if a == b:
        return True
    if len(a) != len(b):
        return False
    changed = 0
    for x, y in zip(a, b, strict=True):
        if abs(x - y) >= _DIFF_LEVEL:
            changed += 1
            if changed > _DIFF_PIXELS:
                return False
    return True
