"""Grounding latency on 1280x720 screenshots of the demo site, full screen vs region OCR.

    python bench/ocr_grounding.py [--reps 3]   prints a table, writes bench/results/ocr_grounding.json

Screenshots of the demo pages are taken once on a real Xvfb + Chromium. Each
target is then located with ``LocalGrounder`` four ways: over the full screen
or over a 640x360 region around the target, each cold (a fresh OCR front, its
cache empty) and warm (the same front asked again: the result cache answers).
Reported: p50 / p90 per mode over every target and repetition; target p50 <
300 ms for region OCR cold.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import anyio

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "examples" / "demo_site"))

import server as demo_site  # noqa: E402

from mantis.brains.providers import LocalGrounder, Tesseract  # noqa: E402
from mantis.brains.providers.base import Role  # noqa: E402
from mantis.gym.base import Screenshot, SessionSpec  # noqa: E402
from mantis.gym.computer import LocalComputer  # noqa: E402

TARGET_P50_S = 0.300
PAGES: dict[str, list[tuple[str, Role]]] = {
    "/login": [("Email", "input"), ("Password", "input"), ("Sign in", "button")],
    "/inquiry": [
        ("Full name", "input"),
        ("Phone", "input"),
        ("Plan", "dropdown"),
        ("Send inquiry", "button"),
    ],
    "/listings": [("Listings", "text"), ("Make: Honda", "text")],
    "/inventory": [("Next", "text"), ("Price", "text")],
}
REGION = (640, 360)


async def screenshots(site: str) -> dict[str, Screenshot]:
    shots = {}
    computer = LocalComputer()
    with tempfile.TemporaryDirectory() as tmp:
        try:
            await computer.open(SessionSpec(profile_dir=str(Path(tmp) / "p")))
            for path in PAGES:
                await computer.navigate(site + path)
                await computer.settle(0.3, 3.0)
                shots[path] = await computer.screenshot()
        finally:
            await computer.close()
    return shots


def around(x: int, y: int, shot: Screenshot) -> tuple[int, int, int, int]:
    w, h = REGION
    left = min(max(0, x - w // 2), shot.width - w)
    top = min(max(0, y - h // 2), shot.height - h)
    return (left, top, w, h)


async def timed(grounder: LocalGrounder, shot: Screenshot, target: str, role: Role, region: Any):
    t0 = time.perf_counter()
    found = await grounder.locate(shot, target, role=role, region=region)
    return time.perf_counter() - t0, found


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def main(reps: int) -> int:
    server, site = demo_site.start(open_access=True)
    shots = await screenshots(site)
    server.shutdown()
    times: dict[str, list[float]] = {
        m: [] for m in ("full cold", "full warm", "region cold", "region warm")
    }
    misses: list[str] = []
    for path, targets in PAGES.items():
        shot = shots[path]
        for target, role in targets:
            probe = await LocalGrounder(ocr=Tesseract()).locate(shot, target, role=role)
            if probe is None:
                misses.append(f"{path} {target!r}")
                continue
            region = around(probe.x, probe.y, shot)
            for _ in range(reps):
                for scope, reg in (("full", None), ("region", region)):
                    grounder = LocalGrounder(ocr=Tesseract())
                    cold, found = await timed(grounder, shot, target, role, reg)
                    warm, again = await timed(grounder, shot, target, role, reg)
                    if found is None or again is None:
                        misses.append(f"{path} {target!r} ({scope})")
                    times[f"{scope} cold"].append(cold)
                    times[f"{scope} warm"].append(warm)
    print(f"LocalGrounder on {len(shots)} demo pages at 1280x720, {reps} reps per target")
    print(f"{'mode':14}{'n':>5}{'p50 ms':>10}{'p90 ms':>10}{'max ms':>10}")
    rows = {}
    for mode, values in times.items():
        rows[mode] = {
            "n": len(values),
            "p50_s": statistics.median(values),
            "p90_s": pct(values, 0.9),
            "max_s": max(values),
        }
        r = rows[mode]
        print(
            f"{mode:14}{r['n']:>5}{r['p50_s'] * 1000:10.1f}"
            f"{r['p90_s'] * 1000:10.1f}{r['max_s'] * 1000:10.1f}"
        )
    p50 = rows["region cold"]["p50_s"]
    print(
        f"\nregion cold p50 {p50 * 1000:.0f} ms (target < {TARGET_P50_S * 1000:.0f} ms) "
        f"{'OK' if p50 < TARGET_P50_S else 'OVER TARGET'}; misses: {misses or 'none'}"
    )
    out = ROOT / "bench" / "results" / "ocr_grounding.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(
        json.dumps(
            {
                "reps": reps,
                "region": REGION,
                "modes": rows,
                "misses": misses,
                "target_p50_s": TARGET_P50_S,
            },
            indent=2,
        )
    )
    print(f"wrote {out.relative_to(ROOT)}")
    return 1 if misses else 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=3)
    args = parser.parse_args()
    sys.exit(anyio.run(main, args.reps))
