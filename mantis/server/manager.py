"""RunManager: admits runs, executes each as an anyio task, and answers for them.

Submission validates the plan, takes the profile lock (``ProfileLocked`` → 409
carrying the holder), records the run in SQLite and its directory, and starts
the run in the app's task group. Cancelling cancels the run's scope; the lock
is released and the browser closed in the run's ``finally`` before cancel
returns.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import anyio
import msgspec
from anyio.abc import TaskGroup

from mantis import atomic
from mantis.config import Settings
from mantis.errors import MantisError, NotFound, PlanError, RequestError
from mantis.gym.base import Computer, SessionSpec
from mantis.gym.profiles import ProfileLock, profile_paths
from mantis.plans import LoadedPlan, MicroPlan, PlanCaps, TaskSuite, dump_plan, load_plan
from mantis.runner.context import Providers, RunnerConfig
from mantis.runner.micro import MicroPlanRunner
from mantis.runner.results import TERMINAL, RunOutcome, write_artifacts
from mantis.server.requests import PredictRequest, plan_data
from mantis.server.rundir import RunDir, check_id
from mantis.server.status import result_body, status_body
from mantis.server.store import RunRow, RunStore

KNOWN_MODELS = (
    "mock",
    "holo3",
    "gemma4-cua",
    "fara",
    "evocua-8b",
    "evocua-32b",
    "opencua-32b",
    "opencua-72b",
    "claude",
)
READY_MODELS = ("mock",)


class ModelNotReady(MantisError):
    status_code = 503


def new_run_id() -> str:
    return datetime.now(UTC).strftime("%Y%m%d_%H%M%S_") + secrets.token_hex(4)


class _Active:
    def __init__(self, lock: ProfileLock) -> None:
        self.lock = lock
        self.scope = anyio.CancelScope()
        self.finished = anyio.Event()


class RunManager:
    def __init__(
        self,
        settings: Settings,
        store: RunStore,
        computer_factory: Callable[[], Computer],
        providers: Providers,
    ) -> None:
        self.settings = settings
        self.store = store
        self.computer_factory = computer_factory
        self.providers = providers
        self.caps = PlanCaps(
            max_steps_per_plan=settings.max_steps_per_plan,
            max_loop_iterations=settings.max_loop_iterations,
            max_wait_seconds=settings.max_wait_seconds,
        )
        self.runner_config = RunnerConfig(
            max_wait_seconds=settings.max_wait_seconds,
            max_loop_iterations=settings.max_loop_iterations,
        )
        self._tg: TaskGroup | None = None
        self._active: dict[str, _Active] = {}

    def attach(self, tg: TaskGroup) -> None:
        self._tg = tg

    # -- submission ---------------------------------------------------------------------------

    def _plan(self, req: PredictRequest) -> tuple[LoadedPlan, MicroPlan]:
        field, data = plan_data(req, self.settings.plans_dir)
        if field == "plan_text":
            raise ModelNotReady(
                "plan_text needs a decomposer to turn text into steps, and none is configured "
                "in this deployment; submit a micro-plan instead"
            )
        try:
            loaded = load_plan(data, caps=self.caps, vars=req.vars)
        except PlanError as exc:
            prefix = "" if field in ("micro", "plan_text") else f"{field}."
            raise PlanError(prefix + exc.path if exc.path else field, exc.reason) from None
        plan = loaded.plan
        if isinstance(plan, TaskSuite):
            if plan.micro_plan is None:
                raise ModelNotReady(
                    "task-suite tasks are free-form goals that need a vision-language brain, and "
                    "none is ready in this deployment (see `mantis doctor`); give the suite a "
                    "_micro_plan to run label-driven steps instead"
                )
            return loaded, plan.micro_plan
        if not isinstance(plan, MicroPlan):
            raise RequestError(
                f"{field}: expected a micro-plan or a task suite, got plain text",
                extra={"field": field},
            )
        return loaded, plan

    async def submit(self, tenant: str, req: PredictRequest) -> dict[str, Any]:
        model = req.cua_model or self.settings.model
        if model not in KNOWN_MODELS and not model.startswith("endpoint:"):
            raise RequestError(
                f"cua_model: unknown model {model!r}; valid: {', '.join(KNOWN_MODELS)}, endpoint:<name>",
                extra={"field": "cua_model"},
            )
        if model not in READY_MODELS:
            raise ModelNotReady(
                f"cua_model: {model!r} is not ready: no engine or key is configured",
                extra={"reason": "not_configured"},
            )
        loaded, micro = self._plan(req)
        profile_id = check_id(req.profile_id or req.state_key or "default", "profile_id")
        workflow_id = check_id(
            req.workflow_id or req.state_key or loaded.signature[:12], "workflow_id"
        )
        run_id = new_run_id()
        profile_dir, lock_path = profile_paths(self.settings.data_dir, tenant, profile_id)
        lock = ProfileLock(lock_path, run_id=run_id, profile_id=profile_id)
        lock.acquire()  # raises ProfileLocked → 409
        try:
            now = time.time()
            payload = msgspec.to_builtins(req)
            payload.update(
                profile_id=f"{tenant}__{profile_id}", workflow_id=f"{tenant}__{workflow_id}"
            )
            row = RunRow(
                run_id=run_id,
                tenant=tenant,
                status="queued",
                created_at=now,
                updated_at=now,
                started_at=None,
                finished_at=None,
                profile_id=profile_id,
                workflow_id=workflow_id,
                cua_model=model,
                phase="queued",
                step_index=0,
                step_total=len(micro.steps),
                error_class=None,
                error_message=None,
                summary=None,
                payload=payload,
            )
            rundir = RunDir(self.settings.data_dir, tenant, run_id)
            rundir.create()
            rundir.write_plan(dump_plan(micro))
            await self.store.insert(row)
            rundir.write_status(status_body(row))
            for warning in loaded.warnings:
                await self._event(row, rundir, "warning", {"message": warning})
        except BaseException:
            lock.release()
            raise
        active = _Active(lock)
        self._active[run_id] = active
        assert self._tg is not None, "RunManager.attach() was not called"
        self._tg.start_soon(self._execute, row, micro, str(profile_dir), active)
        return {
            **status_body(row),
            "mode": "detached" if req.detached else "blocking",
            "model": model,
            "payload": payload,
            "links": self._links(run_id),
        }

    @staticmethod
    def _links(run_id: str) -> dict[str, str]:
        base = f"/v1/runs/{run_id}"
        return {
            "status": f"{base}/status",
            "result": f"{base}/result",
            "events": f"{base}/events",
            "live": f"{base}/live.mjpeg",
        }

    # -- execution ----------------------------------------------------------------------------

    async def _event(self, row: RunRow, rundir: RunDir, kind: str, data: dict[str, Any]) -> None:
        await self.store.add_event(row.run_id, kind, data)
        rundir.append_event(kind, data)

    async def _transition(self, row: RunRow, rundir: RunDir, **fields: Any) -> None:
        await self.store.update(row.run_id, **fields)
        fresh = await self.store.get(row.tenant, row.run_id)
        if fresh is not None:
            rundir.write_status(status_body(fresh))

    async def _execute(
        self, row: RunRow, plan: MicroPlan, profile_dir: str, active: _Active
    ) -> None:
        rundir = RunDir(self.settings.data_dir, row.tenant, row.run_id)
        computer = self.computer_factory()
        outcome: RunOutcome | None = None
        error: tuple[str, str] | None = None
        minutes = min(
            row.payload.get("max_time_minutes")
            or plan.runtime.max_time_minutes
            or self.settings.default_max_time_minutes,
            self.settings.max_time_minutes,
        )

        async def on_event(kind: str, data: dict[str, Any]) -> None:
            await self._event(row, rundir, kind, data)
            if kind == "step_started":
                await self._transition(row, rundir, step_index=data["index"], phase=data["type"])

        try:
            with active.scope:
                await self._transition(
                    row, rundir, status="running", phase="starting", started_at=time.time()
                )
                try:
                    with anyio.fail_after(minutes * 60):
                        info = await computer.open(
                            SessionSpec(
                                profile_dir=profile_dir,
                                run_id=row.run_id,
                                viewport=self.settings.display_size,
                            )
                        )
                        await on_event("session_opened", {"display": info.display})
                        runner = MicroPlanRunner(
                            computer, self.providers, self.runner_config, events=on_event
                        )
                        outcome = await runner.run(plan, info)
                except TimeoutError:
                    error = ("time_cap", f"the run exceeded max_time_minutes={minutes:g}")
                except MantisError as exc:
                    error = ("error", exc.message)
                except Exception as exc:  # one boundary: any crash becomes a failed run, logged
                    error = ("internal_error", f"{type(exc).__name__}: {exc}")
        finally:
            with anyio.CancelScope(shield=True):
                await computer.close()
                active.lock.release()
                await self._finish(
                    row, rundir, outcome, error, cancelled=active.scope.cancel_called
                )
                self._active.pop(row.run_id, None)
                active.finished.set()

    async def _finish(
        self,
        row: RunRow,
        rundir: RunDir,
        outcome: RunOutcome | None,
        error: tuple[str, str] | None,
        cancelled: bool,
    ) -> None:
        fields: dict[str, Any] = {"finished_at": time.time(), "phase": "finished"}
        if cancelled:
            fields.update(status="cancelled")
        elif outcome is None:
            cls, message = error or ("internal_error", "the run ended without an outcome")
            fields.update(status="failed", error_class=cls, error_message=message)
        else:
            fields.update(status=outcome.status, summary=msgspec.to_builtins(outcome.summary))
            if outcome.halt:
                fields.update(error_class=outcome.halt.cls, error_message=outcome.halt.message)
        if outcome is not None:
            outcome.artifacts = write_artifacts(
                rundir.path, outcome, f"/v1/runs/{row.run_id}/artifacts"
            )
        await self._transition(row, rundir, **fields)
        fresh = await self.store.get(row.tenant, row.run_id)
        assert fresh is not None
        rundir_result = result_body(fresh, outcome)
        atomic.write_json(rundir.file("result.json"), rundir_result)
        await self._event(row, rundir, "run_finished", {"status": fresh.status})

    # -- acting on runs -----------------------------------------------------------------------

    async def get(self, tenant: str, run_id: str | None) -> RunRow:
        if not run_id:
            raise RequestError("run_id: required for this action", extra={"field": "run_id"})
        try:
            check_id(run_id, "run_id")
        except RequestError:
            raise NotFound(f"run {run_id!r} not found") from None
        row = await self.store.get(tenant, run_id)
        if row is None:
            raise NotFound(f"run {run_id!r} not found")
        return row

    async def status(self, tenant: str, run_id: str | None) -> dict[str, Any]:
        return status_body(await self.get(tenant, run_id))

    async def result(self, tenant: str, run_id: str | None) -> dict[str, Any]:
        row = await self.get(tenant, run_id)
        path = RunDir(self.settings.data_dir, tenant, row.run_id).file("result.json")
        if row.status in TERMINAL and path.exists():
            return msgspec.json.decode(path.read_bytes())
        return result_body(row, None)

    async def logs(self, tenant: str, run_id: str | None, tail: int) -> dict[str, Any]:
        row = await self.get(tenant, run_id)
        tail = max(1, min(tail, 10000))
        return {"run_id": row.run_id, "events": await self.store.events(row.run_id, tail)}

    async def wait(self, tenant: str, run_id: str, timeout_s: float) -> dict[str, Any]:
        active = self._active.get(run_id)
        if active is not None:
            with anyio.move_on_after(timeout_s):
                await active.finished.wait()
        return await self.status(tenant, run_id)

    async def cancel(self, tenant: str, run_id: str | None) -> dict[str, Any]:
        row = await self.get(tenant, run_id)
        active = self._active.get(row.run_id)
        if active is not None and row.status not in TERMINAL:
            active.scope.cancel()
            with anyio.move_on_after(30):
                await active.finished.wait()
        return await self.status(tenant, row.run_id)

    async def shutdown(self) -> None:
        for active in list(self._active.values()):
            active.scope.cancel()
        for active in list(self._active.values()):
            with anyio.move_on_after(30):
                await active.finished.wait()
