"""Brain request I/O per family: prepare time, request bytes, and Claude tokens over a long run.

    python bench/brain_io.py        prints a table, writes bench/results/brain_io.json

Prepare = resize + encode + message build from a raw 1280x720 frame. Claude's
input tokens are measured against the fake Messages server (``tests/fakes``),
whose token count mimics the real API's; they must stay flat over 50 steps.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import anyio
import msgspec
from PIL import Image, ImageDraw

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from mantis.brains.actions import Click  # noqa: E402
from mantis.brains.claude import ClaudeBrain, anthropic_client  # noqa: E402
from mantis.brains.endpoint import EndpointEngine  # noqa: E402
from mantis.brains.registry import family_for  # noqa: E402
from mantis.brains.vision import VisionBrain  # noqa: E402
from mantis.config import Settings  # noqa: E402
from mantis.gym.base import Screenshot  # noqa: E402
from tests.fakes.anthropic_server import FakeAnthropic  # noqa: E402

SCREEN = (1280, 720)
FAMILIES = ["holo3", "gemma4-cua", "fara", "opencua-32b", "evocua-8b", "endpoint:any"]


def frame() -> Screenshot:
    img = Image.new("RGB", SCREEN, "white")
    draw = ImageDraw.Draw(img)
    for i in range(0, 720, 24):
        draw.text((20, i), f"row {i} — Lorem ipsum dolor sit amet, consectetur", fill="black")
    draw.rectangle((600, 300, 800, 360), fill=(0, 120, 0))
    return Screenshot.from_image(img)


async def vision_row(name: str, shot: Screenshot) -> dict[str, object]:
    brain = VisionBrain(name, family_for(name, Settings()), EndpointEngine("http://127.0.0.1:9"))
    history = [Click(x=10, y=10)] * 5
    runs = []
    for _ in range(5):
        t = time.perf_counter()
        request, space = await brain.build_request(shot, "fill the form", history, SCREEN)
        body = msgspec.json.encode(EndpointEngine("http://x").payload(request))
        runs.append(time.perf_counter() - t)
    return {"brain": name, "image": f"{space.image[0]}x{space.image[1]}",
            "prepare_ms": round(min(runs) * 1000, 1), "request_bytes": len(body)}  # fmt: skip


async def claude_rows(shot: Screenshot) -> dict[str, object]:
    script = [{"action": "left_click", "coordinate": [10 + i, 10]} for i in range(60)]
    with FakeAnthropic(script) as fake:
        brain = ClaudeBrain(anthropic_client("sk-bench", base_url=fake.url), model="bench")
        history: list = []
        frames: list[Screenshot] = []
        prepare, size = [], 0
        for _ in range(50):
            frames = [*frames, shot][-3:]
            t = time.perf_counter()
            request = await brain.build_request(frames, "click along", history, SCREEN)
            prepare.append(time.perf_counter() - t)
            size = len(json.dumps(request))
            inference = await brain.think(frames, "click along", history, SCREEN)
            history.append(inference.action)
        await brain.aclose()
        tokens = fake.input_tokens
    return {"brain": "claude", "image": "1280x720", "prepare_ms": round(min(prepare) * 1000, 1),
            "request_bytes": size, "input_tokens_step_1": tokens[0],
            "input_tokens_step_10": tokens[9], "input_tokens_step_50": tokens[49]}  # fmt: skip


async def main() -> None:
    shot = frame()
    rows = [await vision_row(name, shot) for name in FAMILIES]
    rows.append(await claude_rows(shot))
    print(
        f"{'brain':<14} {'image':>9} {'prepare ms':>11} {'request bytes':>14}  claude tokens @1/10/50"
    )
    for r in rows:
        tok = ""
        if "input_tokens_step_1" in r:
            tok = f"{r['input_tokens_step_1']} / {r['input_tokens_step_10']} / {r['input_tokens_step_50']}"
        print(
            f"{r['brain']:<14} {r['image']:>9} {r['prepare_ms']:>11} {r['request_bytes']:>14}  {tok}"
        )
    out = ROOT / "bench" / "results" / "brain_io.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(rows, indent=2))
    print(f"wrote {out.relative_to(ROOT)}")


if __name__ == "__main__":
    anyio.run(main)
