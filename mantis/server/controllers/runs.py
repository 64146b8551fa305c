"""``/v1/runs``: the tenant's runs, the cheap poll, REST aliases, events, artifacts."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import msgspec
from litestar import Controller, Request, get, post
from litestar.params import Parameter
from litestar.response import File, ServerSentEvent, Stream
from litestar.response.sse import ServerSentEventMessage

from mantis.errors import NotFound, RequestError
from mantis.gym.recorder import MIME_TYPES
from mantis.runner.results import TERMINAL
from mantis.server.auth import TOKEN_HEADER, require_scope
from mantis.server.errors import NotLive
from mantis.server.live import MEDIA_TYPE, multipart, viewer_token_ok
from mantis.server.services import ServicesDep, TenantDep, tenant_of
from mantis.server.status import poll_body, status_body

ARTIFACTS = {
    "leads.csv": "text/csv",
    "extracted_rows.csv": "text/csv",
    "extracted_rows.json": "application/json",
    "result.json": "application/json",
}
HEARTBEAT_S = 15.0
LIVE_WAIT_S = 15.0  # a run whose browser is still starting: wait this long for its display
STATUSES = ("queued", "running", "paused", "succeeded", "failed", "cancelled")


class ResumeBody(msgspec.Struct, kw_only=True):
    user_input: str | None = None


class RunsController(Controller):
    path = "/v1/runs"
    tags = ["runs"]

    @get("/", summary="The tenant's runs, newest first")
    async def list_runs(
        self,
        services: ServicesDep,
        tenant: TenantDep,
        status: str | None = None,
        limit: int = Parameter(default=50, ge=1, le=500),
        cursor: str | None = None,
    ) -> dict[str, Any]:
        if status is not None and status not in STATUSES:
            raise RequestError(
                f"status: expected one of {', '.join(STATUSES)}, got {status!r}",
                extra={"field": "status"},
            )
        rows = await services.store.list_runs(tenant.tenant_id, status, limit + 1, cursor)
        page = rows[:limit]
        return {
            "runs": [status_body(r) for r in page],
            "next_cursor": page[-1].run_id if len(rows) > limit else None,
        }

    @get("/{run_id:str}", summary="Cheap poll")
    async def poll(self, run_id: str, services: ServicesDep, tenant: TenantDep) -> dict[str, Any]:
        row = await services.manager.get(tenant.tenant_id, run_id)
        poll = poll_body(row)
        if row.payload.get("callback_url"):
            poll["webhook"] = await services.webhooks.state(row.run_id)
        return poll

    @get("/{run_id:str}/status", summary="Same body as action=status")
    async def status(self, run_id: str, services: ServicesDep, tenant: TenantDep) -> dict[str, Any]:
        require_scope(tenant, "status")
        return await services.manager.status(tenant.tenant_id, run_id)

    @get("/{run_id:str}/result", summary="Same body as action=result")
    async def result(self, run_id: str, services: ServicesDep, tenant: TenantDep) -> dict[str, Any]:
        require_scope(tenant, "result")
        return await services.manager.result(tenant.tenant_id, run_id)

    @post("/{run_id:str}/cancel", status_code=200, summary="Same as action=cancel")
    async def cancel(self, run_id: str, services: ServicesDep, tenant: TenantDep) -> dict[str, Any]:
        require_scope(tenant, "run")
        return await services.manager.cancel(tenant.tenant_id, run_id)

    @post("/{run_id:str}/resume", status_code=200, summary="Same as action=resume")
    async def resume(
        self,
        run_id: str,
        services: ServicesDep,
        tenant: TenantDep,
        data: ResumeBody | None = None,
    ) -> dict[str, Any]:
        require_scope(tenant, "run")
        user_input = data.user_input if data is not None else None
        return await services.manager.resume(tenant.tenant_id, run_id, user_input)

    @get("/{run_id:str}/events", summary="Events as JSON, or SSE with ?sse=true")
    async def events(
        self,
        run_id: str,
        request: Request[Any, Any, Any],
        services: ServicesDep,
        tenant: TenantDep,
        after: int = Parameter(default=0, ge=0),
        limit: int = Parameter(default=500, ge=1, le=10000),
        sse: bool = False,
    ) -> Any:
        require_scope(tenant, "logs")
        row = await services.manager.get(tenant.tenant_id, run_id)
        if not sse:
            events = await services.store.events_after(row.run_id, after, limit)
            return {"run_id": row.run_id, "status": row.status, "events": events}
        last = request.headers.get("Last-Event-ID")
        if last and last.isdigit():
            after = max(after, int(last))
        return ServerSentEvent(_stream(services, tenant.tenant_id, row.run_id, after))

    @get("/{run_id:str}/artifacts/{name:str}", summary="A produced file from the allowlist")
    async def artifact(
        self, run_id: str, name: str, services: ServicesDep, tenant: TenantDep
    ) -> File:
        require_scope(tenant, "result")
        row = await services.manager.get(tenant.tenant_id, run_id)
        if name not in ARTIFACTS:
            raise NotFound(
                f"artifact {name!r} not found; known: {', '.join(ARTIFACTS)}",
                extra={"name": name},
            )
        path = services.manager.rundir(row).file(name)
        if not path.is_file():
            raise NotFound(f"artifact {name!r} was not produced by run {row.run_id}")
        return File(path=path, media_type=ARTIFACTS[name], filename=name)

    @get("/{run_id:str}/video", summary="The screencast, when recorded (?raw=1: raw capture)")
    async def video(
        self, run_id: str, services: ServicesDep, tenant: TenantDep, raw: bool = False
    ) -> File:
        require_scope(tenant, "result")
        row = await services.manager.get(tenant.tenant_id, run_id)
        fmt = row.payload.get("video_format") or "mp4"
        name = f"video_raw.{fmt}" if raw else f"video.{fmt}"
        path = services.manager.rundir(row).file(name)
        if not row.payload.get("record_video") or not path.is_file():
            raise NotFound(f"run {row.run_id} has no {'raw ' if raw else ''}video recorded")
        return File(path=path, media_type=MIME_TYPES[fmt], filename=name)

    @get(
        "/{run_id:str}/live.mjpeg",
        summary="Live MJPEG of the run's display while it runs",
        description="X-Mantis-Token, or ?viewer_token= from the status' viewer_url.",
    )
    async def live(
        self,
        run_id: str,
        request: Request[Any, Any, Any],
        services: ServicesDep,
        viewer_token: str | None = None,
    ) -> Stream:
        manager = services.manager
        presented = request.headers.get(TOKEN_HEADER)
        if presented or not viewer_token:
            tenant = tenant_of(request, services)  # token header, or the web viewer's cookie
            require_scope(tenant, "status")
            row = await manager.get(tenant.tenant_id, run_id)
        else:
            found = manager.live_row(run_id)
            if found is None or not viewer_token_ok(
                viewer_token, found.payload.get("viewer_token")
            ):
                raise NotFound(f"run {run_id!r} not found, or the viewer token is not its own")
            row = await manager.get(found.tenant, run_id)
        feed = await manager.frames.wait_open(
            row.run_id, LIVE_WAIT_S if row.status in ("queued", "running") else 0
        )
        if feed is None:
            raise NotLive(
                f"run {row.run_id} has no live display (status {row.status!r}): the live view "
                "exists only while the run is running",
                extra={"run_id": row.run_id, "status": row.status},
            )
        return Stream(
            multipart(feed.frames()),
            media_type=MEDIA_TYPE,
            headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
        )


async def _stream(
    services: ServicesDep, tenant: str, run_id: str, after: int
) -> AsyncIterator[ServerSentEventMessage]:
    """Events after ``after`` as they come; a comment every 15 s; ``terminal`` then close."""
    store = services.store
    while True:
        batch = await store.events_after(run_id, after, 500)
        for event in batch:
            after = event["seq"]
            yield ServerSentEventMessage(
                data=msgspec.json.encode(event).decode(), event=event["kind"], id=after
            )
        if batch:
            continue
        row = await store.get(tenant, run_id)
        if row is None or row.status in TERMINAL:
            for event in await store.events_after(run_id, after, 10000):  # written after the row
                after = event["seq"]
                yield ServerSentEventMessage(
                    data=msgspec.json.encode(event).decode(), event=event["kind"], id=after
                )
            body = status_body(row) if row else {"run_id": run_id, "status": "unknown"}
            yield ServerSentEventMessage(data=msgspec.json.encode(body).decode(), event="terminal")
            return
        await store.wait_change(run_id, HEARTBEAT_S)
        if not await store.events_after(run_id, after, 1):
            yield ServerSentEventMessage(comment="heartbeat")
