"""Synthetic screens drawn with PIL and DejaVu Sans, for the OCR providers."""

from __future__ import annotations

import shutil

import pytest
from PIL import Image, ImageDraw, ImageFont

from mantis.brains.providers import LocalExtractor, LocalGrounder, LocalVerifier, Tesseract
from mantis.brains.providers.base import Box
from mantis.gym.base import Screenshot

FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
BOLD = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"


class Canvas:
    """A white screen to draw text, inputs and buttons on."""

    def __init__(self, width: int = 1280, height: int = 720) -> None:
        self.image = Image.new("RGB", (width, height), "white")
        self.draw = ImageDraw.Draw(self.image)

    def text(
        self,
        x: int,
        y: int,
        text: str,
        size: int = 20,
        *,
        bold: bool = False,
        fill: str = "#111111",
    ) -> Box:
        font = ImageFont.truetype(BOLD if bold else FONT, size)
        self.draw.text((x, y), text, fill=fill, font=font)
        left, top, right, bottom = self.draw.textbbox((x, y), text, font=font)
        return Box(left, top, right - left, bottom - top)

    def input(
        self,
        x: int,
        y: int,
        w: int = 420,
        h: int = 46,
        *,
        outline: str = "#555555",
        placeholder: str = "",
        radius: int = 4,
    ) -> Box:
        self.draw.rounded_rectangle(
            (x, y, x + w - 1, y + h - 1), radius=radius, outline=outline, width=2, fill="white"
        )
        if placeholder:
            self.text(x + 12, y + h // 2 - 11, placeholder, fill="#888888")
        return Box(x, y, w, h)

    def button(self, x: int, y: int, caption: str, *, fill: str = "#1f4fbf", size: int = 20) -> Box:
        font = ImageFont.truetype(FONT, size)
        left, _, right, _ = self.draw.textbbox((0, 0), caption, font=font)
        w, h = right - left + 56, size + 26
        self.draw.rounded_rectangle((x, y, x + w, y + h), radius=6, fill=fill)
        self.draw.text((x + w // 2, y + h // 2), caption, fill="white", font=font, anchor="mm")
        return Box(x, y, w, h)

    def shot(self) -> Screenshot:
        return Screenshot.from_image(self.image)


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def canvas() -> Canvas:
    return Canvas()


@pytest.fixture
def ocr() -> Tesseract:
    """A fresh OCR front; skips the test where the tesseract binary is missing."""
    if shutil.which("tesseract") is None:
        pytest.skip("needs the tesseract binary (tesseract-ocr)")
    return Tesseract()


@pytest.fixture
def grounder(ocr: Tesseract) -> LocalGrounder:
    return LocalGrounder(ocr=ocr)


@pytest.fixture
def verifier(ocr: Tesseract) -> LocalVerifier:
    return LocalVerifier(ocr=ocr)


@pytest.fixture
def extractor(ocr: Tesseract) -> LocalExtractor:
    return LocalExtractor(ocr=ocr)
