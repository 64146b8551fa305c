"""Service routes: health, version, queue, Prometheus metrics."""

from __future__ import annotations

import hmac
from typing import Any

from litestar import Request, Response, get

from mantis import __version__
from mantis.errors import AuthError
from mantis.server.buildinfo import build_info
from mantis.server.services import ServicesDep, TenantDep


@get(["/v1/health", "/health"], sync_to_thread=False, summary="Liveness")
def health() -> dict[str, str]:
    return {"status": "ok", "service": "mantis", "version": __version__}


@get("/openapi.json", include_in_schema=False, sync_to_thread=False)
def openapi_alias(request: Request[Any, Any, Any]) -> dict[str, Any]:
    schema: dict[str, Any] = request.app.openapi_schema.to_schema()
    return schema


@get("/v1/version", sync_to_thread=False, summary="Which code is live")
def version(services: ServicesDep) -> dict[str, Any]:
    info = build_info()
    return {
        "version": __version__,
        "git_sha": info["git_sha"],
        "build_time": info["build_time"],
        "placement": "local",
        "models": [m.id for m in services.manager.models.statuses() if m.ready],
    }


@get("/v1/queue", summary="The tenant's queued/running/paused runs and global capacity")
async def queue(services: ServicesDep, tenant: TenantDep) -> dict[str, Any]:
    mine = await services.store.counts(tenant.tenant_id)
    return {
        **mine,
        "capacity": services.manager.executor.capacity,
        "running_global": services.manager.executor.running(),
        "max_concurrent_runs": tenant.max_concurrent_runs,
    }


@get("/metrics", summary="Prometheus text format")
async def metrics(request: Request[Any, Any, Any], services: ServicesDep) -> Response[str]:
    expected = services.settings.metrics_token
    if expected:
        presented = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
        if not hmac.compare_digest(presented.encode(), expected.encode()):
            raise AuthError("metrics: missing or wrong bearer token")
    counts = await services.store.counts_by_tenant()
    text = services.metrics.render(counts)
    return Response(text, media_type="text/plain; version=0.0.4")
