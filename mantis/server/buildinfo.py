"""Which code is live: git sha and build time baked in at build/install time.

``scripts/write_build_info.py`` (run by the Makefile) writes the gitignored
``mantis/_build_info.py``; without it both fields read ``"unknown"``.
"""

from __future__ import annotations

import importlib


def build_info() -> dict[str, str]:
    try:
        mod = importlib.import_module("mantis._build_info")
    except ImportError:
        return {"git_sha": "unknown", "build_time": "unknown"}
    return {
        "git_sha": str(getattr(mod, "GIT_SHA", "unknown")),
        "build_time": str(getattr(mod, "BUILD_TIME", "unknown")),
    }
