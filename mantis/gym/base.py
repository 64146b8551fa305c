"""The ``Computer`` seam and the data that crosses it.

Step handlers and brains only ever see ``Computer``. Screenshots stay raw
in-process (the capture's own BGRX bytes, or RGB) and are decoded or encoded
only at the edge, in the format the consumer needs.
"""

from __future__ import annotations

import functools
import io
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, Literal, Protocol

import msgspec

from mantis.errors import MantisError

if TYPE_CHECKING:
    from PIL import Image

    from mantis.brains.actions import Action
    from mantis.gym.providers import ProxyUpstream

ImageFormat = Literal["png", "jpeg", "webp"]
# How a screenshot's bytes are laid out: packed RGB, or the X server's 32-bit BGRX words.
PixelFormat = Literal["RGB", "BGRX"]
_BYTES_PER_PIXEL: dict[str, int] = {"RGB": 3, "BGRX": 4}

# Where a computer reports what happened to it (``browser_restarted``): kind, data.
EventSink = Callable[[str, dict[str, Any]], Awaitable[None]]


class Screenshot(msgspec.Struct, frozen=True, kw_only=True, dict=True):
    """A raw frame of the whole screen, row-major, in the layout it was captured in.

    Local captures keep the X server's BGRX words (4 bytes a pixel, the X byte
    ignored) so that taking a frame costs one copy out of the shared segment;
    frames built from images (the wire client, tests) are packed RGB. Pixels
    are only converted when a consumer asks for them: ``image()`` decodes with
    PIL's raw decoder (same pixels either way), ``rgb`` packs RGB bytes once
    and caches them, ``pixel`` reads one pixel in place.
    """

    width: int
    height: int
    data: bytes  # width * height * bytes_per_pixel bytes, row-major
    captured_at_ms: int
    scroll_y: int | None = None
    pixel_format: PixelFormat = "RGB"

    @property
    def bytes_per_pixel(self) -> int:
        return _BYTES_PER_PIXEL[self.pixel_format]

    def image(self) -> Image.Image:
        """The frame as an RGB ``PIL.Image`` (a fresh image the caller may modify)."""
        from PIL import Image

        return Image.frombuffer(
            "RGB", (self.width, self.height), self.data, "raw", self.pixel_format, 0, 1
        )

    @functools.cached_property
    def rgb(self) -> bytes:
        """Packed RGB bytes (``width * height * 3``); converted once, on first use."""
        if self.pixel_format == "RGB":
            return self.data
        return self.image().tobytes()

    def pixel(self, x: int, y: int) -> tuple[int, int, int]:
        """The (r, g, b) at ``x, y``, read in place."""
        bpp = self.bytes_per_pixel
        i = (y * self.width + x) * bpp
        if self.pixel_format == "BGRX":
            return self.data[i + 2], self.data[i + 1], self.data[i]
        return self.data[i], self.data[i + 1], self.data[i + 2]

    def rows_from(self, top: int) -> memoryview:
        """The raw bytes of rows ``top`` and below (no copy), for hashing and comparing."""
        return memoryview(self.data)[top * self.width * self.bytes_per_pixel :]

    def encode(self, fmt: ImageFormat = "png", quality: int = 80) -> bytes:
        buf = io.BytesIO()
        img = self.image()
        if fmt == "png":
            img.save(buf, format="PNG", compress_level=1)
        elif fmt == "jpeg":
            img.save(buf, format="JPEG", quality=quality)
        else:
            img.save(buf, format="WEBP", quality=quality)
        return buf.getvalue()

    @classmethod
    def from_image(cls, img: Image.Image, captured_at_ms: int = 0) -> Screenshot:
        rgb = img.convert("RGB")
        return cls(
            width=rgb.width, height=rgb.height, data=rgb.tobytes(), captured_at_ms=captured_at_ms
        )


class SessionSpec(msgspec.Struct, frozen=True, kw_only=True):
    """What a session needs: which profile directory, which run, what screen."""

    profile_dir: str
    run_id: str = ""
    viewport: tuple[int, int] = (1280, 720)
    start_url: str | None = None
    proxy_server: str | None = None  # a proxy Chromium can use as is (no credentials)
    upstream: ProxyUpstream | None = None  # a provider, reached through the auth-holder
    proxy_disabled: bool = False  # go direct even when a provider is configured
    allowed_domains: tuple[str, ...] = ()  # enforced by the auth-holder when non-empty
    enable_cdp: bool = False
    chrome_flags: tuple[str, ...] = ()


class SessionInfo(msgspec.Struct, frozen=True, kw_only=True):
    display: str
    chrome_pid: int
    width: int
    height: int
    content_top: int = 0  # y of the first page pixel below the browser's toolbar


class ActResult(msgspec.Struct, frozen=True, kw_only=True):
    ok: bool
    detail: str = ""


class XdotoolResult(msgspec.Struct, frozen=True, kw_only=True):
    """What an ``xdotool`` argv produced, as the xdotool binary would report it."""

    stdout: str = ""
    stderr: str = ""
    returncode: int = 0
    deduplicated: bool = False


class CdpUnavailable(MantisError):
    """A CDP call on a session that did not enable CDP."""

    status_code = 403


class Computer(Protocol):
    """A screen with a browser, a mouse and a keyboard."""

    async def open(self, spec: SessionSpec) -> SessionInfo: ...

    async def screenshot(self) -> Screenshot: ...

    async def act(self, action: Action) -> ActResult: ...

    async def xdotool(self, argv: list[str], step_id: str) -> XdotoolResult:
        """Interpret an xdotool argv; mistakes come back as ``returncode`` 1, not raised."""
        ...

    async def cdp(self, expression: str, step_id: str) -> str:
        """Evaluate ``expression`` in the page, JSON of the result; raises
        ``CdpUnavailable`` unless the session enabled CDP."""
        ...

    async def navigate(self, url: str) -> None: ...

    async def current_url(self) -> str: ...

    async def settle(self, floor_s: float = 0.15, ceiling_s: float = 3.0) -> float:
        """Wait until the screen stops changing; return the seconds spent."""
        ...

    async def close(self) -> None: ...
