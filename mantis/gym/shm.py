"""MIT-SHM screen capture through libX11/libXext via ctypes.

The X server writes the root window straight into a shared-memory segment
(``XShmGetImage``); a frame costs one round-trip and one memcpy instead of
streaming ~3.7 MB over the socket as ``GetImage`` does. The frame is BGRX and
stays BGRX: ``ScreenCapture`` copies it out of the segment as it is.

libX11's default I/O error path calls ``exit()`` when the server goes away.
Each connection therefore gets an ``XSetIOErrorExitHandler`` that only marks it
dead (libX11 >= 1.7 lets that handler return), and the process-wide
``XSetIOErrorHandler`` is replaced by one that returns quietly. A dead
connection is never used again; the caller falls back or reconnects.

``ShmGrabber.open`` returns None when the libraries or the extension are
missing, so the caller can use plain ``GetImage`` instead.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import threading
from typing import Any

log = logging.getLogger(__name__)

_ZPIXMAP = 2
_IPC_PRIVATE = 0
_IPC_CREAT = 0o1000
_IPC_RMID = 0
_ALL_PLANES = ctypes.c_ulong(-1 & 0xFFFFFFFFFFFFFFFF)


class _XImage(ctypes.Structure):
    _fields_ = [
        ("width", ctypes.c_int),
        ("height", ctypes.c_int),
        ("xoffset", ctypes.c_int),
        ("format", ctypes.c_int),
        ("data", ctypes.c_void_p),
        ("byte_order", ctypes.c_int),
        ("bitmap_unit", ctypes.c_int),
        ("bitmap_bit_order", ctypes.c_int),
        ("bitmap_pad", ctypes.c_int),
        ("depth", ctypes.c_int),
        ("bytes_per_line", ctypes.c_int),
        ("bits_per_pixel", ctypes.c_int),
        ("red_mask", ctypes.c_ulong),
        ("green_mask", ctypes.c_ulong),
        ("blue_mask", ctypes.c_ulong),
        ("obdata", ctypes.c_void_p),
        ("funcs", ctypes.c_void_p * 6),
    ]


class _ShmInfo(ctypes.Structure):
    _fields_ = [
        ("shmseg", ctypes.c_ulong),
        ("shmid", ctypes.c_int),
        ("shmaddr", ctypes.c_void_p),
        ("readOnly", ctypes.c_int),
    ]


_IOErrorHandler = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p)
_IOExitHandler = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_void_p)


class _Libs:
    """The three C libraries, loaded once; None when any is missing."""

    _instance: _Libs | None = None
    _tried = False
    _guard = threading.Lock()

    def __init__(self) -> None:
        x11 = ctypes.CDLL(ctypes.util.find_library("X11") or "libX11.so.6")
        xext = ctypes.CDLL(ctypes.util.find_library("Xext") or "libXext.so.6")
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        vp, i, ul = ctypes.c_void_p, ctypes.c_int, ctypes.c_ulong
        x11.XOpenDisplay.restype = vp
        x11.XOpenDisplay.argtypes = [ctypes.c_char_p]
        x11.XCloseDisplay.argtypes = [vp]
        x11.XDefaultScreen.argtypes = [vp]
        x11.XRootWindow.restype = ul
        x11.XRootWindow.argtypes = [vp, i]
        x11.XDefaultVisual.restype = vp
        x11.XDefaultVisual.argtypes = [vp, i]
        x11.XDefaultDepth.argtypes = [vp, i]
        x11.XDisplayWidth.argtypes = [vp, i]
        x11.XDisplayHeight.argtypes = [vp, i]
        x11.XSync.argtypes = [vp, i]
        x11.XDestroyImage.argtypes = [ctypes.POINTER(_XImage)]
        x11.XSetIOErrorExitHandler.argtypes = [vp, _IOExitHandler, vp]
        x11.XSetIOErrorHandler.restype = vp
        x11.XSetIOErrorHandler.argtypes = [_IOErrorHandler]
        xext.XShmQueryExtension.argtypes = [vp]
        xext.XShmCreateImage.restype = ctypes.POINTER(_XImage)
        xext.XShmCreateImage.argtypes = [
            vp,
            vp,
            ctypes.c_uint,
            i,
            vp,
            vp,
            ctypes.c_uint,
            ctypes.c_uint,
        ]
        xext.XShmAttach.argtypes = [vp, vp]
        xext.XShmDetach.argtypes = [vp, vp]
        xext.XShmGetImage.argtypes = [vp, ul, ctypes.POINTER(_XImage), i, i, ul]
        libc.shmget.argtypes = [i, ctypes.c_size_t, i]
        libc.shmat.restype = vp
        libc.shmat.argtypes = [i, vp, i]
        libc.shmdt.argtypes = [vp]
        libc.shmctl.argtypes = [i, i, vp]
        self.x11, self.xext, self.libc = x11, xext, libc
        # Process-wide: a returning handler lets the per-connection exit handler decide.
        self._quiet = _IOErrorHandler(lambda _dpy: 0)
        x11.XSetIOErrorHandler(self._quiet)

    @classmethod
    def get(cls) -> _Libs | None:
        with cls._guard:
            if not cls._tried:
                cls._tried = True
                try:
                    cls._instance = cls()
                except (OSError, AttributeError) as exc:
                    log.info("MIT-SHM capture unavailable (%s); using GetImage", exc)
            return cls._instance


class ShmGrabber:
    """One libX11 connection with one shared-memory XImage of the whole root window.

    Not thread safe: the caller serialises ``grab_bgrx`` and ``close``.
    """

    def __init__(self, libs: _Libs, dpy: int, width: int, height: int):
        self._libs = libs
        self._dpy: int | None = dpy
        self.width = width
        self.height = height
        self.dead = False
        self._image: Any = None
        self._info = _ShmInfo()
        # Kept referenced: libX11 calls it after our Python frame is gone.
        self._on_io_error = _IOExitHandler(self._mark_dead)
        libs.x11.XSetIOErrorExitHandler(dpy, self._on_io_error, None)

    def _mark_dead(self, _dpy: int, _data: int) -> None:
        self.dead = True

    @classmethod
    def open(cls, display_name: str) -> ShmGrabber | None:
        """A grabber for ``display_name``, or None when MIT-SHM cannot be used there."""
        libs = _Libs.get()
        if libs is None:
            return None
        x11, xext, libc = libs.x11, libs.xext, libs.libc
        dpy = x11.XOpenDisplay(display_name.encode())
        if not dpy:
            return None
        screen = x11.XDefaultScreen(dpy)
        width, height = x11.XDisplayWidth(dpy, screen), x11.XDisplayHeight(dpy, screen)
        grabber = cls(libs, dpy, width, height)
        if not xext.XShmQueryExtension(dpy) or x11.XDefaultDepth(dpy, screen) != 24:
            grabber.close()
            return None
        image = xext.XShmCreateImage(
            dpy,
            x11.XDefaultVisual(dpy, screen),
            24,
            _ZPIXMAP,
            None,
            ctypes.byref(grabber._info),
            width,
            height,
        )
        if not image or image.contents.bits_per_pixel != 32:
            grabber.close()
            return None
        grabber._image = image
        size = image.contents.bytes_per_line * height
        shmid = libc.shmget(_IPC_PRIVATE, size, _IPC_CREAT | 0o600)
        if shmid < 0:
            grabber.close()
            return None
        addr = libc.shmat(shmid, None, 0)
        if addr in (None, ctypes.c_void_p(-1).value):
            libc.shmctl(shmid, _IPC_RMID, None)
            grabber.close()
            return None
        grabber._info.shmid = shmid
        grabber._info.shmaddr = addr
        grabber._info.readOnly = 0
        image.contents.data = addr
        attached = xext.XShmAttach(dpy, ctypes.byref(grabber._info))
        x11.XSync(dpy, 0)
        # Marked for removal now: the kernel frees it once both sides detach, even after a crash.
        libc.shmctl(shmid, _IPC_RMID, None)
        if not attached or grabber.dead:
            grabber.close()
            return None
        return grabber

    def grab_bgrx(self) -> memoryview | None:
        """The root window as BGRX (``width*4`` bytes per row), or None once the server is
        gone. The view is the shared segment itself: valid until the next grab."""
        if self.dead or self._dpy is None or self._image is None:
            return None
        ok = self._libs.xext.XShmGetImage(
            self._dpy, self._libs.x11.XRootWindow(self._dpy, 0), self._image, 0, 0, _ALL_PLANES
        )
        if not ok or self.dead:
            self.dead = True
            return None
        contents = self._image.contents
        size = contents.bytes_per_line * self.height
        return memoryview((ctypes.c_char * size).from_address(contents.data)).cast("B")

    def close(self) -> None:
        """Release the segment and the connection. Idempotent; safe after the server died."""
        dpy, self._dpy = self._dpy, None
        if dpy is None:
            return
        libs = self._libs
        if self._info.shmaddr:
            if not self.dead:
                libs.xext.XShmDetach(dpy, ctypes.byref(self._info))
            libs.libc.shmdt(self._info.shmaddr)
            self._info.shmaddr = None
        if self._image is not None:
            self._image.contents.data = None  # the segment is ours to free, not libX11's
            libs.x11.XDestroyImage(self._image)
            self._image = None
        if not self.dead:
            libs.x11.XCloseDisplay(dpy)
        # A dead connection is left unclosed: closing it would only raise the I/O error again.
