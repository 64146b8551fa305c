"""MicroPlanRunner: walks a micro-plan's steps with the reliability rules.

Per step: ``guard`` (skip without any vision call when falsy), the handler,
then ``verify`` and ``hints``. A failed ``required`` step is retried up to
``retries`` times, then halts the run; a failed ``gate`` halts at once. Other
failures are recorded and the plan continues. ``loop`` jumps back to
``loop_target`` up to ``loop_count`` times (``stop_var`` truthy exits early).
"""

from __future__ import annotations

from typing import Any

from mantis.errors import MantisError, RequestError
from mantis.gym.base import Computer, SessionInfo
from mantis.plans import MicroPlan, Step, fill_user_input, plan_signature
from mantis.runner.context import (
    EventSink,
    Providers,
    RunnerConfig,
    StepContext,
    StepFailed,
    _no_events,
    truthy,
)
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


class MicroPlanRunner:
    def __init__(
        self,
        computer: Computer,
        providers: Providers,
        config: RunnerConfig | None = None,
        *,
        events: EventSink = _no_events,
    ) -> None:
        self.computer = computer
        self.providers = providers
        self.config = config or RunnerConfig()
        self.emit = events

    def _context(self, session: SessionInfo, meter: TimeMeter) -> StepContext:
        region = (0, session.content_top, session.width, session.height - session.content_top)
        return StepContext(
            computer=self.computer,
            providers=self.providers,
            config=self.config,
            meter=meter,
            region=region,
            emit=self.emit,
        )

    async def run(self, plan: MicroPlan, session: SessionInfo) -> RunOutcome:
        """Run ``plan`` from its first step on an opened session."""
        meter = TimeMeter()
        return await self._walk(
            self._context(session, meter), plan, 0, [], {}, plan_signature(plan)
        )

    async def resume(
        self,
        plan: MicroPlan,
        session: SessionInfo,
        state: PauseState,
        user_input: str,
        *,
        signature: str | None = None,
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
        ctx = self._context(session, meter)
        ctx.vars = dict(state.vars)
        ctx.vars["user_input"] = user_input
        ctx.rows = list(state.rows)
        ctx.fields = list(state.fields)
        ctx.required_fields = list(state.required_fields)
        url = state.browser_state.get("url")
        if url:
            current = await ctx.current_url()
            if current != url:
                await ctx.navigate(url)
        filled = fill_user_input(plan, user_input, state.step_index)
        await self.emit("resumed", {"index": state.step_index})
        loops = {int(k): v for k, v in state.loop_counts.items()}
        return await self._walk(
            ctx, filled, state.step_index, list(state.steps), loops, state.signature
        )

    async def _walk(
        self,
        ctx: StepContext,
        plan: MicroPlan,
        idx: int,
        results: list[StepResult],
        loop_counts: dict[int, int],
        signature: str,
    ) -> RunOutcome:
        steps = plan.steps
        meter = ctx.meter
        halt: HaltInfo | None = None
        pause: PauseState | None = None
        executed = 0
        # A hard ceiling on executed steps so a malformed jump graph cannot spin forever.
        ceiling = len(steps) * (self.config.max_loop_iterations + 1) + 1

        while 0 <= idx < len(steps):
            if executed >= ceiling:
                halt = HaltInfo(cls="loop_stuck", message=f"more than {ceiling} steps executed")
                break
            step = steps[idx]
            executed += 1
            await self.emit("step_started", {"index": idx, "type": step.type, "total": len(steps)})
            result, signal = await self._run_step(ctx, idx, step, loop_counts)
            results.append(result)
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
            if isinstance(signal, Stop):
                break
            if isinstance(signal, Pause):
                meter.stop()
                pause = PauseState(
                    step_index=idx + 1,
                    signature=signature,
                    prompt=signal.prompt,
                    reason="user_input",
                    steps=results,
                    vars={k: v for k, v in ctx.vars.items() if k != "user_input"},
                    rows=ctx.rows,
                    fields=ctx.fields,
                    required_fields=ctx.required_fields,
                    loop_counts={str(k): v for k, v in loop_counts.items()},
                    browser_state={"url": await self._final_url()},
                    wall_time_breakdown=meter.snapshot(),
                )
                await self.emit("paused", {"index": idx, "prompt": signal.prompt})
                break
            if isinstance(signal, Jump):
                await self.emit("jump", {"from": idx, "to": signal.target, "reason": signal.reason})
                idx = signal.target
                continue
            idx += 1

        meter.stop()
        final_url = pause.browser_state.get("url") if pause else await self._final_url()
        failed = sum(1 for r in results if not r.success and not r.skipped)
        summary = RunSummary(
            total_time_s=round(meter.elapsed(), 4),
            steps_executed=sum(1 for r in results if not r.skipped),
            steps_failed=failed,
            rows=len(ctx.rows),
            viable=viable_count(ctx.rows, ctx.required_fields),
            cost_total=0.0,
            cost_breakdown={"gpu": 0.0, "claude": 0.0, "proxy": 0.0},
            wall_time_breakdown=meter.snapshot(),
        )
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

    async def _run_step(
        self, ctx: StepContext, idx: int, step: Step, loop_counts: dict[int, int]
    ) -> tuple[StepResult, Any]:
        clock = StepClock(ctx.meter)

        def result(**kw: Any) -> StepResult:
            return StepResult(index=idx, type=step.type, intent=step.intent, **kw)

        if step.guard and not truthy(ctx.vars.get(step.guard)):
            duration, breakdown = clock.finish()
            return result(
                success=True,
                skipped=True,
                attempts=0,
                duration_s=duration,
                time_breakdown=breakdown,
            ), None
        if step.type == "loop":
            signal = self._loop(ctx, idx, step, loop_counts)
            duration, breakdown = clock.finish()
            return result(
                success=True,
                duration_s=duration,
                time_breakdown=breakdown,
                output=loop_counts.get(idx, 0),
            ), signal

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
                        f"step type {step.type!r} is not supported by this runner yet",
                        "unsupported_step",
                    )
                output = await handler(ctx, step)
                await self._check_after(ctx, step)
                break
            except StepFailed as exc:
                error = exc.message
                await ctx.emit(
                    "step_attempt_failed",
                    {"index": idx, "attempt": attempts, "class": exc.cls, "error": exc.message},
                )
        duration, breakdown = clock.finish()
        final = result(
            success=error is None,
            attempts=attempts,
            duration_s=duration,
            time_breakdown=breakdown,
            error=error,
            output=output if not isinstance(output, Jump | Stop | Pause) else None,
        )
        return final, (output if error is None else None)

    def _loop(
        self, ctx: StepContext, idx: int, step: Step, loop_counts: dict[int, int]
    ) -> Jump | None:
        if step.stop_var and truthy(ctx.vars.get(step.stop_var)):
            return None
        target = step.loop_target
        count = min(step.loop_count or 0, self.config.max_loop_iterations)
        if target is None or target < 0 or loop_counts.get(idx, 0) >= count:
            loop_counts.pop(idx, None)
            return None
        loop_counts[idx] = loop_counts.get(idx, 0) + 1
        return Jump(target, reason=f"iteration {loop_counts[idx]} of {count}")

    async def _check_after(self, ctx: StepContext, step: Step) -> None:
        if step.verify:
            ok, reason = await ctx.verify(step.verify)
            if not ok:
                raise StepFailed(f"verify failed: {reason}", "verify_failed")
        hints = step.hints
        if hints is None:
            return
        if hints.expect_url_contains or hints.expect_url_excludes:
            url = await ctx.current_url()
            for part in hints.expect_url_contains:
                if part not in url:
                    raise StepFailed(f"expected URL to contain {part!r}, got {url}", "wrong_target")
            for part in hints.expect_url_excludes:
                if part in url:
                    raise StepFailed(
                        f"expected URL not to contain {part!r}, got {url}", "wrong_target"
                    )
        for text in hints.expect_text_present:
            ok, reason = await ctx.verify(f'"{text}" is visible')
            if not ok:
                raise StepFailed(f"expected text {text!r} on screen: {reason}", "wrong_target")
