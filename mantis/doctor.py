"""`mantis doctor`: what this machine can run, and why not where it cannot.

System parts (display server, browser, OCR, GPU) first, then every brain and
provider with its readiness and the exact reason.
"""

from __future__ import annotations

import shutil
import subprocess

from mantis.brains.providers.ocr import tesseract_version
from mantis.brains.providers.selection import provider_statuses
from mantis.brains.registry import ModelRegistry, has_gpu
from mantis.config import Settings


def _version(binary: str) -> str | None:
    path = shutil.which(binary)
    if path is None:
        return None
    try:
        out = subprocess.run([path, "--version"], capture_output=True, text=True, timeout=15)
    except (OSError, subprocess.SubprocessError):
        return path
    text = (out.stdout or out.stderr).strip()
    return text.splitlines()[0] if text else path


def system_lines(settings: Settings) -> list[str]:
    xvfb = shutil.which("Xvfb")
    chromium = _version(settings.chromium_path)
    ocr = tesseract_version(settings.tesseract_path)
    gpu = has_gpu()
    rows = [
        ("display", xvfb is not None, xvfb or "Xvfb not found: apt-get install xvfb"),
        (
            "browser",
            chromium is not None,
            chromium or f"{settings.chromium_path} not found: apt-get install chromium",
        ),
        ("ocr", ocr is not None, ocr or "tesseract not found: apt-get install tesseract-ocr"),
        ("gpu", gpu, "NVIDIA device present" if gpu else "none (local GGUF/vLLM brains need one)"),
    ]
    return [
        f"system   {name:<22} {'ready' if ok else 'missing':<10} {detail}"
        for name, ok, detail in rows
    ]


def report(settings: Settings) -> list[str]:
    lines = system_lines(settings)
    for s in ModelRegistry(settings).statuses():
        mark = "ready" if s.ready else "not ready"
        lines.append(f"brain    {s.id:<22} {mark:<10} {s.placement:<9} {s.reason or ''}".rstrip())
    for role, choice, reason in provider_statuses(settings):
        lines.append(f"provider {role:<22} {choice:<10} {reason}".rstrip())
    return lines
