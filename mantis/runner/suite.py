"""TaskSuiteRunner: each task is one free-form goal the brain pursues within ``max_steps``.

Per task: open ``start_url`` (relative to the suite's ``base_url``), run the
brain loop on the task's intent, then check its ``verify`` clause
(``url_contains``, ``url_not_contains``, ``page_contains_text``,
``page_not_contains_text``, ``title_contains`` — the title is read off the tab
strip by OCR). Tasks share the browser profile of the run, so cookies saved by a
``save_session`` task are there for a later ``require_session`` task; a
``require_session`` task with no earlier successful ``save_session`` task fails
without running. A failed task halts the suite (class ``task_failed``) unless
``continue_on_failure``. A suite carrying ``_micro_plan`` runs that plan instead.
With grounding on (the ``grounding`` constructor argument, else the suite's
``grounding`` key — ``ground_clicks`` is accepted too — and a task's own
``grounding`` key over both), the brain's clicks are refined by the grounder
before they are made (:mod:`mantis.runner.grounding`).
The outcome is a ``RunOutcome`` with one ``StepResult`` (type ``task``) per task.
"""

from __future__ import annotations

from urllib.parse import urljoin

from mantis.brains.base import Brain
from mantis.gym.base import Computer, SessionInfo
from mantis.plans import Task, TaskSuite, TaskVerify
from mantis.runner.agent import drive
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
from mantis.runner.meter import StepClock, TimeMeter
from mantis.runner.micro import MicroPlanRunner
from mantis.runner.results import HaltInfo, RunOutcome, RunSummary, StepResult
from mantis.runner.walk import final_url

DEFAULT_MAX_STEPS = 30


class TaskSuiteRunner:
    def __init__(
        self,
        computer: Computer,
        providers: Providers,
        brain: Brain,
        config: RunnerConfig | None = None,
        *,
        events: EventSink = _no_events,
        prices: PriceTable | None = None,
        grounding: bool | None = None,
    ) -> None:
        self.micro = MicroPlanRunner(
            computer, providers, config, events=events, brain=brain, prices=prices
        )
        self.emit = events
        self.grounding = grounding

    def grounding_for(self, suite: TaskSuite, task: Task) -> bool:
        """Whether ``task``'s clicks are grounded: the task's ``grounding`` key, else the
        constructor's ``grounding``, else the suite's ``grounding`` / ``ground_clicks``."""
        if "grounding" in task.extra:
            return truthy(task.extra["grounding"])
        if self.grounding is not None:
            return self.grounding
        for key in ("grounding", "ground_clicks"):
            if key in suite.extra:
                return truthy(suite.extra[key])
        return False

    async def run(
        self,
        suite: TaskSuite,
        session: SessionInfo,
        *,
        max_steps: int | None = None,
        continue_on_failure: bool | None = None,
    ) -> RunOutcome:
        if suite.micro_plan is not None:
            return await self.micro.run(suite.micro_plan, session)
        keep_going = (
            bool(suite.extra.get("continue_on_failure", False))
            if continue_on_failure is None
            else continue_on_failure
        )
        meter = TimeMeter()
        ctx = self.micro._context(session, meter, CostMeter(self.micro.prices))
        results: list[StepResult] = []
        halt: HaltInfo | None = None
        saved = False
        for i, task in enumerate(suite.tasks):
            grounding = self.grounding_for(suite, task)
            await self.emit(
                "task_started", {"index": i, "task_id": task.task_id, "grounding": grounding}
            )
            clock = StepClock(meter)
            cost0 = ctx.costs.total
            ok, error, detail = False, None, {}
            try:
                if task.require_session and not saved:
                    raise StepFailed("require_session: no earlier save_session task succeeded")
                if task.start_url:
                    await ctx.navigate(urljoin(suite.base_url or "", task.start_url))
                run = await drive(
                    ctx,
                    task.intent,
                    task.max_steps or max_steps or DEFAULT_MAX_STEPS,
                    grounding=grounding,
                )
                detail = {
                    "actions": run.actions,
                    "failed_attempts": run.failed_attempts,
                    "reason": run.reason,
                    "answer": run.answer,
                }
                if grounding:
                    detail["grounding"] = run.groundings
                if not run.success:
                    raise StepFailed(run.reason)
                if task.verify is not None:
                    passed, why = await self._verify(ctx, task.verify)
                    detail["verify"] = why
                    if not passed:
                        raise StepFailed(f"verify {task.verify.type} failed: {why}")
                ok = True
                saved = saved or task.save_session
            except StepFailed as exc:
                error = exc.message
            duration, breakdown = clock.finish()
            results.append(
                StepResult(
                    index=i,
                    type="task",
                    intent=task.intent,
                    success=ok,
                    error=error,
                    duration_s=duration,
                    time_breakdown=breakdown,
                    detail=detail,
                    cost_usd=round(ctx.costs.total - cost0, 6),
                    output=task.task_id,
                )
            )
            await self.emit("task_finished", {"index": i, "task_id": task.task_id, "success": ok})
            if not ok and not keep_going:
                halt = HaltInfo(cls="task_failed", message=f"task {task.task_id!r} failed: {error}")
                break
        meter.stop()
        costs = ctx.costs.snapshot()
        summary = RunSummary(
            total_time_s=round(meter.elapsed(), 4),
            steps_executed=len(results),
            steps_failed=sum(1 for r in results if not r.success),
            rows=0,
            viable=0,
            cost_total=round(sum(costs.values()), 6),
            cost_breakdown=costs,
            wall_time_breakdown=meter.snapshot(),
        )
        return RunOutcome(
            status="failed" if halt else "succeeded",
            steps=results,
            rows=[],
            fields=[],
            summary=summary,
            halt=halt,
            final_url=await final_url(ctx),
        )

    async def _verify(self, ctx: StepContext, clause: TaskVerify) -> tuple[bool, str]:
        kind, value = clause.type, clause.value
        if kind in ("url_contains", "url_not_contains"):
            url = await ctx.current_url()
            inside = value in url
            return inside == (kind == "url_contains"), f"URL is {url}"
        shot = await ctx.shot()
        if kind == "title_contains":
            tabs = (0, 0, ctx.screen[0], max(1, ctx.region[1]))
            found = await ctx.providers.verifier.text_visible(shot, value, region=tabs)
            return found is not None, f"{value!r} {'is' if found else 'is not'} in the tab title"
        found = await ctx.providers.verifier.text_visible(shot, value, region=ctx.region)
        visible = found is not None
        want = kind == "page_contains_text"
        return visible == want, f"{value!r} {'is' if visible else 'is not'} on the page"


__all__ = ["DEFAULT_MAX_STEPS", "Task", "TaskSuiteRunner"]
