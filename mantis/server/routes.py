"""HTTP handlers: thin wrappers that authenticate, decode and call the RunManager."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get, post
from litestar.datastructures import State
from litestar.response import File

from mantis import __version__
from mantis.errors import NotFound, RequestError
from mantis.server.auth import TOKEN_HEADER, Authenticator
from mantis.server.manager import RunManager
from mantis.server.requests import decode_request
from mantis.server.rundir import RunDir

ARTIFACTS = {
    "leads.csv": "text/csv",
    "extracted_rows.csv": "text/csv",
    "extracted_rows.json": "application/json",
    "result.json": "application/json",
}


def _tenant(request: Request[Any, Any, Any], state: State) -> str:
    auth: Authenticator = state.auth
    return auth.tenant_for(request.headers.get(TOKEN_HEADER))


@get(["/v1/health", "/health"], sync_to_thread=False)
def health() -> dict[str, str]:
    return {"status": "ok", "service": "mantis", "version": __version__}


@post(["/v1/predict", "/predict"], status_code=200)
async def predict(request: Request[Any, Any, Any], state: State) -> dict[str, Any]:
    tenant = _tenant(request, state)
    req = decode_request(await request.body())
    manager: RunManager = state.manager
    if req.action is None:
        body = await manager.submit(tenant, req)
        if not req.detached:
            minutes = req.max_time_minutes or manager.settings.default_max_time_minutes
            return {**body, **await manager.wait(tenant, body["run_id"], minutes * 60 + 60)}
        return body
    if req.action == "status":
        return await manager.status(tenant, req.run_id)
    if req.action == "result":
        return await manager.result(tenant, req.run_id)
    if req.action == "logs":
        return await manager.logs(tenant, req.run_id, req.tail)
    if req.action == "cancel":
        return await manager.cancel(tenant, req.run_id)
    raise RequestError(
        f"action: {req.action!r} is not available yet in this server",
        extra={"field": "action"},
    )


@get("/v1/runs/{run_id:str}")
async def run_poll(run_id: str, request: Request[Any, Any, Any], state: State) -> dict[str, Any]:
    body = await state.manager.status(_tenant(request, state), run_id)
    keys = (
        "run_id",
        "status",
        "phase",
        "step_index",
        "step_total",
        "updated_at",
        "polling_backoff_ms_hint",
    )
    return {k: body[k] for k in keys}


@get("/v1/runs/{run_id:str}/status")
async def run_status(run_id: str, request: Request[Any, Any, Any], state: State) -> dict[str, Any]:
    return await state.manager.status(_tenant(request, state), run_id)


@get("/v1/runs/{run_id:str}/result")
async def run_result(run_id: str, request: Request[Any, Any, Any], state: State) -> dict[str, Any]:
    return await state.manager.result(_tenant(request, state), run_id)


@post("/v1/runs/{run_id:str}/cancel", status_code=200)
async def run_cancel(run_id: str, request: Request[Any, Any, Any], state: State) -> dict[str, Any]:
    return await state.manager.cancel(_tenant(request, state), run_id)


@get("/v1/runs/{run_id:str}/artifacts/{name:str}")
async def run_artifact(
    run_id: str, name: str, request: Request[Any, Any, Any], state: State
) -> Response[Any]:
    tenant = _tenant(request, state)
    row = await state.manager.get(tenant, run_id)
    if name not in ARTIFACTS:
        raise NotFound(f"artifact {name!r} not found; known: {', '.join(ARTIFACTS)}")
    path = RunDir(state.manager.settings.data_dir, tenant, row.run_id).file(name)
    if not path.is_file():
        raise NotFound(f"artifact {name!r} was not produced by run {row.run_id}")
    return File(path=path, media_type=ARTIFACTS[name], filename=name)


ROUTES = [health, predict, run_poll, run_status, run_result, run_cancel, run_artifact]
