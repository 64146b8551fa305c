"""Run one plan in this process through the same RunManager the server uses.

``mantis plan run`` calls this: the run gets the same record (SQLite row, run
directory, result files) as one submitted over HTTP, under tenant ``default``.
A ``request_user_input`` pause is answered from ``--answer`` values, in order;
when none is left the prompt is printed and the run cancelled.
"""

from __future__ import annotations

import time
from typing import Any

import anyio
import msgspec
from rich.console import Console
from rich.table import Table

from mantis.config import Settings
from mantis.errors import MantisError
from mantis.runner.results import TERMINAL
from mantis.server.app import default_computer_factory, default_providers
from mantis.server.executor import LocalExecutor
from mantis.server.manager import RunManager
from mantis.server.requests import PredictRequest
from mantis.server.rundir import RunDir
from mantis.server.store import RunStore
from mantis.server.tenancy import single_tenant

TENANT = "default"


async def _run(
    settings: Settings,
    plan: Any,
    variables: dict[str, str],
    profile_id: str,
    answers: tuple[str, ...] = (),
) -> dict[str, Any]:
    store = RunStore(settings.db_path)
    await store.open()
    try:
        executor = LocalExecutor(settings.max_concurrent_runs)
        providers, decomposer = default_providers(settings)
        manager = RunManager(
            settings,
            store,
            executor,
            default_computer_factory(settings),
            providers,
            decomposer=decomposer,
        )
        try:
            return await _submit_and_follow(manager, executor, plan, variables, profile_id, answers)
        except BaseExceptionGroup as group:
            # A refused submission (no brain for a suite, a bad plan) is a message, not a trace.
            first = group.exceptions[0] if len(group.exceptions) == 1 else None
            if isinstance(first, MantisError):
                raise first from None
            raise
    finally:
        await store.close()


async def _submit_and_follow(
    manager: RunManager,
    executor: LocalExecutor,
    plan: Any,
    variables: dict[str, str],
    profile_id: str,
    answers: tuple[str, ...],
) -> dict[str, Any]:
    settings = manager.settings
    async with anyio.create_task_group() as tg:
        executor.attach(tg)
        req = PredictRequest(
            micro=plan if not isinstance(plan, str) else None,
            vars=variables,
            profile_id=profile_id,
        )
        if isinstance(plan, dict) and "tasks" in plan:
            req = PredictRequest(task_suite=plan, vars=variables, profile_id=profile_id)
        submitted = await manager.submit(single_tenant(TENANT), req)
        run_id = submitted["run_id"]
        deadline = time.monotonic() + settings.max_time_minutes * 60 + 60
        body = await _settle(manager, run_id, None, deadline)
        pending = list(answers)
        while body["status"] == "paused" and pending:
            before = _pause_index(body)
            await manager.resume(TENANT, run_id, pending.pop(0))
            body = await _settle(manager, run_id, before, deadline)
        if body["status"] == "paused":
            # Nobody is there to answer: say what was asked, and end the run rather
            # than hold the browser for MANTIS_PAUSE_HOLD_S.
            prompt = (body.get("pause_state") or {}).get("prompt") or ""
            Console().print(
                f"run paused: {prompt}\n"
                "  answer with --answer TEXT (once per pause, in order); the run is cancelled"
            )
            await manager.cancel(TENANT, run_id)
        result = await manager.result(TENANT, run_id)
    return result


def _pause_index(body: dict[str, Any]) -> int | None:
    state = body.get("pause_state") or {}
    index = state.get("step_index")
    return index if isinstance(index, int) else None


async def _settle(
    manager: RunManager, run_id: str, paused_at: int | None, deadline: float
) -> dict[str, Any]:
    """The run's status once it ends, or pauses at a step other than ``paused_at``."""
    while True:
        body = await manager.status(TENANT, run_id)
        if body["status"] in TERMINAL or time.monotonic() >= deadline:
            return body
        if body["status"] == "paused" and _pause_index(body) != paused_at:
            return body
        await manager.store.wait_change(run_id, min(1.0, max(0.0, deadline - time.monotonic())))


def print_result(console: Console, result: dict[str, Any], run_dir: str) -> None:
    status = result["status"]
    colour = {"succeeded": "green", "failed": "red"}.get(status, "yellow")
    console.print(f"run [bold]{result['run_id']}[/]: [{colour}]{status}[/]")
    if "error" in result:
        console.print(f"  {result['error']['class']}: {result['error']['message']}")
    details = result.get("result", {})
    for step in details.get("step_details", []):
        mark = "[green]ok[/]" if step["success"] else "[red]FAIL[/]"
        err = f"  [dim]{step['error']}[/]" if step.get("error") else ""
        console.print(
            f"  {step['index']:>3} {mark} {step['type']:<15} {step['duration_s']:6.2f}s"
            f"  {step['intent']}{err}",
            soft_wrap=True,
        )
    rows = details.get("extracted_rows", [])
    if rows:
        table = Table(title=f"{len(rows)} extracted rows")
        fields = details.get("fields") or list(rows[0])
        for f in fields:
            table.add_column(f)
        for row in rows:
            table.add_row(*(str(row.get(f, "")) for f in fields))
        console.print(table)
    summary = result.get("summary")
    if summary:
        console.print(f"  total {summary['total_time_s']:.2f}s of run time:", soft_wrap=True)
        # The API's bucket names are claude_*; the same buckets hold local OCR time.
        for key, value in summary["wall_time_breakdown"].items():
            if value:
                label = key.removeprefix("claude_") + (
                    " (OCR/provider)" if key.startswith("claude_") else ""
                )
                console.print(f"    {label:<26} {value:6.2f}s", soft_wrap=True)
    console.print(f"  result:   {run_dir}/result.json", soft_wrap=True)
    for art in details.get("artifacts", []):
        if art["kind"] == "file":
            console.print(f"  artifact: {run_dir}/{art['name']}", soft_wrap=True)


def run_plan_file(
    settings: Settings,
    plan: Any,
    variables: dict[str, str],
    profile_id: str = "default",
    answers: list[str] | None = None,
) -> int:
    """Run ``plan`` here and print the result. A run that pauses for input is resumed
    with ``answers`` in order; with none left it is cancelled (exit status 1)."""
    result = anyio.run(_run, settings, plan, variables, profile_id, tuple(answers or ()))
    run_dir = RunDir(settings.data_dir, TENANT, result["run_id"]).path
    print_result(Console(), msgspec.to_builtins(result), str(run_dir))
    return 0 if result["status"] == "succeeded" else 1
