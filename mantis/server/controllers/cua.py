"""``POST /v1/cua``: one free-form computer-use task, driven by a brain, as a run.

The task becomes a one-task suite and goes through the same submission path as
``/v1/predict`` (locks, caps, tenancy, the same run lifecycle and status bodies).
``ground_clicks: true`` sets the suite's ``grounding`` key: each click the brain
proposes is refined by the run's grounder (Claude when configured, else local
OCR) before it is made — see :mod:`mantis.runner.grounding`.
"""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Response, post

from mantis.errors import RequestError
from mantis.server.auth import require_scope
from mantis.server.requests import PredictRequest
from mantis.server.services import ServicesDep, TenantDep


class CuaRequest(msgspec.Struct, kw_only=True, forbid_unknown_fields=False):
    task: str
    start_url: str | None = None
    max_steps: int = 30
    cua_model: str | None = None
    ground_clicks: bool = False
    profile_id: str | None = None
    max_cost: float | None = None
    max_time_minutes: float | None = None
    callback_url: str | None = None


@post("/v1/cua", status_code=200, summary="Run one free-form computer-use task")
async def cua(data: CuaRequest, services: ServicesDep, tenant: TenantDep) -> Response[Any]:
    require_scope(tenant, "run")
    if not data.task.strip():
        raise RequestError(
            "task: expected a sentence describing the goal, got an empty string",
            extra={"field": "task"},
        )
    if not 1 <= data.max_steps <= 200:
        raise RequestError(
            f"max_steps: expected 1..200, got {data.max_steps}", extra={"field": "max_steps"}
        )
    task: dict[str, Any] = {"task_id": "cua", "intent": data.task, "max_steps": data.max_steps}
    if data.start_url:
        task["start_url"] = data.start_url
    suite: dict[str, Any] = {"session_name": "cua", "tasks": [task]}
    if data.ground_clicks:
        suite["grounding"] = True  # TaskSuiteRunner refines the brain's clicks with the grounder
    req = PredictRequest(
        task_suite=suite,
        cua_model=data.cua_model,
        max_steps=data.max_steps,
        profile_id=data.profile_id,
        max_cost=data.max_cost,
        max_time_minutes=data.max_time_minutes,
        callback_url=data.callback_url,
    )
    headers = await services.limiter.admit(tenant, services.metrics)
    body = await services.manager.submit(tenant, req)
    services.metrics.predict(tenant.tenant_id, "cua", "accepted")
    return Response(body, headers=headers)
