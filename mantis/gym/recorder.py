"""Screencasts: sample a computer's screen at a fixed rate into an ffmpeg subprocess.

:class:`ScreenRecorder` takes ``computer.screenshot()`` every ``1 / fps`` seconds
while it runs and pipes the raw pixels (``-f rawvideo``, ``bgr0`` for the X
server's BGRX words, ``rgb24`` for packed RGB) to ``ffmpeg``, which writes
``video_raw.<ext>`` at a constant frame rate: when a capture takes longer than
one interval the last frame is repeated, so the raw video keeps wall-clock time.
:meth:`ScreenRecorder.finish` then makes the polished ``video.<ext>`` — identical
frames dropped (``mpdecimate``, variable frame rate), ``+faststart`` for mp4, an
optimised palette for gif — written to a temporary name and renamed into place.

Frames whose size differs from the first one (a resized window) are scaled to
it. Errors are raised to the caller, which decides what a failed recording means.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any, Literal

import anyio
from anyio.abc import Process

from mantis.gym.base import Screenshot

log = logging.getLogger(__name__)

VideoFormat = Literal["mp4", "webm", "gif"]
VIDEO_FORMATS: tuple[VideoFormat, ...] = ("mp4", "webm", "gif")
MIME_TYPES: dict[str, str] = {"mp4": "video/mp4", "webm": "video/webm", "gif": "image/gif"}
MAX_CATCH_UP_FRAMES = 300  # after a long stall, repeat at most this many frames

_EVEN = "pad=ceil(iw/2)*2:ceil(ih/2)*2"  # yuv420p needs even dimensions
_ENCODE: dict[str, list[str]] = {
    "mp4": ["-vf", _EVEN, "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p"],
    "webm": [
        *("-vf", _EVEN, "-c:v", "libvpx", "-deadline", "realtime", "-cpu-used", "8"),
        *("-b:v", "2M", "-pix_fmt", "yuv420p"),
    ],
    "gif": ["-f", "gif"],
}
_POLISH: dict[str, list[str]] = {
    "mp4": [
        *("-vf", "mpdecimate", "-fps_mode", "vfr", "-c:v", "libx264", "-preset", "veryfast"),
        *("-pix_fmt", "yuv420p", "-movflags", "+faststart", "-f", "mp4"),
    ],
    "webm": [
        *("-vf", "mpdecimate", "-fps_mode", "vfr", "-c:v", "libvpx", "-b:v", "2M"),
        *("-deadline", "good", "-cpu-used", "4", "-f", "webm"),
    ],
    "gif": [
        *("-filter_complex", "mpdecimate,split[a][b];[a]palettegen[p];[b][p]paletteuse"),
        *("-fps_mode", "vfr", "-f", "gif"),
    ],
}


class RecordingError(Exception):
    """ffmpeg is missing, refused the input, or died while recording."""


def ffmpeg_path() -> str:
    found = shutil.which("ffmpeg")
    if found is None:
        raise RecordingError("ffmpeg is not installed (apt-get install ffmpeg)")
    return found


class ScreenRecorder:
    """Records ``computer`` into ``out_dir/video_raw.<fmt>``; ``finish`` polishes it."""

    def __init__(self, computer: Any, out_dir: Path, fmt: VideoFormat = "mp4", fps: int = 5):
        if fmt not in VIDEO_FORMATS:
            raise ValueError(f"video format: expected one of {VIDEO_FORMATS}, got {fmt!r}")
        if not 1 <= fps <= 30:
            raise ValueError(f"video fps: expected 1-30, got {fps}")
        self.computer = computer
        self.fmt = fmt
        self.fps = fps
        self.raw_path = out_dir / f"video_raw.{fmt}"
        self.path = out_dir / f"video.{fmt}"
        self.frames = 0
        self._proc: Process | None = None
        self._size: tuple[int, int] | None = None
        self._pixfmt = ""

    @property
    def mime_type(self) -> str:
        return MIME_TYPES[self.fmt]

    async def run(self) -> None:
        """Sample until cancelled; the caller cancels and then calls :meth:`finish`."""
        interval = 1.0 / self.fps
        start = time.monotonic()
        last: bytes | None = None
        while True:
            shot = await self.computer.screenshot()
            frame = await self._frame(shot)
            due = int((time.monotonic() - start) / interval) + 1  # frames the clock asks for
            repeat = min(max(1, due - self.frames), MAX_CATCH_UP_FRAMES)
            if last is not None and repeat > 1:
                for _ in range(repeat - 1):
                    await self._write(last)
            await self._write(frame)
            last = frame
            next_at = start + self.frames * interval
            await anyio.sleep(max(0.0, next_at - time.monotonic()))

    async def _frame(self, shot: Screenshot) -> bytes:
        size = (shot.width, shot.height)
        if self._proc is None:
            self._size = size
            self._pixfmt = "bgr0" if shot.pixel_format == "BGRX" else "rgb24"
            self._proc = await self._spawn(size)
        if size == self._size and (shot.pixel_format == "BGRX") == (self._pixfmt == "bgr0"):
            return shot.data
        assert self._size is not None
        img = shot.image().resize(self._size)
        if self._pixfmt == "rgb24":
            return img.tobytes()
        return img.convert("RGBX").tobytes("raw", "BGRX")

    async def _spawn(self, size: tuple[int, int]) -> Process:
        self.raw_path.parent.mkdir(parents=True, exist_ok=True)
        argv = [
            ffmpeg_path(),
            *("-hide_banner", "-loglevel", "error", "-y"),
            *("-f", "rawvideo", "-pix_fmt", self._pixfmt, "-s", f"{size[0]}x{size[1]}"),
            *("-framerate", str(self.fps), "-i", "-"),
            *_ENCODE[self.fmt],
            str(self.raw_path),
        ]
        return await anyio.open_process(
            argv, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )

    async def _write(self, frame: bytes) -> None:
        assert self._proc is not None and self._proc.stdin is not None
        try:
            await self._proc.stdin.send(frame)
        except (anyio.BrokenResourceError, anyio.ClosedResourceError, OSError) as exc:
            raise RecordingError(f"ffmpeg stopped taking frames: {await self._stderr()}") from exc
        self.frames += 1

    async def _stderr(self) -> str:
        if self._proc is None or self._proc.stderr is None:
            return ""
        with anyio.move_on_after(2), contextlib.suppress(Exception):
            return (await self._proc.stderr.receive(65536)).decode(errors="replace").strip()
        return ""

    async def finish(self) -> Path | None:
        """Close the raw capture and write the polished video; None when nothing was captured."""
        proc, self._proc = self._proc, None
        if proc is None:
            return None
        with anyio.CancelScope(shield=True):
            if proc.stdin is not None:
                with contextlib.suppress(Exception):
                    await proc.stdin.aclose()
            with anyio.move_on_after(60):
                await proc.wait()
            if proc.returncode is None:
                proc.kill()
                await proc.wait()
                raise RecordingError("ffmpeg did not finish the raw capture within 60 s")
            if proc.returncode != 0:
                raise RecordingError(f"ffmpeg failed ({proc.returncode}): {await self._tail(proc)}")
            await self._polish()
        return self.path

    @staticmethod
    async def _tail(proc: Process) -> str:
        if proc.stderr is None:
            return ""
        with anyio.move_on_after(2), contextlib.suppress(Exception):
            return (await proc.stderr.receive(65536)).decode(errors="replace").strip()
        return ""

    async def _polish(self) -> None:
        tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
        argv = [
            ffmpeg_path(),
            *("-hide_banner", "-loglevel", "error", "-y", "-i", str(self.raw_path)),
            *_POLISH[self.fmt],
            str(tmp),
        ]
        try:
            result = await anyio.run_process(argv, check=False)
            if result.returncode != 0 or not tmp.is_file() or tmp.stat().st_size == 0:
                err = result.stderr.decode(errors="replace").strip()[-500:]
                raise RecordingError(f"ffmpeg could not polish the video: {err}")
            os.replace(tmp, self.path)
        finally:
            tmp.unlink(missing_ok=True)
