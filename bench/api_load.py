"""API load benchmark: the Mantis status routes against a bare Litestar handler.

In one run, on this machine:
  * floor   — a bare Litestar handler returning a constant, same uvicorn, same client;
    the three request mixes run in interleaved rounds (4 × duration/4 each);
  * poll    — ``GET /v1/runs/{id}`` from 64 concurrent pollers while 4 runs execute;
  * status  — ``POST /v1/predict`` ``action=status``, likewise;
  * submit→running latency (p50/p99) and events write throughput of the store.

Runs execute on a computer that does nothing (the benchmark measures the API,
not Chromium), so the numbers are the server's own overhead. Prints a table and
writes bench/results/api_load.json.

    python bench/api_load.py [--duration 20] [--pollers 64]
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import anyio
import httpx

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "bench-" + secrets.token_hex(8)
HOLD_PLAN = [
    {"type": "navigate", "intent": "open", "params": {"url": "about:blank"}},
    *[{"type": "wait", "intent": "work", "params": {"seconds": 2}} for _ in range(30)],
]
QUICK_PLAN = [{"type": "done", "intent": "finished"}]
ROUNDS = 4


class NullComputer:
    """A computer with no screen: every call returns at once."""

    def __init__(self, on_event: Any = None) -> None:
        self.on_event = on_event

    async def open(self, spec: Any) -> Any:
        from mantis.gym.base import SessionInfo

        return SessionInfo(display=":null", chrome_pid=0, width=640, height=480)

    async def screenshot(self) -> Any:
        from mantis.gym.base import Screenshot

        return Screenshot(width=1, height=1, data=b"\0\0\0", captured_at_ms=0)

    async def act(self, action: Any) -> Any:
        from mantis.gym.base import ActResult

        return ActResult(ok=True)

    async def navigate(self, url: str) -> None:
        return None

    async def current_url(self) -> str:
        return "about:blank"

    async def settle(self, floor_s: float = 0.15, ceiling_s: float = 3.0) -> float:
        return 0.0

    async def close(self) -> None:
        return None


def serve_mantis(port: int, data_dir: str) -> None:
    import uvicorn

    from mantis.config import Settings
    from mantis.server import create_app

    settings = Settings.from_env(
        {}, data_dir=data_dir, api_token=TOKEN_ENV(), port=port, max_concurrent_runs=64
    )
    app = create_app(settings, computer_factory=NullComputer)
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning")


def serve_bare(port: int) -> None:
    import uvicorn
    from litestar import Litestar, get

    @get("/ping", sync_to_thread=False)
    def ping() -> dict[str, str]:
        return {"status": "ok"}

    uvicorn.run(Litestar([ping]), host="127.0.0.1", port=port, log_level="warning")


def TOKEN_ENV() -> str:
    return sys.argv[sys.argv.index("--token") + 1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def start(args: list[str], port: int) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen([sys.executable, __file__, *args], cwd=ROOT)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                time.sleep(0.3)
                if proc.poll() is not None:
                    raise SystemExit(f"server {args} exited: port {port} taken by another process")
                return proc
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise SystemExit(f"server {args} did not start")


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


class RawConnection:
    """A minimal keep-alive HTTP/1.1 client: httpx would be the bottleneck, not the server."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.stream: Any = None
        self.buf = b""

    async def request(self, raw: bytes) -> int:
        if self.stream is None:
            self.stream = await anyio.connect_tcp("127.0.0.1", self.port)
            self.buf = b""
        await self.stream.send(raw)
        while b"\r\n\r\n" not in self.buf:
            self.buf += await self.stream.receive()
        head, _, rest = self.buf.partition(b"\r\n\r\n")
        lines = head.split(b"\r\n")
        status = int(lines[0].split()[1])
        length = 0
        for line in lines[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value)
        while len(rest) < length:
            rest += await self.stream.receive()
        self.buf = rest[length:]
        return status


