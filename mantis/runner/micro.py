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

This module is the step loop; one step lives in :mod:`mantis.runner.stepper`,
the run's state and the records built from it (checkpoint, pause, outcome) in
:mod:`mantis.runner.walk`.
"""

from __future__ import annotations

from collections.abc import Mapping

from mantis.brains.base import Brain
from mantis.brains.providers.base import FieldSpec
from mantis.errors import RequestError
from mantis.gym.base import Computer, SessionInfo
from mantis.plans import MicroPlan, fill_user_input, plan_signature
from mantis.runner import browserstate
from mantis.runner.checkpoints import CheckpointStore, check_signature
from mantis.runner.context import EventSink, Providers, RunnerConfig, StepContext, _no_events
from mantis.runner.costs import CostMeter, PriceTable
from mantis.runner.guards import RunGuards
from mantis.runner.loops import flatten
from mantis.runner.meter import TimeMeter
from mantis.runner.results import HaltInfo, PauseState, RunOutcome
from mantis.runner.stepper import run_step
from mantis.runner.steps import Jump, Pause, Stop
from mantis.runner.steps.motion import page_print
from mantis.runner.tools import ToolRegistry
from mantis.runner.walk import Walk, checkpoint_of, outcome, pause_state


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
        extraction: list[FieldSpec] | None = None,
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
        self.extraction = extraction  # overrides every extract step's fields (see recipes)

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
            extraction=self.extraction,
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
        walk = Walk(self._context(session, meter, costs), flatten(plan), signature, guards)
        walk.workflow_id = wid
        start = 0
        if cp is not None:
            walk.restore(cp.vars, cp.rows, cp.fields, cp.required_fields, cp.loop_counts)
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
        walk = Walk(self._context(session, meter, costs), flat, state.signature, guards)
        walk.workflow_id = workflow_id
        walk.restore(state.vars, state.rows, state.fields, state.required_fields, state.loop_counts)
        walk.ctx.vars["user_input"] = user_input
        walk.results = list(state.steps)
        await browserstate.restore(walk.ctx, state.browser_state)
        await self.emit("resumed", {"index": state.step_index})
        return await self._walk(walk, state.step_index)

    async def _walk(self, walk: Walk, idx: int) -> RunOutcome:
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
            result, signal = await run_step(walk, idx, step)
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
                pause = await pause_state(walk, idx, signal.prompt)
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
        return await outcome(walk, halt, pause)

    async def _state(self, ctx: StepContext) -> str:
        return f"{page_print(ctx, await ctx.shot())}:{len(ctx.rows)}"

    async def _checkpoint(self, walk: Walk, next_index: int) -> None:
        if self.checkpoints is not None and walk.workflow_id is not None:
            await self.checkpoints.save(checkpoint_of(walk, next_index))
