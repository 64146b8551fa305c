"""MicroPlanRunner: walks a micro-plan's steps with the reliability rules.

Per step: the run ceilings (``budget_cap`` / ``time_cap``), ``guard`` (skip
without any vision call when falsy), run-time ``{{list[i]}}`` filling, the
handler, then ``verify`` and ``hints``. A failed ``required`` step is retried up
to ``retries`` times, then halts the run; a failed ``gate`` halts at once. Other
failures are recorded and the plan continues. Inline loop bodies are flattened
into jump loops first (:mod:`mantis.runner.loops`); ``loop`` jumps back to
``loop_target`` up to ``loop_count`` times, ``stop_var`` truthy exits early.
With a checkpoint store, the state after every step is saved under the
run's ``workflow_id`` and ``run(..., resume_state=True)`` continues from it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mantis.brains.base import Brain
from mantis.brains.providers.base import FieldSpec
from mantis.errors import MantisError, RequestError
from mantis.gym.base import Computer, SessionInfo
from mantis.plans import MicroPlan, Step, fill_user_input, plan_signature
from mantis.runner.checkpoints import Checkpoint, CheckpointStore, check_signature
from mantis.runner.checks import check_after
from mantis.runner.context import (
    EventSink,
    Providers,
    RunnerConfig,
    StepContext,
    StepFailed,
    _no_events,
    truthy,
)
from mantis.runner.costs import CostMeter, PriceTable
from mantis.runner.expand import ListExhausted, expand
from mantis.runner.guards import RunGuards
from mantis.runner.loops import flatten, innermost_loop
from mantis.runner.meter import StepClock, TimeMeter
from mantis.runner.results import (
    HaltInfo,
    PauseState,
    RunOutcome,
    RunStatus,
    RunSummary,
    StepResult,
    viable_count,
)
from mantis.runner.steps import HANDLERS, Jump, Pause, Stop
from mantis.runner.steps.motion import page_print
from mantis.runner.tools import ToolRegistry


class _Walk:
    """The mutable state of one stretch of a run (until it ends, halts or pauses)."""

    def __init__(self, ctx: StepContext, plan: MicroPlan, signature: str, guards: RunGuards):
        self.ctx = ctx
        self.plan = plan
        self.signature = signature
        self.guards = guards
        self.results: list[StepResult] = []
        self.loop_counts: dict[int, int] = {}
        self.workflow_id: str | None = None


class MicroPlanRunner:
    def __init__(
        self,
        computer: Computer,
        providers: Providers,
        config: RunnerConfig | None = None,
        *,
        events: EventSink = _no_events,
        brain: Brain | None = None,
        tools: ToolRegistry | None = None,
        checkpoints: CheckpointStore | None = None,
        prices: PriceTable | None = None,
        recipes: Mapping[str, list[FieldSpec]] | None = None,
    ) -> None:
        self.computer = computer
        self.providers = providers
        self.config = config or RunnerConfig()
        self.emit = events
        self.brain = brain
        self.tools = tools or ToolRegistry()
        self.checkpoints = checkpoints
        self.prices = prices or PriceTable()
        self.recipes = recipes or {}

    def _context(
        self, session: SessionInfo, meter: TimeMeter, costs: CostMeter | None = None
    ) -> StepContext:
        region = (0, session.content_top, session.width, session.height - session.content_top)
        return StepContext(
            computer=self.computer,
            providers=self.providers,
            config=self.config,
            meter=meter,
            region=region,
            emit=self.emit,
            brain=self.brain,
            tools=self.tools,
            costs=costs or CostMeter(self.prices),
            screen=(session.width, session.height),
            recipes=self.recipes,
        )

    async def run(
        self,
        plan: MicroPlan,
        session: SessionInfo,
        *,
        workflow_id: str | None = None,
        resume_state: bool = False,
        max_cost: float | None = None,
        max_time_minutes: float | None = None,
    ) -> RunOutcome:
        """Run ``plan`` on an opened session, from its first step or from a checkpoint.

        ``workflow_id`` defaults to the plan signature's first 12 hex chars; with a
        checkpoint store and ``resume_state=True`` the run continues from the latest
        checkpoint of that workflow (a different plan signature is refused).
        ``max_cost`` / ``max_time_minutes`` override the plan's ``runtime`` block.
        """
        signature = plan_signature(plan)
        wid = workflow_id or signature[:12]
        guards = RunGuards(plan.runtime, max_cost=max_cost, max_time_minutes=max_time_minutes)
        cp = None
        if resume_state and self.checkpoints is not None:
            cp = await self.checkpoints.load(wid)
            if cp is not None:
                check_signature(cp, signature)
        meter = TimeMeter(carry=cp.wall_time_breakdown if cp else None)
        costs = CostMeter(self.prices, carry=cp.cost_breakdown if cp else None)
        walk = _Walk(self._context(session, meter, costs), flatten(plan), signature, guards)
        walk.workflow_id = wid
        start = 0
        if cp is not None:
            self._restore(walk, cp.vars, cp.rows, cp.fields, cp.required_fields, cp.loop_counts)
            walk.results = list(cp.steps)
            start = cp.step_index
            await self.emit("checkpoint_resumed", {"workflow_id": wid, "index": start})
        return await self._walk(walk, start)

    async def resume(
        self,
        plan: MicroPlan,
        session: SessionInfo,
        state: PauseState,
        user_input: str,
        *,
        signature: str | None = None,
        max_cost: float | None = None,
        max_time_minutes: float | None = None,
        workflow_id: str | None = None,
    ) -> RunOutcome:
        """Continue a paused run after its pausing step, with ``{{user_input}}`` filled.

        ``state`` may come from disk: nothing of the runner object that paused is needed.
        """
        if signature is not None and state.signature and signature != state.signature:
            raise RequestError(
                "pause_state: the plan changed since the run paused "
                f"(signature {state.signature[:12]} != {signature[:12]}); resume needs the same plan"
            )
        meter = TimeMeter(carry=state.wall_time_breakdown)
        costs = CostMeter(self.prices, carry=state.cost_breakdown)
        flat = fill_user_input(flatten(plan), user_input, state.step_index)
        guards = RunGuards(plan.runtime, max_cost=max_cost, max_time_minutes=max_time_minutes)
        walk = _Walk(self._context(session, meter, costs), flat, state.signature, guards)
        walk.workflow_id = workflow_id
        self._restore(
            walk, state.vars, state.rows, state.fields, state.required_fields, state.loop_counts
        )
        walk.ctx.vars["user_input"] = user_input
        walk.results = list(state.steps)
        url = state.browser_state.get("url")
        if url:
            current = await walk.ctx.current_url()
            if current != url:
                await walk.ctx.navigate(url)
        await self.emit("resumed", {"index": state.step_index})
        return await self._walk(walk, state.step_index)

    @staticmethod
    def _restore(
        walk: _Walk,
        vars: dict[str, Any],
        rows: list[dict[str, Any]],
        fields: list[str],
        required: list[str],
        loops: dict[str, int],
    ) -> None:
        ctx = walk.ctx
        ctx.vars, ctx.rows = dict(vars), list(rows)
        ctx.fields, ctx.required_fields = list(fields), list(required)
        walk.loop_counts = {int(k): v for k, v in loops.items()}

    async def _walk(self, walk: _Walk, idx: int) -> RunOutcome:
        ctx, steps = walk.ctx, walk.plan.steps
        meter = ctx.meter
        halt: HaltInfo | None = None
        pause: PauseState | None = None
        executed = 0
        # A hard ceiling on executed steps so a malformed jump graph cannot spin forever.
        ceiling = len(steps) * (self.config.max_loop_iterations + 1) + 1

        while 0 <= idx < len(steps):
            halt = walk.guards.ceilings(meter.elapsed(), ctx.costs.total)
            if halt is None and executed >= ceiling:
                halt = HaltInfo(cls="loop_stuck", message=f"more than {ceiling} steps executed")
            if halt is not None:
                break
            step = steps[idx]
            executed += 1
            await self.emit("step_started", {"index": idx, "type": step.type, "total": len(steps)})
            result, signal = await self._run_step(walk, idx, step)
            walk.results.append(result)
            await self.emit(
                "step_finished",
                {
                    "index": idx,
                    "type": step.type,
                    "success": result.success,
                    "skipped": result.skipped,
                    "error": result.error,
                    "duration_s": result.duration_s,
                },
            )
            if not result.success and (step.required or step.gate):
                cls = "gate_failed" if step.gate else "required_step_failed"
                halt = HaltInfo(
                    cls=cls,
                    message=f"step {idx} ({step.type}: {step.intent!r}) failed: {result.error}",
                )
                break
            if walk.guards.needs_url(step.type):
                halt = walk.guards.location(await ctx.current_url())
                if halt is not None:
                    break
            if isinstance(signal, Stop):
                break
            if isinstance(signal, Pause):
                pause = await self._pause(walk, idx, signal)
                break
            if isinstance(signal, Jump):
                if step.type == "loop":
                    halt = walk.guards.iteration(await self._state(ctx))
                    if halt is not None:
                        break
                await self.emit("jump", {"from": idx, "to": signal.target, "reason": signal.reason})
                idx = signal.target
            else:
                idx += 1
            await self._checkpoint(walk, idx)

        meter.stop()
        if halt is None and pause is None and self.checkpoints and walk.workflow_id:
            await self.checkpoints.clear(walk.workflow_id)
        return await self._outcome(walk, halt, pause)

    async def _state(self, ctx: StepContext) -> str:
        return f"{page_print(ctx, await ctx.shot())}:{len(ctx.rows)}"

    async def _checkpoint(self, walk: _Walk, next_index: int) -> None:
        if self.checkpoints is None or walk.workflow_id is None:
            return
        ctx = walk.ctx
        await self.checkpoints.save(
            Checkpoint(
                workflow_id=walk.workflow_id,
                signature=walk.signature,
                step_index=next_index,
                loop_counts={str(k): v for k, v in walk.loop_counts.items()},
                vars=ctx.vars,
                rows=ctx.rows,
                fields=ctx.fields,
                required_fields=ctx.required_fields,
                steps=walk.results,
                wall_time_breakdown=ctx.meter.snapshot(),
                cost_breakdown=ctx.costs.snapshot(),
            )
        )

    async def _pause(self, walk: _Walk, idx: int, signal: Pause) -> PauseState:
        ctx = walk.ctx
        ctx.meter.stop()
        state = PauseState(
            step_index=idx + 1,
            signature=walk.signature,
            prompt=signal.prompt,
            reason="user_input",
            steps=walk.results,
            vars={k: v for k, v in ctx.vars.items() if k != "user_input"},
            rows=ctx.rows,
            fields=ctx.fields,
            required_fields=ctx.required_fields,
            loop_counts={str(k): v for k, v in walk.loop_counts.items()},
            browser_state={"url": await self._final_url()},
            wall_time_breakdown=ctx.meter.snapshot(),
            cost_breakdown=ctx.costs.snapshot(),
        )
        await self.emit("paused", {"index": idx, "prompt": signal.prompt})
        return state

    async def _outcome(
        self, walk: _Walk, halt: HaltInfo | None, pause: PauseState | None
    ) -> RunOutcome:
        ctx, results = walk.ctx, walk.results
        final_url = pause.browser_state.get("url") if pause else await self._final_url()
        costs = ctx.costs.snapshot()
        summary = RunSummary(
            total_time_s=round(ctx.meter.elapsed(), 4),
            steps_executed=sum(1 for r in results if not r.skipped),
            steps_failed=sum(1 for r in results if not r.success and not r.skipped),
            rows=len(ctx.rows),
            viable=viable_count(ctx.rows, ctx.required_fields),
            cost_total=round(sum(costs.values()), 6),
            cost_breakdown=costs,
            wall_time_breakdown=ctx.meter.snapshot(),
        )
        if halt is not None:
            await self.emit("halted", {"class": halt.cls, "message": halt.message})
        status: RunStatus = "paused" if pause else ("failed" if halt else "succeeded")
        return RunOutcome(
            status=status,
            steps=results,
            rows=ctx.rows,
            fields=ctx.fields,
            summary=summary,
            halt=halt,
            final_url=final_url,
            pause=pause,
        )

    async def _final_url(self) -> str | None:
        try:
            return await self.computer.current_url()
        except MantisError as exc:  # the URL is informative; missing it must not fail the run
            await self.emit("warning", {"message": f"could not read the current URL: {exc}"})
            return None

    async def _run_step(self, walk: _Walk, idx: int, step: Step) -> tuple[StepResult, Any]:
        ctx = walk.ctx
        clock = StepClock(ctx.meter)
        cost_before = ctx.costs.total
        ctx.detail = {}

        def result(**kw: Any) -> StepResult:
            duration, breakdown = clock.finish()
            return StepResult(
                index=idx,
                type=step.type,
                intent=step.intent,
                duration_s=duration,
                time_breakdown=breakdown,
                cost_usd=round(ctx.costs.total - cost_before, 6),
                detail=dict(ctx.detail),
                **kw,
            )

        if step.guard and not truthy(ctx.vars.get(step.guard)):
            return result(success=True, skipped=True, attempts=0), None
        if step.type == "loop":
            signal = self._loop(walk, idx, step)
            return result(success=True, output=walk.loop_counts.get(idx, 0)), signal
        loop = innermost_loop(walk.plan.steps, idx)
        ctx.loop_index = walk.loop_counts.get(loop, 0) if loop is not None else 0
        try:
            step = expand(step, ctx.vars, ctx.loop_index)
        except ListExhausted as exc:
            if loop is None:
                return result(success=False, error=f"{exc} and no loop runs this step"), None
            walk.loop_counts.pop(loop, None)
            ctx.detail["loop_end"] = str(exc)
            return result(success=True, skipped=True, attempts=0), Jump(loop + 1, str(exc))

        handler = HANDLERS.get(step.type)
        attempts = 0
        max_attempts = 1 + (max(0, step.retries) if step.required else 0)
        error: str | None = None
        output: Any = None
        while attempts < max_attempts:
            attempts += 1
            error = None
            try:
                if handler is None:
                    raise StepFailed(
                        f"step type {step.type!r} is not supported by this runner",
                        "unsupported_step",
                    )
                output = await handler(ctx, step)
                if not isinstance(output, Pause):
                    await check_after(ctx, step)
                break
            except StepFailed as exc:
                error = exc.message
                ctx.detail["error_class"] = exc.cls
                await ctx.emit(
                    "step_attempt_failed",
                    {"index": idx, "attempt": attempts, "class": exc.cls, "error": exc.message},
                )
        final = result(
            success=error is None,
            attempts=attempts,
            error=error,
            output=output if not isinstance(output, Jump | Stop | Pause) else None,
        )
        return final, (output if error is None else None)

    def _loop(self, walk: _Walk, idx: int, step: Step) -> Jump | None:
        counts = walk.loop_counts
        if step.stop_var and truthy(walk.ctx.vars.get(step.stop_var)):
            counts.pop(idx, None)
            walk.ctx.detail["exit"] = f"stop_var {step.stop_var} is true"
            return None
        target = step.loop_target
        limit = self.config.max_loop_iterations
        count = limit if step.loop_count is None else min(step.loop_count, limit)
        if target is None or target < 0 or counts.get(idx, 0) >= count:
            counts.pop(idx, None)
            return None
        counts[idx] = counts.get(idx, 0) + 1
        return Jump(target, reason=f"iteration {counts[idx]} of {count}")