def raw_request(method: str, path: str, body: Any) -> bytes:
    data = json.dumps(body).encode() if body is not None else b""
    head = (
        f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Mantis-Token: {TOKEN}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(data)}\r\n\r\n"
    )
    return head.encode() + data


async def hammer(
    port: int, method: str, path: str, body: Any, pollers: int, duration: float
) -> Samples:
    latencies: list[float] = []
    errors = 0
    error_kinds: dict[str, int] = {}
    raw = raw_request(method, path, body)
    stop = time.perf_counter() + duration

    async def worker() -> None:
        nonlocal errors
        conn = RawConnection(port)
        while time.perf_counter() < stop:
            t0 = time.perf_counter()
            try:
                code = await conn.request(raw)
                ok, kind = code == 200, f"http_{code}"
            except (OSError, anyio.EndOfStream, anyio.BrokenResourceError, ValueError) as exc:
                ok, kind, conn = False, f"{type(exc).__name__}: {exc}"[:80], RawConnection(port)
            if not ok:
                error_kinds[kind] = error_kinds.get(kind, 0) + 1
            latencies.append(time.perf_counter() - t0)
            errors += 0 if ok else 1
        if conn.stream is not None:
            await conn.stream.aclose()

    started = time.perf_counter()
    async with anyio.create_task_group() as tg:
        for _ in range(pollers):
            tg.start_soon(worker)
    return Samples(latencies, time.perf_counter() - started, errors, error_kinds)


class Samples:
    def __init__(
        self, latencies: list[float], elapsed: float, errors: int, kinds: dict[str, int]
    ) -> None:
        self.latencies, self.elapsed, self.errors, self.kinds = latencies, elapsed, errors, kinds

    def add(self, other: Samples) -> Samples:
        kinds = dict(self.kinds)
        for k, v in other.kinds.items():
            kinds[k] = kinds.get(k, 0) + v
        return Samples(
            self.latencies + other.latencies,
            self.elapsed + other.elapsed,
            self.errors + other.errors,
            kinds,
        )

    def summary(self) -> dict[str, Any]:
        return {
            "requests": len(self.latencies),
            "rps": round(len(self.latencies) / self.elapsed, 1),
            "p50_ms": round(pct(self.latencies, 0.50) * 1000, 2),
            "p99_ms": round(pct(self.latencies, 0.99) * 1000, 2),
            "errors": self.errors,
            "error_kinds": self.kinds,
        }


async def submit_to_running(base: str, n: int) -> dict[str, Any]:
    samples: list[float] = []
    async with httpx.AsyncClient(base_url=base, headers={"X-Mantis-Token": TOKEN}) as client:
        for i in range(n):
            t0 = time.perf_counter()
            resp = await client.post(
                "/v1/predict", json={"micro": HOLD_PLAN[:2], "profile_id": f"lat{i}"}
            )
            run_id = resp.json()["run_id"]
            # a tight poll is the measurement itself here, not a wait for an event
            while (await client.get(f"/v1/runs/{run_id}")).json()["status"] == "queued":  # noqa: ASYNC110
                await anyio.sleep(0.002)
            samples.append(time.perf_counter() - t0)
            await client.post(f"/v1/runs/{run_id}/cancel")
    return {
        "n": n,
        "p50_ms": round(statistics.median(samples) * 1000, 2),
        "p99_ms": round(pct(samples, 0.99) * 1000, 2),
    }


async def events_throughput(n: int = 2000) -> dict[str, Any]:
    from mantis.server.store import RunStore

    with tempfile.TemporaryDirectory() as tmp:
        store = RunStore(Path(tmp) / "m.db")
        await store.open()
        t0 = time.perf_counter()
        for i in range(n):
            await store.add_event("20260101_000000_00000000", "step_started", {"index": i})
        elapsed = time.perf_counter() - t0
        await store.close()
    return {"events": n, "events_per_s": round(n / elapsed, 1)}


