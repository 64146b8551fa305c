"""``POST /v1/predict`` (alias ``/predict``): submit a plan, or act on a run via ``action``."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, post

from mantis.server.auth import require_scope
from mantis.server.requests import PredictRequest
from mantis.server.services import Services, ServicesDep, TenantDep
from mantis.server.tenancy import Tenant

ACTION_SCOPES = {
    "status": "status",
    "result": "result",
    "logs": "logs",
    "cancel": "run",
    "resume": "run",
}


async def _submit(
    services: Services, tenant: Tenant, req: PredictRequest, mode: str
) -> tuple[dict[str, str], dict[str, Any]]:
    headers = await services.limiter.admit(tenant, services.metrics)
    try:
        body = await services.manager.submit(tenant, req)
    except Exception as exc:
        services.metrics.predict(tenant.tenant_id, mode, type(exc).__name__)
        raise
    services.metrics.predict(tenant.tenant_id, mode, "accepted")
    return headers, body


@post(["/v1/predict", "/predict"], status_code=200, summary="Submit a plan or act on a run")
async def predict(
    data: PredictRequest, request: Request[Any, Any, Any], services: ServicesDep, tenant: TenantDep
) -> Response[dict[str, Any]]:
    raw = await request.body()
    req = data
    manager = services.manager
    if req.action is None:
        require_scope(tenant, "run")
        key = request.headers.get("Idempotency-Key")
        mode = "detached" if req.detached else "blocking"
        if key:
            async with services.idempotency.guard(tenant.tenant_id, key):
                cached = await services.idempotency.lookup(tenant.tenant_id, key, raw)
                if cached is not None:
                    return Response(cached[1], status_code=cached[0])
                headers, body = await _submit(services, tenant, req, mode)
                await services.idempotency.save(tenant.tenant_id, key, raw, 200, body)
        else:
            headers, body = await _submit(services, tenant, req, mode)
        if not req.detached:
            minutes = float(body["payload"]["max_time_minutes"])
            body = {
                **body,
                **await manager.wait(tenant.tenant_id, body["run_id"], minutes * 60 + 60),
            }
        return Response(body, headers=headers)
    require_scope(tenant, ACTION_SCOPES[req.action])
    tid = tenant.tenant_id
    if req.action == "status":
        return Response(await manager.status(tid, req.run_id))
    if req.action == "result":
        return Response(await manager.result(tid, req.run_id))
    if req.action == "logs":
        return Response(await manager.logs(tid, req.run_id, req.tail))
    if req.action == "cancel":
        return Response(await manager.cancel(tid, req.run_id))
    return Response(await manager.resume(tid, req.run_id, req.user_input))
