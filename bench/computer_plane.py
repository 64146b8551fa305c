"""Benchmark of the computer plane against the subprocess baselines (scrot, xdotool).

    python bench/computer_plane.py [--samples 100] [--max-sessions 6]

On one 1280x720 display showing the demo site's login page: screenshot capture
(MIT-SHM, and the GetImage fallback), capture + JPEG q80, capture + PNG level 1,
the same through the ``/computer/screenshot`` wire of a real ``mantis serve``
(JSON base64 and raw bytes), ``scrot`` as a subprocess; a click and typing 20
characters via XTest vs ``xdotool --delay 0``; one perceive→act→settle cycle.
Then the memory of one session (PSS/RSS of Xvfb + every Chromium process) and
how many parallel sessions keep a perceive→act cycle under 200 ms p50.

Prints a table with p50 / p90 / max in ms and the ratios, and writes the
numbers as JSON to ``bench/results/computer_plane-<UTC time>.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import anyio
import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from examples.demo_site.server import start as start_demo_site  # noqa: E402
from mantis.gym.base import SessionSpec  # noqa: E402
from mantis.gym.browser import session_pids  # noqa: E402
from mantis.gym.computer import LocalComputer  # noqa: E402
from mantis.gym.screen import ScreenCapture  # noqa: E402
from mantis.remote.local_server import ServerStartError, spawn_serve  # noqa: E402

BLANK_SPOT = (1200, 690)  # bottom-right corner of the login page: nothing to click there
TEXT20 = "abcdefghijklmnopqrst"


def summary(samples_s: list[float]) -> dict[str, float]:
    ms = sorted(s * 1000 for s in samples_s)
    return {
        "p50": statistics.median(ms),
        "p90": ms[min(len(ms) - 1, int(len(ms) * 0.9))],
        "max": ms[-1],
        "n": len(ms),
    }


async def timed(n: int, fn: Callable[[], Awaitable[object]], warmup: int = 3) -> dict[str, float]:
    for _ in range(warmup):
        await fn()
    samples = []
    for _ in range(n):
        t = time.perf_counter()
        await fn()
        samples.append(time.perf_counter() - t)
    return summary(samples)


def run_cmd(argv: list[str], display: str) -> Callable[[], Awaitable[object]]:
    env = {**os.environ, "DISPLAY": display}

    async def go() -> object:
        return await anyio.run_process(argv, env=env, check=True)

    return go


def memory_mib(pids: list[int]) -> tuple[float, float]:
    pss = rss = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/smaps_rollup") as f:
                for line in f:
                    if line.startswith("Pss:"):
                        pss += int(line.split()[1])
                    elif line.startswith("Rss:"):
                        rss += int(line.split()[1])
        except OSError:
            continue  # a helper exited between the scan and the read
    return pss / 1024, rss / 1024


def start_server(data_dir: Path) -> tuple[subprocess.Popen[bytes], str, str]:
    token = secrets.token_urlsafe(16)
    env = {"MANTIS_API_TOKEN": token, "MANTIS_DATA_DIR": str(data_dir)}
    try:
        proc, base = spawn_serve(env, cwd=ROOT, stderr=subprocess.DEVNULL)
    except ServerStartError as exc:
        raise SystemExit(str(exc)) from None
    return proc, base, token


async def in_process(c: LocalComputer, n: int) -> dict[str, dict[str, float]]:
    assert c.display is not None
    xin = c.input
    slow = ScreenCapture(c.display.name, use_shm=False)
    rows: dict[str, dict[str, float]] = {}
    rows["capture raw (MIT-SHM)"] = await timed(n, c.screenshot)
    rows["capture raw (GetImage fallback)"] = await timed(n, slow.grab)
    slow.close()

    async def jpeg() -> bytes:
        return (await c.screenshot()).encode("jpeg", 80)

    async def png() -> bytes:
        return (await c.screenshot()).encode("png")

    rows["capture + JPEG q80"] = await timed(n, jpeg)
    rows["capture + PNG level 1"] = await timed(n, png)
    shot = str(Path(tempfile.gettempdir()) / f"mantis-bench-scrot-{os.getpid()}.png")
    rows["scrot subprocess (baseline)"] = await timed(
        n, run_cmd(["scrot", "-o", shot], c.display.name)
    )
    await anyio.Path(shot).unlink(missing_ok=True)
    rows["click via XTest"] = await timed(n, lambda: xin.click(*BLANK_SPOT))
    rows["click via xdotool --delay 0"] = await timed(
        n,
        run_cmd(
            ["xdotool", "mousemove", *map(str, BLANK_SPOT), "click", "--delay", "0", "1"],
            c.display.name,
        ),
    )
    rows["type 20 chars via XTest"] = await timed(n, lambda: xin.type(TEXT20))
    rows["type 20 chars via xdotool --delay 0"] = await timed(
        n, run_cmd(["xdotool", "type", "--delay", "0", TEXT20], c.display.name)
    )

    async def cycle() -> None:
        (await c.screenshot()).encode("jpeg", 80)
        await xin.click(*BLANK_SPOT)
        await c.settle(0.0, 1.0)

    rows["perceive→act→settle (JPEG, click, settle)"] = await timed(max(20, n // 2), cycle)
    return rows


async def over_wire(base: str, token: str, url: str, n: int) -> dict[str, dict[str, float]]:
    rows: dict[str, dict[str, float]] = {}
    async with httpx.AsyncClient(
        base_url=base, headers={"X-Mantis-Token": token}, timeout=120
    ) as client:
        init = await client.post(
            "/computer/session/init",
            json={"profile_id": "bench", "run_id": "bench-1", "start_url": url},
        )
        init.raise_for_status()
        client.headers["X-Mantis-Session"] = init.json()["session_token"]
        for fmt in ("jpeg", "png"):
            rows[f"wire {fmt.upper()} as JSON base64"] = await timed(
                n, lambda fmt=fmt: client.post("/computer/screenshot", json={"format": fmt})
            )
            rows[f"wire {fmt.upper()} as raw bytes"] = await timed(
                n,
                lambda fmt=fmt: client.post(
                    "/computer/screenshot", json={"format": fmt}, headers={"Accept": f"image/{fmt}"}
                ),
            )
        await client.post("/computer/session/close")
    return rows


async def scaling(url: str, max_sessions: int, cycles: int, root: Path) -> list[dict[str, float]]:
    """Open 1, 2, ... sessions; each runs perceive→act cycles at once; stop past 200 ms p50."""
    results = []
    for k in range(1, max_sessions + 1):
        computers = [LocalComputer() for _ in range(k)]
        samples: list[float] = []
        try:
            for i, c in enumerate(computers):
                await c.open(SessionSpec(profile_dir=str(root / f"s{k}-{i}"), start_url=url))

            async def loop(c: LocalComputer, samples: list[float]) -> None:
                for _ in range(cycles):
                    t = time.perf_counter()
                    (await c.screenshot()).encode("jpeg", 80)
                    await c.input.click(*BLANK_SPOT)
                    samples.append(time.perf_counter() - t)

            async with anyio.create_task_group() as tg:
                for c in computers:
                    tg.start_soon(loop, c, samples)
        finally:
            for c in computers:
                await c.close()
        row = {"sessions": k, **summary(samples)}
        results.append(row)
        print(
            f"  {k} session(s): perceive→act p50 {row['p50']:.1f} ms, p90 {row['p90']:.1f} ms",
            flush=True,
        )
        if row["p50"] > 200:
            break
    return results


def ratio(rows: dict[str, dict[str, float]], slow: str, fast: str) -> float:
    return rows[slow]["p50"] / rows[fast]["p50"]


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--samples", type=int, default=100)
    parser.add_argument("--max-sessions", type=int, default=6)
    parser.add_argument("--cycles", type=int, default=40)
    args = parser.parse_args()
    for tool in ("scrot", "xdotool", "Xvfb", "chromium"):
        if shutil.which(tool) is None:
            raise SystemExit(f"{tool} is not installed (make system installs it)")
    server, site = start_demo_site(port=0)
    url = f"{site}/login"
    work = Path(tempfile.mkdtemp(prefix="mantis-bench-"))
    proc, base, token = start_server(work / "server")
    try:
        async with LocalComputer() as c:
            await c.open(SessionSpec(profile_dir=str(work / "local"), start_url=url))
            await c.settle(0.3, 5.0)
            assert c.browser is not None and c.display is not None
            pids = session_pids(c.browser.pid)
            chrome_pss, chrome_rss = memory_mib(pids)
            xvfb_pss, xvfb_rss = memory_mib([c.display.pid])
            rows = await in_process(c, args.samples)
        rows.update(await over_wire(base, token, url, args.samples))
        print("scaling:", flush=True)
        scale = await scaling(url, args.max_sessions, args.cycles, work / "scale")
    finally:
        proc.terminate()
        proc.wait(30)
        server.shutdown()
        shutil.rmtree(work, ignore_errors=True)

    ratios = {
        "scrot / capture raw": ratio(rows, "scrot subprocess (baseline)", "capture raw (MIT-SHM)"),
        "scrot / capture + PNG": ratio(
            rows, "scrot subprocess (baseline)", "capture + PNG level 1"
        ),
        "GetImage / MIT-SHM": ratio(
            rows, "capture raw (GetImage fallback)", "capture raw (MIT-SHM)"
        ),
        "xdotool click / XTest click": ratio(
            rows, "click via xdotool --delay 0", "click via XTest"
        ),
        "xdotool type / XTest type": ratio(
            rows, "type 20 chars via xdotool --delay 0", "type 20 chars via XTest"
        ),
    }
    overhead = {
        f"wire {f.upper()} raw − in-process": rows[f"wire {f.upper()} as raw bytes"]["p50"]
        - rows[f"capture + {'JPEG q80' if f == 'jpeg' else 'PNG level 1'}"]["p50"]
        for f in ("jpeg", "png")
    }
    memory = {
        "processes": len(pids) + 1,
        "chromium_pss_mib": chrome_pss,
        "chromium_rss_mib": chrome_rss,
        "xvfb_pss_mib": xvfb_pss,
        "xvfb_rss_mib": xvfb_rss,
        "session_pss_mib": chrome_pss + xvfb_pss,
        "session_rss_mib": chrome_rss + xvfb_rss,
    }
    sustained = max((r["sessions"] for r in scale if r["p50"] <= 200), default=0)

    print(f"\n{'measurement':44} {'p50 ms':>9} {'p90 ms':>9} {'max ms':>9}")
    for name, r in rows.items():
        print(f"{name:44} {r['p50']:9.2f} {r['p90']:9.2f} {r['max']:9.2f}")
    print()
    for name, value in ratios.items():
        print(f"{name:44} {value:8.1f}x")
    for name, value in overhead.items():
        print(f"{name:44} {value:8.2f} ms (p50)")
    print(
        f"{'one session (Xvfb + Chromium), demo page':44} {memory['session_pss_mib']:.0f} MiB PSS, "
        f"{memory['session_rss_mib']:.0f} MiB RSS, {memory['processes']} processes"
    )
    print(
        f"{'parallel sessions with perceive→act < 200 ms':44} {sustained} (tried up to {scale[-1]['sessions']})"
    )

    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    path = out / f"computer_plane-{stamp}.json"
    body = {
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "display": "1280x720x24",
        "samples": args.samples,
        "rows": rows,
        "ratios": ratios,
        "wire_overhead_ms": overhead,
        "memory": memory,
        "scaling": scale,
        "sustained_sessions": sustained,
    }
    path.write_text(json.dumps(body, indent=2))
    print(f"\nwrote {path.relative_to(ROOT)}")


if __name__ == "__main__":
    anyio.run(main)