async def main(duration: float, pollers: int) -> dict[str, Any]:
    bare_port = free_port()
    mantis_port = free_port()
    while mantis_port == bare_port:
        mantis_port = free_port()
    data_dir = tempfile.mkdtemp(prefix="mantis-bench-")
    bare = start(["--serve-bare", str(bare_port)], bare_port)
    mantis = start(["--serve-mantis", str(mantis_port), data_dir, "--token", TOKEN], mantis_port)
    try:
        base = f"http://127.0.0.1:{mantis_port}"
        async with httpx.AsyncClient(base_url=base, headers={"X-Mantis-Token": TOKEN}) as c:
            runs = [
                (
                    await c.post("/v1/predict", json={"micro": HOLD_PLAN, "profile_id": f"w{i}"})
                ).json()["run_id"]
                for i in range(4)
            ]
        # Interleave short rounds so load from elsewhere on the machine hits all three alike.
        targets: list[tuple[int, str, str, Any]] = [
            (bare_port, "GET", "/ping", None),
            (mantis_port, "GET", f"/v1/runs/{runs[0]}", None),
            (mantis_port, "POST", "/v1/predict", {"action": "status", "run_id": runs[1]}),
        ]
        totals: list[Samples | None] = [None, None, None]
        for _ in range(ROUNDS):
            for i, (port, method, path, body) in enumerate(targets):
                got = await hammer(port, method, path, body, pollers, duration / ROUNDS)
                prev = totals[i]
                totals[i] = got if prev is None else prev.add(got)
        floor, poll, status = (t.summary() for t in totals if t is not None)
        latency = await submit_to_running(base, 30)
        events = await events_throughput()
    finally:
        bare.terminate()
        mantis.terminate()
        bare.wait(10)
        mantis.wait(30)
    return {
        "machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0]},
        "duration_s": duration,
        "pollers": pollers,
        "floor_bare_handler": floor,
        "poll_get_run": {**poll, "vs_floor": round(poll["rps"] / floor["rps"], 3)},
        "predict_action_status": {**status, "vs_floor": round(status["rps"] / floor["rps"], 3)},
        "submit_to_running": latency,
        "events_write": events,
    }


def table(r: dict[str, Any]) -> str:
    rows = [
        ("bare Litestar handler (floor)", r["floor_bare_handler"]),
        ("GET /v1/runs/{id}", r["poll_get_run"]),
        ("POST /v1/predict action=status", r["predict_action_status"]),
    ]
    out = [
        f"| route ({r['pollers']} pollers, {r['duration_s']:g} s, 4 runs executing) "
        "| req/s | vs floor | p50 ms | p99 ms | errors |",
        "|---|---|---|---|---|---|",
    ]
    for name, m in rows:
        out.append(
            f"| {name} | {m['rps']} | {m.get('vs_floor', 1.0):.0%} | {m['p50_ms']} | "
            f"{m['p99_ms']} | {m['errors']} |"
        )
    lat, ev = r["submit_to_running"], r["events_write"]
    out.append(f"\nsubmit → running: p50 {lat['p50_ms']} ms, p99 {lat['p99_ms']} ms (n={lat['n']})")
    out.append(
        f"events write throughput: {ev['events_per_s']} events/s (SQLite WAL, one commit each)"
    )
    return "\n".join(out)


if __name__ == "__main__":
    if "--serve-bare" in sys.argv:
        serve_bare(int(sys.argv[sys.argv.index("--serve-bare") + 1]))
    elif "--serve-mantis" in sys.argv:
        i = sys.argv.index("--serve-mantis")
        serve_mantis(int(sys.argv[i + 1]), sys.argv[i + 2])
    else:
        parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
        parser.add_argument("--duration", type=float, default=20.0)
        parser.add_argument("--pollers", type=int, default=64)
        opts = parser.parse_args()
        result = anyio.run(main, opts.duration, opts.pollers)
        print(table(result))
        out = ROOT / "bench" / "results" / "api_load.json"
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(result, indent=2))
        print(f"\nwrote {out.relative_to(ROOT)}")
