"""The ``/computer/...`` wire: the ``Computer`` seam served over HTTP.

Thin handlers: authenticate the tenant (``X-Mantis-Token``), find the session
(``X-Mantis-Session``), decode the body with ``mantis.gym.wire``, call the
session's computer through ``ComputerSessions`` (dedup, one call at a time).
``navigate`` travels as a typed action; ``/computer/url`` and
``/computer/settle`` carry the two remaining ``Computer`` calls.

``computer_plane`` is the app lifespan part that owns the sessions: it starts
the idle reaper and closes every session at shutdown.
"""

from __future__ import annotations

import base64
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import anyio
from litestar import Litestar, Request, Response, get, post
from litestar.datastructures import State

from mantis.config import Settings
from mantis.errors import ComputerError
from mantis.gym.base import CdpUnavailable, Computer, EventSink, XdotoolResult
from mantis.gym.sessions import ComputerSession, ComputerSessions
from mantis.gym.wire import (
    EVENTS_HEADER,
    SESSION_HEADER,
    ActionBody,
    ActionRequest,
    CdpBody,
    CdpRequest,
    ScreenshotBody,
    ScreenshotRequest,
    SessionInit,
    SessionOpened,
    SettleBody,
    SettleRequest,
    UrlBody,
    WireFormat,
    XdotoolRequest,
    decode,
)
from mantis.server.auth import TOKEN_HEADER, Authenticator

_MEDIA: dict[WireFormat, str] = {"png": "image/png", "jpeg": "image/jpeg", "webp": "image/webp"}


@asynccontextmanager
async def computer_plane(app: Litestar) -> AsyncIterator[None]:
    settings: Settings = app.state.settings

    from mantis.gym.providers import choose_provider

    upstream = choose_provider(settings)

    def make(on_event: EventSink) -> Computer:
        from mantis.gym.computer import LocalComputer

        return LocalComputer(
            chromium_path=settings.chromium_path,
            display_size=settings.display_size,
            upstream=upstream,
            on_event=on_event,
        )

    sessions = ComputerSessions(
        settings.data_dir,
        make,
        max_sessions=settings.max_sessions,
        idle_s=settings.session_idle_s,
    )
    app.state.computer_sessions = sessions
    try:
        async with anyio.create_task_group() as tg:
            tg.start_soon(sessions.reap_forever)
            try:
                yield
            finally:
                tg.cancel_scope.cancel()
    finally:
        await sessions.close_all()


def _tenant(request: Request[Any, Any, Any], state: State) -> str:
    auth: Authenticator = state.auth
    return auth.tenant_for(request.headers.get(TOKEN_HEADER))


def _answer(session: ComputerSession, body: Any, **kw: Any) -> Response[Any]:
    """``body`` with the session's pending events in ``X-Mantis-Events`` (JSON list)."""
    headers = dict(kw.pop("headers", {}))
    events = session.take_events()
    if events:
        headers[EVENTS_HEADER] = json.dumps(events)
    return Response(content=body, headers=headers, **kw)


async def _session(request: Request[Any, Any, Any], state: State) -> ComputerSession:
    sessions: ComputerSessions = state.computer_sessions
    return await sessions.get(_tenant(request, state), request.headers.get(SESSION_HEADER))


@post("/computer/session/init", status_code=200)
async def session_init(request: Request[Any, Any, Any], state: State) -> SessionOpened:
    tenant = _tenant(request, state)
    req = decode(await request.body(), SessionInit)
    s = await state.computer_sessions.open(tenant, req)
    return SessionOpened(
        session_token=s.token,
        chrome_pid=s.chrome_pid,
        xvfb_display=s.display,
        width=s.size[0],
        height=s.size[1],
        content_top=s.content_top,
    )


@post("/computer/session/close", status_code=200)
async def session_close(request: Request[Any, Any, Any], state: State) -> dict[str, bool]:
    session = await _session(request, state)
    await state.computer_sessions.close(session)
    return {"closed": True}


