"""Live view: an in-process hub of JPEG frames of the displays of running jobs.

A running job owns one :class:`Feed` (``FrameHub.open``) and feeds it with
:func:`feed_screen`, which captures the display only while someone watches, at
``LIVE_FPS``. ``GET /v1/runs/{id}/live.mjpeg`` subscribes with
:meth:`Feed.frames`, which yields each new frame once and ends when the job
closes the feed (the run paused past its hold, or ended).

Viewer tokens: a run submitted with ``live_viewer: true`` gets a random token;
``viewer_url`` (status while running, and ``viewer.json`` in the run dir)
carries it so the stream opens without ``X-Mantis-Token`` (an ``<img src>``).
"""

from __future__ import annotations

import hmac
import logging
import secrets
from collections.abc import AsyncIterator
from typing import Any

import anyio

log = logging.getLogger(__name__)

LIVE_FPS = 2.0
JPEG_QUALITY = 70
BOUNDARY = "mantisframe"
MEDIA_TYPE = f"multipart/x-mixed-replace; boundary={BOUNDARY}"


def new_viewer_token() -> str:
    return secrets.token_urlsafe(24)


def viewer_token_ok(presented: str | None, stored: str | None) -> bool:
    if not presented or not stored:
        return False
    return hmac.compare_digest(presented.encode(), stored.encode())


def viewer_url(run_id: str, token: str) -> str:
    return f"/v1/runs/{run_id}/live.mjpeg?viewer_token={token}"


class Feed:
    """The latest frame of one run's display, and who is waiting for the next one."""

    def __init__(self) -> None:
        self.jpeg: bytes | None = None
        self.seq = 0
        self.viewers = 0
        self.closed = False
        self._changed = anyio.Event()
        self._watched = anyio.Event()

    def publish(self, jpeg: bytes) -> None:
        self.jpeg = jpeg
        self.seq += 1
        self._wake()

    def close(self) -> None:
        self.closed = True
        self._wake()
        self._watched.set()

    def _wake(self) -> None:
        self._changed.set()
        self._changed = anyio.Event()

    async def wait_watched(self) -> None:
        """Return once at least one viewer is subscribed (or the feed closed)."""
        while self.viewers == 0 and not self.closed:
            self._watched = anyio.Event()
            await self._watched.wait()

    async def frames(self) -> AsyncIterator[bytes]:
        """Each new frame once, from the current one on, until the feed closes."""
        self.viewers += 1
        self._watched.set()
        seen = 0
        try:
            while not self.closed:
                if self.jpeg is not None and self.seq != seen:
                    seen = self.seq
                    yield self.jpeg
                    continue
                await self._changed.wait()
        finally:
            self.viewers -= 1


class FrameHub:
    """run id → :class:`Feed` of the runs that have a display right now."""

    def __init__(self) -> None:
        self._feeds: dict[str, Feed] = {}
        self._opened: anyio.Event | None = None  # made in the event loop, on first wait

    def open(self, run_id: str) -> Feed:
        feed = self._feeds.get(run_id)
        if feed is None or feed.closed:
            feed = self._feeds[run_id] = Feed()
        if self._opened is not None:
            self._opened.set()
            self._opened = None
        return feed

    def get(self, run_id: str) -> Feed | None:
        feed = self._feeds.get(run_id)
        return None if feed is None or feed.closed else feed

    async def wait_open(self, run_id: str, timeout_s: float) -> Feed | None:
        """The run's feed, waiting up to ``timeout_s`` for its job to open one."""
        with anyio.move_on_after(timeout_s):
            while (feed := self.get(run_id)) is None:
                if self._opened is None:
                    self._opened = anyio.Event()
                await self._opened.wait()
            return feed
        return None

    def close(self, run_id: str) -> None:
        feed = self._feeds.pop(run_id, None)
        if feed is not None:
            feed.close()


async def feed_screen(computer: Any, feed: Feed, fps: float = LIVE_FPS) -> None:
    """Capture ``computer`` into ``feed`` while it has viewers; runs until cancelled."""
    interval = 1.0 / fps
    failures = 0
    while not feed.closed:
        await feed.wait_watched()
        if feed.closed:
            return
        try:
            shot = await computer.screenshot()
            jpeg = await anyio.to_thread.run_sync(shot.encode, "jpeg", JPEG_QUALITY)
        except Exception as exc:  # a capture glitch must not end the job
            failures += 1
            if failures in (1, 100):
                log.warning("live view: capture failed (%s)", exc)
        else:
            failures = 0
            feed.publish(jpeg)
        await anyio.sleep(interval)


def multipart(frames: AsyncIterator[bytes]) -> AsyncIterator[bytes]:
    """The ``multipart/x-mixed-replace`` body: one JPEG part per frame."""

    async def parts() -> AsyncIterator[bytes]:
        async for jpeg in frames:
            head = (
                f"--{BOUNDARY}\r\nContent-Type: image/jpeg\r\nContent-Length: {len(jpeg)}\r\n\r\n"
            ).encode()
            yield head + jpeg + b"\r\n"

    return parts()
