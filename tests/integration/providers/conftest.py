"""The demo site, rendered by headless Chromium, framed as a 1280x720 screen."""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PIL import Image, ImageDraw, ImageFont

from mantis.gym.base import Screenshot

ROOT = Path(__file__).resolve().parents[3]
SCREEN = (1280, 720)
TOOLBAR = 90  # the browser chrome a real screen has above the page
PAGE_REGION = (0, TOOLBAR, SCREEN[0], SCREEN[1] - TOOLBAR)
FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"


def load_demo_site():
    spec = importlib.util.spec_from_file_location(
        "demo_site_server", ROOT / "examples" / "demo_site" / "server.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def demo_site():
    return load_demo_site()


@pytest.fixture(scope="session")
def open_site(demo_site) -> Iterator[str]:
    """The demo site with ``open_access`` (no login needed), for headless screenshots."""
    server, url = demo_site.start(open_access=True)
    yield url
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="session")
def render(open_site, tmp_path_factory) -> Callable[[str], Screenshot]:
    """Screenshot a path of the demo site as a whole screen: a toolbar with the
    page's title above the 1280x630 page."""
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        pytest.skip("needs chromium")
    if shutil.which("tesseract") is None:
        pytest.skip("needs the tesseract binary (tesseract-ocr)")
    workdir = tmp_path_factory.mktemp("shots")
    cache: dict[str, Screenshot] = {}

    def shot(path: str) -> Screenshot:
        if path in cache:
            return cache[path]
        out = workdir / f"{len(cache)}.png"
        cmd = [
            chromium,
            "--headless",
            "--disable-gpu",
            "--hide-scrollbars",
            f"--user-data-dir={workdir / 'profile'}",
            f"--screenshot={out}",
            f"--window-size={SCREEN[0]},{SCREEN[1] - TOOLBAR}",
            open_site + path,
        ]
        if os.geteuid() == 0:
            cmd.insert(1, "--no-sandbox")
        subprocess.run(cmd, check=True, capture_output=True, timeout=60)
        page = Image.open(out).convert("RGB")
        screen = Image.new("RGB", SCREEN, "#dee1e6")
        draw = ImageDraw.Draw(screen)
        title = urllib.request.urlopen(open_site + path).read().decode()
        title = title.split("<title>", 1)[1].split("</title>", 1)[0]
        draw.rounded_rectangle((8, 6, 260, 40), radius=8, fill="white")
        draw.text((20, 14), title, fill="#202124", font=ImageFont.truetype(FONT, 14))
        draw.rounded_rectangle((90, 48, 1200, 82), radius=16, fill="#f1f3f4")
        draw.text((110, 56), open_site + path, fill="#202124", font=ImageFont.truetype(FONT, 14))
        screen.paste(page, (0, TOOLBAR))
        cache[path] = Screenshot.from_image(screen)
        return cache[path]

    return shot


@pytest.fixture(scope="session")
def sent_page(open_site, render) -> Screenshot:
    """The confirmation page after submitting an inquiry for Ada Lovelace on the Team plan."""
    form = {
        "full_name": "Ada Lovelace",
        "company": "Analytical",
        "phone": "555 0100",
        "plan": "Team",
    }
    request = urllib.request.Request(
        open_site + "/inquiry", data=urllib.parse.urlencode(form).encode(), method="POST"
    )
    urllib.request.urlopen(request).read()
    return render("/inquiry/sent")


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"