@post("/computer/screenshot", status_code=200)
async def screenshot(request: Request[Any, Any, Any], state: State) -> Response[Any]:
    session = await _session(request, state)
    req = decode(await request.body(), ScreenshotRequest)
    accept = request.headers.get("accept", "")
    named: list[WireFormat] = [name for name, media in _MEDIA.items() if media in accept]
    fmt: WireFormat = req.format or (named[0] if named else "png")  # the body wins, then Accept
    shot = await session.computer.screenshot()
    data = await anyio.to_thread.run_sync(shot.encode, fmt, req.quality)
    if "image/" in accept:
        headers = {
            "X-Mantis-Width": str(shot.width),
            "X-Mantis-Height": str(shot.height),
            "X-Mantis-Captured-At-Ms": str(shot.captured_at_ms),
            "X-Mantis-Scroll-Y": "" if shot.scroll_y is None else str(shot.scroll_y),
        }
        return _answer(session, data, media_type=_MEDIA[fmt], headers=headers)
    body = ScreenshotBody(
        image_b64=base64.b64encode(data).decode(),
        width=shot.width,
        height=shot.height,
        scroll_y=shot.scroll_y,
        captured_at_ms=shot.captured_at_ms,
        format=fmt,
    )
    return _answer(session, body)


@post("/computer/action", status_code=200)
async def action(request: Request[Any, Any, Any], state: State) -> Response[ActionBody]:
    session = await _session(request, state)
    req = decode(await request.body(), ActionRequest)

    async def act() -> ActionBody:
        result = await session.computer.act(req.action)
        return ActionBody(ok=result.ok, detail=result.detail)

    return _answer(session, await state.computer_sessions.step(session, req.step_id, act))


@post("/computer/xdotool", status_code=200)
async def xdotool(request: Request[Any, Any, Any], state: State) -> Response[XdotoolResult]:
    session = await _session(request, state)
    req = decode(await request.body(), XdotoolRequest)

    async def run() -> XdotoolResult:
        with anyio.move_on_after(max(1, req.timeout_ms) / 1000):
            return await session.computer.xdotool(req.argv, req.step_id)
        return XdotoolResult(
            stderr=f"xdotool: timed out after {req.timeout_ms} ms\n", returncode=124
        )

    return _answer(session, await state.computer_sessions.step(session, req.step_id, run))


@post("/computer/cdp", status_code=200)
async def cdp(request: Request[Any, Any, Any], state: State) -> Response[CdpBody]:
    session = await _session(request, state)
    req = decode(await request.body(), CdpRequest)
    if not session.enable_cdp:
        raise CdpUnavailable("cdp: this session was opened without enable_cdp")

    async def run() -> CdpBody:
        try:
            return CdpBody(result_json=await session.computer.cdp(req.expression, req.step_id))
        except ComputerError as exc:  # a throwing expression is the caller's mistake: data
            return CdpBody(result_json=json.dumps({"error": exc.message}), returncode=1)

    return _answer(session, await state.computer_sessions.step(session, req.step_id, run))


@post("/computer/settle", status_code=200)
async def settle(request: Request[Any, Any, Any], state: State) -> Response[SettleBody]:
    session = await _session(request, state)
    req = decode(await request.body(), SettleRequest)
    seconds = await session.computer.settle(req.floor_s, req.ceiling_s)
    return _answer(session, SettleBody(seconds=seconds))


@post("/computer/url", status_code=200)
async def current_url(request: Request[Any, Any, Any], state: State) -> Response[UrlBody]:
    session = await _session(request, state)
    async with session.busy:  # reading the address bar types keys: not during an action
        url = await session.computer.current_url()
    return _answer(session, UrlBody(url=url))


@get("/computer/health", sync_to_thread=False)
def health(state: State) -> dict[str, Any]:
    sessions: ComputerSessions = state.computer_sessions
    return {"status": "ok", "sessions": len(sessions), "last_action_at": sessions.last_action_at}


COMPUTER_ROUTES = [
    session_init,
    session_close,
    screenshot,
    action,
    xdotool,
    cdp,
    settle,
    current_url,
    health,
]
