"""One run's life inside an executor job: queued → running ⇄ paused → terminal.

The job takes an executor slot, opens a computer on the run's profile, builds
the runner (:meth:`RunExecution.build_runner`, the one seam for other runner
kinds) and walks the plan. When the runner pauses, the snapshot goes to
``pause_state.json``, the status becomes ``paused`` and the job gives its slot
back but keeps the browser and the profile lock for ``MANTIS_PAUSE_HOLD_S``.
An answer within the hold continues on the same browser; after it the browser
closes, the lock is released and the run is *parked*: a later resume starts a
new job that restores the browser from the snapshot. ``max_time_minutes``
counts active time only, not time spent waiting for a person.
"""

from __future__ import annotations

import math
import time
from typing import TYPE_CHECKING, Any

import anyio
import msgspec

from mantis import atomic
from mantis.brains.base import Brain
from mantis.brains.providers.base import FieldSpec
from mantis.brains.registry import get_brain
from mantis.config import Settings
from mantis.errors import MantisError
from mantis.gym.base import SessionInfo, SessionSpec
from mantis.gym.profiles import ProfileLock, profile_paths
from mantis.plans import MicroPlan, TaskSuite, plan_signature
from mantis.runner.checkpoints import FileCheckpointStore
from mantis.runner.costs import PriceTable
from mantis.runner.micro import MicroPlanRunner
from mantis.runner.results import Artifact, PauseState, RunOutcome, write_artifacts
from mantis.runner.suite import TaskSuiteRunner
from mantis.server.capture import Capture, run_capture
from mantis.server.executor import Slot
from mantis.server.live import viewer_url
from mantis.server.pidregistry import child_pids
from mantis.server.rundir import RunDir
from mantis.server.runopts import extraction_fields, session_options
from mantis.server.status import result_body, status_body
from mantis.server.store import RunRow

if TYPE_CHECKING:
    from mantis.server.manager import RunManager


def price_table(s: Settings) -> PriceTable:
    return PriceTable(
        claude_input_per_mtok=s.price_claude_input_per_mtok,
        claude_output_per_mtok=s.price_claude_output_per_mtok,
        claude_cache_read_per_mtok=s.price_claude_cache_read_per_mtok,
        claude_cache_write_per_mtok=s.price_claude_cache_write_per_mtok,
        gpu_per_hour=s.gpu_price_per_hour_local,
    )


