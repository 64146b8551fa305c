"""RunManager: admits runs, hands them to an executor, and answers for them.

Submission validates the plan for the tenant, takes the profile lock
(``ProfileLocked`` → 409 carrying the holder), records the run in SQLite and
its directory, and gives the executor a job (see ``execution``). Acting on a
run — status, result, logs, cancel, resume — goes through here too, always
scoped by tenant: another tenant's run is indistinguishable from none.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import msgspec

from mantis.brains.actions import Action, Type
from mantis.brains.providers.base import FieldSpec
from mantis.brains.registry import ModelRegistry
from mantis.config import Settings
from mantis.errors import NotFound, RequestError
from mantis.gym.base import ActResult, Computer
from mantis.gym.profiles import ProfileLock, profile_paths
from mantis.plans import MicroPlan, PlanCaps, TaskSuite, dump_plan, load_plan
from mantis.runner.context import Providers, RunnerConfig
from mantis.runner.decompose import Decomposer, DecompositionCache
from mantis.runner.recipes import schema_fields
from mantis.runner.results import TERMINAL, PauseState
from mantis.runner.tools import ToolRegistry
from mantis.server.errors import ModelNotReady
from mantis.server.execution import RunExecution
from mantis.server.executor import Executor
from mantis.server.live import FrameHub, new_viewer_token
from mantis.server.metrics import Metrics
from mantis.server.pidregistry import PidRegistry
from mantis.server.recipes import RecipeStore
from mantis.server.requests import PredictRequest
from mantis.server.rundir import RunDir, check_id
from mantis.server.runopts import check_run_options
from mantis.server.secrets import Secrets
from mantis.server.status import result_body, status_body
from mantis.server.store import RunRow, RunStore
from mantis.server.submission import check_domains, check_model, clamp, load_run_plan
from mantis.server.tenancy import Tenant

TerminalHook = Callable[[RunRow], Awaitable[None]]
# Called as factory(on_event=sink): the sink receives computer events such as browser_restarted.
ComputerFactory = Callable[..., Computer]


def new_run_id() -> str:
    return datetime.now(UTC).strftime("%Y%m%d_%H%M%S_") + secrets.token_hex(4)


def links(run_id: str) -> dict[str, str]:
    base = f"/v1/runs/{run_id}"
    return {
        "status": f"{base}/status",
        "result": f"{base}/result",
        "events": f"{base}/events",
        "live": f"{base}/live.mjpeg",
    }


class RunManager:
    def __init__(
        self,
        settings: Settings,
        store: RunStore,
        executor: Executor,
        computer_factory: ComputerFactory,
        providers: Providers,
        *,
        metrics: Metrics | None = None,
        models: ModelRegistry | None = None,
        decomposer: Decomposer | None = None,
        secrets: Secrets | None = None,
        tools: ToolRegistry | None = None,
    ) -> None:
        self.settings = settings
        self.secrets = secrets
        self.models = models or ModelRegistry(settings)
        self.decomposer = decomposer
        self.tools = tools or ToolRegistry()
        self.decompositions = DecompositionCache(settings.db_path)
        self.metrics = metrics or Metrics()
        self.store = store
        self.executor = executor
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
        self.pids = PidRegistry(settings.data_dir)
        self.terminal_hooks: list[TerminalHook] = []
        self.frames = FrameHub()  # live views of the running jobs' displays
        self._live: dict[str, RunExecution] = {}
        self._resuming: set[str] = set()
        self.closing = False

    # -- submission ---------------------------------------------------------------------------

    async def submit(self, tenant: Tenant, req: PredictRequest) -> dict[str, Any]:
        tenant_key = self.secrets.get(tenant.anthropic_secret_name) if self.secrets else None
        model = check_model(req.cua_model, self.settings, self.models, tenant_key)
        if req.callback_url is not None and not req.callback_url.startswith(
            ("http://", "https://")
        ):
            raise RequestError(
                f"callback_url: expected an http(s) URL, got {req.callback_url!r}",
                extra={"field": "callback_url"},
            )
        loaded, micro = await load_run_plan(
            req, self.settings, self.caps, decomposer=self.decomposer, cache=self.decompositions
        )
        implicit_mock = model == "mock" and not (req.cua_model or self.settings.model)
        if isinstance(micro, TaskSuite) and implicit_mock:
            raise ModelNotReady(
                "task-suite tasks are free-form goals that need a vision-language brain, and "
                "none is ready (see `mantis doctor`); name cua_model=mock for a dry run, or give "
                "the suite a _micro_plan of label-driven steps",
                extra={"reason": "no_brain"},
            )
        check_domains(tenant, micro, loaded)
        options, warnings = check_run_options(req, micro, tenant, self.settings)
        tid = tenant.tenant_id
        profile_id = check_id(req.profile_id or req.state_key or "default", "profile_id")
        workflow_id = check_id(
            req.workflow_id or req.state_key or loaded.signature[:12], "workflow_id"
        )
        run_id = new_run_id()
        _, lock_path = profile_paths(self.settings.data_dir, tid, profile_id)
        lock = ProfileLock(lock_path, run_id=run_id, profile_id=profile_id)
        lock.acquire()  # raises ProfileLocked → 409
        try:
            now = time.time()
            payload = msgspec.to_builtins(req)
            payload.update(
                profile_id=f"{tid}__{profile_id}",
                workflow_id=f"{tid}__{workflow_id}",
                max_time_minutes=clamp(
                    req.max_time_minutes,
                    micro.runtime.max_time_minutes,
                    self.settings.default_max_time_minutes,
                    self.settings.max_time_minutes,
                    tenant.max_time_minutes_per_run,
                ),
                max_cost=clamp(
                    req.max_cost,
                    micro.runtime.max_cost,
                    self.settings.default_max_cost_usd,
                    self.settings.max_cost_usd,
                    tenant.max_cost_per_run,
                ),
            )
            payload.update(options)
            if req.live_viewer:  # the stream opens with it, without X-Mantis-Token
                payload["viewer_token"] = new_viewer_token()
            if req.callback_url is None and tenant.webhook_url:
                payload["callback_url"] = tenant.webhook_url
            if tenant.anthropic_secret_name:
                payload["anthropic_secret_name"] = tenant.anthropic_secret_name
            if payload.get("callback_url") and tenant.webhook_secret_name:
                payload["webhook_secret_name"] = tenant.webhook_secret_name
            row = RunRow(
                run_id=run_id,
                tenant=tid,
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
                step_total=len(micro.steps) if isinstance(micro, MicroPlan) else len(micro.tasks),
                error_class=None,
                error_message=None,
                summary=None,
                payload=payload,
            )
            rundir = RunDir(self.settings.data_dir, tid, run_id)
            rundir.create()
            rundir.write_plan(dump_plan(micro))
            await self.store.insert(row)
            rundir.write_status(status_body(row))
            for warning in [*loaded.warnings, *warnings]:
                await self.store.add_event(run_id, "warning", {"message": warning})
                rundir.append_event("warning", {"message": warning})
        except BaseException:
            lock.release()
            raise
        self._start(RunExecution(self, row, micro, lock))
        return {
            **status_body(row),
            "mode": "detached" if req.detached else "blocking",
            "model": model,
            "payload": {k: v for k, v in payload.items() if k != "viewer_token"},
            "links": links(run_id),
        }

    def _start(self, execution: RunExecution) -> None:
        """The one place a run is handed to the executor (a remote executor plugs in here)."""
        self._live[execution.row.run_id] = execution
        self.executor.start(execution.row.run_id, execution.job)

    async def tenant_recipes(self, tenant: str) -> dict[str, list[FieldSpec]]:
        """The tenant's stored recipes as field lists, for ``extract: {recipe}`` steps."""
        out: dict[str, list[FieldSpec]] = {}
        for recipe in await RecipeStore(self.store).list(tenant):
            try:
                out[recipe["name"]] = schema_fields(recipe["schema"])
            except ValueError:
                continue  # stored before PUT validated schemas; unusable, so not offered
        return out

    def forget(self, run_id: str) -> None:
        self._live.pop(run_id, None)

    def live_row(self, run_id: str) -> RunRow | None:
        """The row of a run that has a job in this process right now (any tenant)."""
        live = self._live.get(run_id)
        return live.row if live is not None else None

    def load_plan(self, row: RunRow) -> MicroPlan | TaskSuite:
        """The plan as dispatched, from the run directory (used on resume and recovery)."""
        path = RunDir(self.settings.data_dir, row.tenant, row.run_id).file("task_suite.json")
        plan = load_plan(msgspec.json.decode(path.read_bytes()), caps=self.caps).plan
        assert isinstance(plan, MicroPlan | TaskSuite)
        return plan

    # -- acting on runs -----------------------------------------------------------------------

    async def get(self, tenant: str, run_id: str | None) -> RunRow:
        if not run_id:
            raise RequestError("run_id: required for this action", extra={"field": "run_id"})
        try:
            check_id(run_id, "run_id")
        except RequestError:
            raise NotFound(f"run {run_id!r} not found", extra={"run_id": run_id}) from None
        row = await self.store.get(tenant, run_id)
        if row is None:
            raise NotFound(f"run {run_id!r} not found", extra={"run_id": run_id})
        return row

    def rundir(self, row: RunRow) -> RunDir:
        return RunDir(self.settings.data_dir, row.tenant, row.run_id)

    def pause_state(self, row: RunRow) -> PauseState | None:
        path = self.rundir(row).file("pause_state.json")
        if not path.is_file():
            return None
        return msgspec.json.decode(path.read_bytes(), type=PauseState)

    def body(self, row: RunRow) -> dict[str, Any]:
        body = status_body(row)
        if row.status == "paused":
            state = self.pause_state(row)
            body["pause_state"] = msgspec.to_builtins(state) if state else None
        return body

    async def status(self, tenant: str, run_id: str | None) -> dict[str, Any]:
        return self.body(await self.get(tenant, run_id))

    async def result(self, tenant: str, run_id: str | None) -> dict[str, Any]:
        row = await self.get(tenant, run_id)
        path = self.rundir(row).file("result.json")
        if row.status in TERMINAL and path.exists():
            body: dict[str, Any] = msgspec.json.decode(path.read_bytes())
            return body
        return {**result_body(row, None), **self.body(row)}

    async def logs(self, tenant: str, run_id: str | None, tail: int) -> dict[str, Any]:
        row = await self.get(tenant, run_id)
        tail = max(1, min(tail, 10000))
        return {"run_id": row.run_id, "events": await self.store.events(row.run_id, tail)}

    async def take_over(self, tenant: str, run_id: str, action: Action) -> ActResult | None:
        """A person acting on the live browser of the tenant's running or paused run.

        404 for another tenant's run; None when the run has no browser open in this
        process (queued, parked after its hold, finished). Recorded as ``takeover_action``
        — typed text by its length only."""
        row = await self.get(tenant, run_id)
        live = self._live.get(row.run_id)
        computer = live.computer if live is not None else None
        if live is None or computer is None or row.status not in ("running", "paused"):
            return None
        result = await computer.act(action)
        record = msgspec.to_builtins(action)
        record.pop("reasoning", None)
        record["action"] = record.pop("kind", None)
        if isinstance(action, Type):
            record["length"] = len(record.pop("text"))
        await live.event("takeover_action", {**record, "ok": result.ok})
        return result

    async def wait(self, tenant: str, run_id: str, timeout_s: float) -> dict[str, Any]:
        deadline = time.monotonic() + timeout_s
        while (left := deadline - time.monotonic()) > 0:
            row = await self.get(tenant, run_id)
            if row.status in TERMINAL or row.status == "paused":
                return self.body(row)
            await self.store.wait_change(run_id, min(left, 5.0))
        return await self.status(tenant, run_id)

    async def cancel(self, tenant: str, run_id: str | None) -> dict[str, Any]:
        row = await self.get(tenant, run_id)
        if row.status in TERMINAL:
            return self.body(row)
        if self.executor.cancel(row.run_id):
            await self.executor.wait(row.run_id, 30)
        fresh = await self.get(tenant, row.run_id)
        if fresh.status not in TERMINAL:
            # no live job (a parked paused run, or one the executor does not know): finish here
            await RunExecution.finish_parked(self, fresh, "cancelled")
        return await self.status(tenant, row.run_id)

    async def resume(
        self, tenant: str, run_id: str | None, user_input: str | None
    ) -> dict[str, Any]:
        row = await self.get(tenant, run_id)
        if user_input is None or user_input == "":
            raise RequestError(
                "user_input: required to resume a paused run", extra={"field": "user_input"}
            )
        if row.status != "paused" or row.run_id in self._resuming:
            raise RequestError(
                f"run {row.run_id} is not paused (status {row.status!r}); only a paused run "
                "can be resumed",
                extra={"run_id": row.run_id, "status": row.status},
            )
        live = self._live.get(row.run_id)
        self._resuming.add(row.run_id)
        try:
            if live is not None:
                if not live.answer(user_input):  # already answered, still waking up
                    raise RequestError(
                        f"run {row.run_id} is not paused (it is resuming); only a paused run "
                        "can be resumed",
                        extra={"run_id": row.run_id, "status": "running"},
                    )
            else:
                state = self.pause_state(row)
                if state is None:
                    raise RequestError(
                        f"run {row.run_id}: pause_state.json is missing; it cannot be resumed",
                        extra={"run_id": row.run_id},
                    )
                _, lock_path = profile_paths(self.settings.data_dir, tenant, row.profile_id)
                lock = ProfileLock(lock_path, run_id=row.run_id, profile_id=row.profile_id)
                lock.acquire()  # the profile may have been taken while parked → 409
                execution = RunExecution(
                    self, row, self.load_plan(row), lock, resume=(state, user_input)
                )
                await self.store.update(row.run_id, status="queued", phase="resuming")
                self._start(execution)
        finally:
            self._resuming.discard(row.run_id)
        return {
            "status": "running",
            "run_id": row.run_id,
            "resumed_at": datetime.now(UTC).isoformat(),
        }

    # -- start-up -----------------------------------------------------------------------------

    async def reconcile(self) -> dict[str, list[str]]:
        """Runs left queued/running by a dead process: failed, or re-queued with recovery on.

        Paused runs stay paused: their pause_state.json is enough to resume them.
        """
        report: dict[str, list[str]] = {"failed": [], "requeued": []}
        report["orphans_killed"] = [str(p) for p in self.pids.reap_orphans()]
        for row in await self.store.with_status("queued", "running"):
            if self.settings.recover_runs:
                _, lock_path = profile_paths(self.settings.data_dir, row.tenant, row.profile_id)
                lock = ProfileLock(lock_path, run_id=row.run_id, profile_id=row.profile_id)
                lock.acquire()
                await self.store.update(row.run_id, status="queued", phase="queued")
                self._start(RunExecution(self, row, self.load_plan(row), lock))
                report["requeued"].append(row.run_id)
            else:
                await RunExecution.finish_parked(
                    self,
                    row,
                    "failed",
                    error=("server_restarted", "the server stopped while this run was active"),
                )
                report["failed"].append(row.run_id)
        return report
