"""What a running job captures of its display besides the plan's own work.

:func:`run_capture` wraps the part of a job that has an open computer: it feeds
the live view (:mod:`mantis.server.live`) and, with ``record_video``, records
the screencast (:mod:`mantis.gym.recorder`). Neither may fail the run: a
recording error is logged and becomes a ``recording_failed`` event, and the run
carries on without a video.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import anyio

from mantis.gym.recorder import MIME_TYPES, RecordingError, ScreenRecorder, VideoFormat
from mantis.runner.results import Artifact
from mantis.server.live import FrameHub, feed_screen
from mantis.server.store import RunRow

log = logging.getLogger(__name__)

Emit = Callable[[str, dict[str, Any]], Awaitable[None]]


class Capture:
    """What the capture produced: the video artifact, when one was recorded."""

    def __init__(self) -> None:
        self.artifact: Artifact | None = None


def video_options(payload: dict[str, Any]) -> tuple[VideoFormat, int] | None:
    """(format, fps) when the run records a video, else None."""
    if not payload.get("record_video"):
        return None
    fmt: VideoFormat = payload.get("video_format") or "mp4"
    return fmt, int(payload.get("video_fps") or 5)


@asynccontextmanager
async def run_capture(
    computer: Any, row: RunRow, run_dir: Path, hub: FrameHub, emit: Emit
) -> AsyncIterator[Capture]:
    """Feed the live view and record the screencast while the body runs."""
    run_id, payload = row.run_id, row.payload
    capture = Capture()
    feed = hub.open(run_id)
    video = video_options(payload)
    recorder = ScreenRecorder(computer, run_dir, video[0], video[1]) if video else None
    failed: list[str] = []

    async def record() -> None:
        assert recorder is not None
        try:
            await recorder.run()
        except Exception as exc:  # recording must never fail the run
            failed.append(f"{type(exc).__name__}: {exc}")

    body_error: BaseException | None = None
    try:
        async with anyio.create_task_group() as tg:
            tg.start_soon(feed_screen, computer, feed)
            if recorder is not None and video is not None:
                tg.start_soon(record)
                await emit("recording_started", {"format": video[0], "fps": video[1]})
            try:
                yield capture
            except BaseException as exc:  # re-raised below as is, not in an ExceptionGroup
                body_error = exc
            finally:
                tg.cancel_scope.cancel()
        if body_error is not None:
            raise body_error
    finally:
        hub.close(run_id)
        if recorder is not None:
            with anyio.CancelScope(shield=True):
                await _finish(recorder, capture, run_id, failed, emit)


async def _finish(
    recorder: ScreenRecorder, capture: Capture, run_id: str, failed: list[str], emit: Emit
) -> None:
    try:
        path = await recorder.finish()
        if failed:
            raise RecordingError(failed[0])
        if path is None:
            raise RecordingError("no frame was captured")
    except Exception as exc:
        message = str(exc) if isinstance(exc, RecordingError) else f"{type(exc).__name__}: {exc}"
        log.warning("run %s: recording failed: %s", run_id, message)
        await emit("recording_failed", {"error": message})
        return
    capture.artifact = Artifact(
        name=path.name,
        kind="file",
        mime_type=MIME_TYPES[recorder.fmt],
        download_url=f"/v1/runs/{run_id}/video",
    )
    await emit(
        "recording_finished",
        {"name": path.name, "frames": recorder.frames, "bytes": path.stat().st_size},
    )
