"""Fixtures for the gym: tiny pages over a real HTTP server, and one shared live computer."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.integration.gym.pages import serve_pages


@pytest.fixture(scope="session")
def pages() -> Iterator[str]:
    """Base URL (``http://127.0.0.1:<port>``) of a server for the test pages."""
    with serve_pages() as base:
        yield base


@pytest.fixture(scope="session")
def needs_x() -> None:
    for binary in ("Xvfb", "chromium"):
        if shutil.which(binary) is None:
            pytest.skip(f"{binary} is not installed")


@pytest.fixture(scope="module")
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="module")
async def computer(needs_x: None, pages: str, tmp_path_factory: pytest.TempPathFactory):
    """One live LocalComputer shared by a module's tests (a browser start costs ~1-2 s)."""
    from mantis.gym.base import SessionSpec
    from mantis.gym.computer import LocalComputer

    profile: Path = tmp_path_factory.mktemp("profile")
    async with LocalComputer() as c:
        await c.open(SessionSpec(profile_dir=str(profile), run_id="test-run"))
        yield c
