"""Fixtures for brains against fake model servers on 127.0.0.1."""

from __future__ import annotations

import pytest
from PIL import Image

from mantis.gym.base import Screenshot
from tests.fakes.guard import no_real_model_endpoints  # noqa: F401  (autouse)


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def frame() -> Screenshot:
    return Screenshot.from_image(Image.new("RGB", (1280, 720), (30, 120, 200)))