class RunExecution:
    recipes: dict[str, list[FieldSpec]] = {}  # the tenant's stored recipes, read at start

    computer: Any = None  # the open computer while the job holds a browser, else None

    def __init__(
        self,
        manager: RunManager,
        row: RunRow,
        plan: MicroPlan | TaskSuite,
        lock: ProfileLock,
        resume: tuple[PauseState, str] | None = None,
    ) -> None:
        self.m = manager
        self.row = row
        self.plan = plan
        self.lock = lock
        self.resume_with = resume
        self.rundir = RunDir(manager.settings.data_dir, row.tenant, row.run_id)
        self._answer_send, self._answer_recv = anyio.create_memory_object_stream[str](1)
        self._waiting = False
        self.capture: Capture | None = None

    # -- called by the manager ----------------------------------------------------------------

    def answer(self, user_input: str) -> bool:
        """Hand ``user_input`` to this job if it is holding a pause; False otherwise."""
        if not self._waiting:
            return False
        self._waiting = False
        self._answer_send.send_nowait(user_input)
        return True

    def brain(self) -> Brain | None:
        """The run's brain. An implicit ``mock`` (nothing ready, nothing asked) is no brain:
        free-form steps then fail and say what to configure."""
        model = self.row.cua_model
        if model == "mock" and not (self.row.payload.get("cua_model") or self.m.settings.model):
            return None
        secret = self.row.payload.get("anthropic_secret_name")
        if model == "claude" and secret and self.m.secrets:
            key = self.m.secrets.get(secret)
            if key:  # the tenant's own key: a client of its own, no shared engine involved
                return get_brain(model, self.m.settings, api_key=key)
        # the shared registry: in-process engines are loaded once and shared by runs
        return get_brain(model, self.m.settings, registry=self.m.models)

    def build_runner(self, computer: Any) -> MicroPlanRunner:
        s = self.m.settings
        return MicroPlanRunner(
            computer,
            self.m.providers,
            self.m.runner_config,
            events=self.on_event,
            brain=self.brain(),
            checkpoints=FileCheckpointStore(
                s.data_dir / "tenants" / self.row.tenant / "checkpoints"
            ),
            prices=price_table(s),
            tools=self.m.tools,
            recipes=self.recipes,
            extraction=extraction_fields(self.row.payload),
        )

    def _publish_viewer(self) -> None:
        """``viewer.json`` in the run dir, for a run submitted with ``live_viewer``."""
        token = self.row.payload.get("viewer_token")
        if token:
            url = viewer_url(self.row.run_id, token)
            atomic.write_json(self.rundir.file("viewer.json"), {"viewer_url": url})

    async def start(self, runner: MicroPlanRunner, computer: Any, info: SessionInfo) -> RunOutcome:
        payload = self.row.payload
        if isinstance(self.plan, TaskSuite):
            brain = runner.brain
            assert brain is not None, "task suites are admitted only with a brain"
            suite = TaskSuiteRunner(
                computer,
                self.m.providers,
                brain,
                self.m.runner_config,
                events=self.on_event,
                prices=price_table(self.m.settings),
            )
            return await suite.run(self.plan, info, max_steps=payload.get("max_steps"))
        return await runner.run(
            self.plan,
            info,
            workflow_id=self.row.workflow_id,
            resume_state=bool(payload.get("resume_state")),
            max_cost=payload.get("max_cost"),
            max_time_minutes=payload.get("max_time_minutes"),
        )

    # -- the job ------------------------------------------------------------------------------

    async def event(self, kind: str, data: dict[str, Any]) -> None:
        await self.m.store.add_event(self.row.run_id, kind, data)
        self.rundir.append_event(kind, data)

    async def on_event(self, kind: str, data: dict[str, Any]) -> None:
        await self.event(kind, data)
        if kind == "step_started":
            await self.transition(step_index=data["index"], phase=data["type"])
        elif kind == "step_finished" and not data.get("skipped"):
            self.m.metrics.step(str(data["type"]), float(data.get("duration_s") or 0.0))

    async def transition(self, **fields: Any) -> RunRow:
        await self.m.store.update(self.row.run_id, **fields)
        fresh = await self.m.store.get(self.row.tenant, self.row.run_id)
        assert fresh is not None
        self.row = fresh
        self.rundir.write_status(status_body(fresh))
        return fresh

    async def job(self, slot: Slot) -> None:
        computer = self.m.computer_factory(on_event=self.event)
        outcome: RunOutcome | None = None
        error: tuple[str, str] | None = None
        parked = False
        cancelled = False
        minutes = float(self.row.payload.get("max_time_minutes") or 60)
        budget = anyio.CancelScope(deadline=math.inf)
        try:
            await slot.restore()
            started = {} if self.row.started_at else {"started_at": time.time()}
            await self.transition(status="running", phase="starting", **started)
            budget.deadline = anyio.current_time() + minutes * 60
            with budget:
                try:
                    profile_dir, _ = profile_paths(
                        self.m.settings.data_dir, self.row.tenant, self.row.profile_id
                    )
                    info = await computer.open(
                        SessionSpec(
                            profile_dir=str(profile_dir),
                            run_id=self.row.run_id,
                            viewport=self.m.settings.display_size,
                            enable_cdp=bool(self.row.payload.get("enable_cdp")),
                            **session_options(self.m.settings, self.row.payload),
                        )
                    )
                    self.m.pids.record(self.row.run_id, child_pids(computer, info))
                    self.computer = computer
                    await self.event("session_opened", {"display": info.display})
                    self._publish_viewer()
                    self.recipes = await self.m.tenant_recipes(self.row.tenant)
                    runner = self.build_runner(computer)
                    async with run_capture(
                        computer, self.row, self.rundir.path, self.m.frames, self.event
                    ) as self.capture:
                        if self.resume_with is not None:
                            outcome = await self._resume(runner, info, *self.resume_with)
                        else:
                            outcome = await self.start(runner, computer, info)
                        while outcome.status == "paused" and outcome.pause is not None:
                            user_input = await self._hold(outcome.pause, slot, budget)
                            if user_input is None:
                                parked = True
                                break
                            outcome = await self._resume(runner, info, outcome.pause, user_input)
                except MantisError as exc:
                    error = ("error", exc.message)
                except Exception as exc:  # one boundary: any crash becomes a failed run
                    error = ("internal_error", f"{type(exc).__name__}: {exc}")
            if budget.cancelled_caught:
                error, outcome = (
                    ("time_cap", f"the run exceeded max_time_minutes={minutes:g}"),
                    None,
                )
        except anyio.get_cancelled_exc_class():
            cancelled = True
            raise
        finally:
            with anyio.CancelScope(shield=True):
                self.computer = None
                await computer.close()
                self.m.pids.forget(self.row.run_id)
                self.lock.release()
                self.m.forget(self.row.run_id)
                if parked:
                    await self.event("pause_hold_expired", {"hold_s": self.m.settings.pause_hold_s})
                elif self.m.closing and cancelled:
                    # server shutdown, not a caller's cancel: a paused run stays paused and
                    # resumable; a running one is reconciled at the next start-up
                    await self.event("server_shutdown", {"status": self.row.status})
                else:
                    await self._finish(outcome, error, cancelled)

    async def _resume(
        self, runner: MicroPlanRunner, info: SessionInfo, state: PauseState, user_input: str
    ) -> RunOutcome:
        await self.transition(status="running", phase="resuming", prompt=None, reason=None)
        self.rundir.file("pause_state.json").unlink(missing_ok=True)
        assert isinstance(self.plan, MicroPlan), "only micro-plans pause"
        return await runner.resume(
            self.plan, info, state, user_input, signature=plan_signature(self.plan)
        )

    async def _hold(self, state: PauseState, slot: Slot, budget: anyio.CancelScope) -> str | None:
        """Park the paused run's browser for the hold time; the answer, or None after it."""
        atomic.write_json(self.rundir.file("pause_state.json"), msgspec.to_builtins(state))
        left = budget.deadline - anyio.current_time()
        budget.deadline = math.inf  # waiting for a person is not run time
        # Ready for the answer before anyone can see "paused": a resume that follows the
        # status at once must not be told the run is still resuming. (The stream holds it.)
        self._waiting = True
        await self.transition(
            status="paused",
            phase="paused",
            step_index=state.step_index,
            prompt=state.prompt,
            reason=state.reason,
        )
        await slot.suspend()
        answer: str | None = None
        with anyio.move_on_after(self.m.settings.pause_hold_s):
            answer = await self._answer_recv.receive()
        self._waiting = False
        if answer is None:
            return None
        await slot.restore()
        budget.deadline = anyio.current_time() + left
        return answer

    async def _finish(
        self, outcome: RunOutcome | None, error: tuple[str, str] | None, cancelled: bool
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
            outcome.artifacts = write_artifacts(
                self.rundir.path, outcome, f"/v1/runs/{self.row.run_id}/artifacts"
            )
        video = self.capture.artifact if self.capture is not None else None
        await finalize(self.m, self.row, fields, outcome, [video] if video else [])

    @staticmethod
    async def finish_parked(
        manager: RunManager, row: RunRow, status: str, error: tuple[str, str] | None = None
    ) -> None:
        """Finish a run that has no live job (parked paused, or left by a dead server)."""
        fields: dict[str, Any] = {"finished_at": time.time(), "phase": "finished", "status": status}
        if error:
            fields.update(error_class=error[0], error_message=error[1])
        await finalize(manager, row, fields, None)


async def finalize(
    manager: RunManager,
    row: RunRow,
    fields: dict[str, Any],
    outcome: RunOutcome | None,
    files: list[Artifact] | None = None,
) -> None:
    """Record a terminal status: row, status.json, result.json, event, hooks.

    ``files`` are artifacts made beside the runner's (the screencast)."""
    rundir = RunDir(manager.settings.data_dir, row.tenant, row.run_id)
    fields.update(prompt=None, reason=None)
    await manager.store.update(row.run_id, **fields)
    fresh = await manager.store.get(row.tenant, row.run_id)
    assert fresh is not None
    rundir.write_status(status_body(fresh))
    rundir.file("pause_state.json").unlink(missing_ok=True)
    result = result_body(fresh, outcome)
    result["result"]["artifacts"] += msgspec.to_builtins(files or [])
    atomic.write_json(rundir.file("result.json"), result)
    await manager.store.add_event(row.run_id, "run_finished", {"status": fresh.status})
    rundir.append_event("run_finished", {"status": fresh.status})
    costs = (fresh.summary or {}).get("cost_breakdown") or {}
    manager.metrics.run_finished(fresh.tenant, fresh.status, costs)
    for hook in manager.terminal_hooks:
        await hook(fresh)
