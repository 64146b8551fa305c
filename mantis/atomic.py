"""Atomic file writes: a temp file in the same directory, fsync, then rename.

A reader never sees a half-written file, and a crash leaves either the old
content or the new one.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import msgspec


def write_bytes(path: Path, data: bytes, mode: int = 0o644) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_text(path: Path, text: str, mode: int = 0o644) -> None:
    write_bytes(path, text.encode("utf-8"), mode)


def write_json(path: Path, obj: object) -> None:
    write_bytes(path, msgspec.json.format(msgspec.json.encode(obj), indent=2) + b"\n")
