"""``RemoteComputer``: the ``Computer`` protocol over the ``/computer/...`` HTTP wire.

Each mutating call gets a fresh ``step_id``; transient failures (connection
errors, timeouts, 5xx) are retried with the **same** ``step_id``, so the plane
acts at most once however often the request is sent. Every call has a timeout.
Error bodies come back as the matching ``MantisError`` (409 ``ProfileLocked``,
403 ``CdpUnavailable``, ...), with the plane's detail unchanged.

What the plane's computer reports (``browser_restarted``, ``proxy_blocked``)
arrives in the ``X-Mantis-Events`` header and goes to ``on_event``.

The plane keeps the profile itself, under the token's tenant; its name there
is :func:`plane_profile_id` of ``SessionSpec.profile_dir``.
"""

from __future__ import annotations

import io
import json
import uuid
from pathlib import Path
from typing import Any

import anyio
import httpx
import msgspec

from mantis.brains.actions import Action, Navigate
from mantis.errors import (
    AuthError,
    ComputerError,
    MantisError,
    NotFound,
    ProfileLocked,
    RequestError,
)
from mantis.gym.base import (
    ActResult,
    CdpUnavailable,
    EventSink,
    Screenshot,
    SessionInfo,
    SessionSpec,
    XdotoolResult,
)
from mantis.gym.sessions import SessionLimit
from mantis.gym.wire import EVENTS_HEADER, SESSION_HEADER, ActionBody, CdpBody, SessionOpened

_BACKOFF_S = (0.2, 0.5, 1.0, 2.0)
_BY_STATUS: dict[int, type[MantisError]] = {
    400: RequestError,
    401: AuthError,
    403: CdpUnavailable,
    404: NotFound,
    429: SessionLimit,
}


class RemoteComputer:
    """A computer on another Mantis server. Implements ``Computer``."""

    def __init__(
        self,
        base_url: str,
        token: str | None,
        *,
        timeout_s: float = 60.0,
        retries: int = 3,
        transport: httpx.AsyncBaseTransport | None = None,
        on_event: EventSink | None = None,
    ):
        headers = {"X-Mantis-Token": token} if token else {}
        self.base_url = base_url.rstrip("/")
        self.retries = retries
        self.timeout_s = timeout_s
        self._client = httpx.AsyncClient(
            base_url=self.base_url, headers=headers, timeout=timeout_s, transport=transport
        )
        self.info: SessionInfo | None = None
        self._token = ""
        self._on_event = on_event

    async def _call(
        self,
        path: str,
        body: Any = None,
        *,
        timeout_s: float | None = None,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        """POST ``body``; retry transport errors and 5xx; raise the plane's errors as ours."""
        content = msgspec.json.encode(body if body is not None else {})
        attempt = 0
        while True:
            try:
                resp = await self._client.post(
                    path,
                    content=content,
                    headers={"Content-Type": "application/json", **(headers or {})},
                    timeout=timeout_s or self.timeout_s,
                )
            except httpx.TransportError as exc:
                failure = f"{type(exc).__name__}: {exc}"
            else:
                if resp.status_code < 500:
                    break
                failure = f"HTTP {resp.status_code}: {_detail(resp)}"
            if attempt >= self.retries:
                raise ComputerError(
                    f"remote computer {self.base_url}{path} failed after {attempt + 1} tries: "
                    f"{failure}"
                )
            await anyio.sleep(_BACKOFF_S[min(attempt, len(_BACKOFF_S) - 1)])
            attempt += 1
        if resp.status_code >= 400:
            raise _error(resp)
        return resp

    async def _session_call(
        self,
        path: str,
        body: Any = None,
        *,
        timeout_s: float | None = None,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        if self.info is None:
            raise ComputerError("the remote computer is not open")
        headers = {SESSION_HEADER: self._token, **(headers or {})}
        resp = await self._call(path, body, timeout_s=timeout_s, headers=headers)
        events = resp.headers.get(EVENTS_HEADER)
        if events and self._on_event is not None:
            for event in json.loads(events):
                await self._on_event(event["kind"], event["data"])
        return resp

    async def open(self, spec: SessionSpec) -> SessionInfo:
        body = {
            "profile_id": plane_profile_id(spec.profile_dir),
            "run_id": spec.run_id or uuid.uuid4().hex,
            "viewport": list(spec.viewport),
            "start_url": spec.start_url,
            "proxy_server": spec.proxy_server,
            "proxy_disabled": spec.proxy_disabled,
            "allowed_domains": list(spec.allowed_domains),
            "enable_cdp": spec.enable_cdp,
            "chrome_flags": list(spec.chrome_flags),
        }
        resp = await self._call("/computer/session/init", body, timeout_s=max(self.timeout_s, 90))
        opened = msgspec.json.decode(resp.content, type=SessionOpened)
        self._token = opened.session_token
        self.info = SessionInfo(
            display=opened.xvfb_display,
            chrome_pid=opened.chrome_pid,
            width=opened.width,
            height=opened.height,
            content_top=opened.content_top,
        )
        return self.info

    async def close(self) -> None:
        with anyio.CancelScope(shield=True):
            if self.info is not None:
                try:
                    await self._session_call("/computer/session/close", timeout_s=30)
                except (NotFound, ComputerError):
                    pass  # already closed by the plane (idle) or unreachable: nothing to free
                self.info = None
            await self._client.aclose()

    async def screenshot(self) -> Screenshot:
        resp = await self._session_call(
            "/computer/screenshot", {"format": "png"}, headers={"Accept": "image/png"}
        )
        stamp = int(resp.headers.get("X-Mantis-Captured-At-Ms", "0"))
        scroll = resp.headers.get("X-Mantis-Scroll-Y") or None

        def decode() -> Screenshot:
            from PIL import Image

            shot = Screenshot.from_image(Image.open(io.BytesIO(resp.content)), stamp)
            return msgspec.structs.replace(shot, scroll_y=int(scroll) if scroll else None)

        return await anyio.to_thread.run_sync(decode)

    async def act(self, action: Action) -> ActResult:
        body = {"action": msgspec.to_builtins(action), "step_id": uuid.uuid4().hex}
        timeout = self.timeout_s + getattr(action, "seconds", 0)
        resp = await self._session_call("/computer/action", body, timeout_s=timeout)
        answer = msgspec.json.decode(resp.content, type=ActionBody)
        return ActResult(ok=answer.ok, detail=answer.detail)

    async def xdotool(self, argv: list[str], step_id: str = "") -> XdotoolResult:
        body = {"argv": argv, "step_id": step_id or uuid.uuid4().hex}
        resp = await self._session_call("/computer/xdotool", body)
        return msgspec.json.decode(resp.content, type=XdotoolResult)

    async def cdp(self, expression: str, step_id: str = "") -> str:
        body = {"expression": expression, "step_id": step_id or uuid.uuid4().hex}
        resp = await self._session_call("/computer/cdp", body)
        return msgspec.json.decode(resp.content, type=CdpBody).result_json

    async def navigate(self, url: str) -> None:
        result = await self.act(Navigate(url=url))
        if not result.ok:
            raise ComputerError(
                f"navigate to {url!r} failed on the remote computer: {result.detail}"
            )

    async def current_url(self) -> str:
        resp = await self._session_call("/computer/url")
        return str(resp.json()["url"])

    async def settle(self, floor_s: float = 0.15, ceiling_s: float = 3.0) -> float:
        body = {"floor_s": floor_s, "ceiling_s": ceiling_s}
        resp = await self._session_call("/computer/settle", body, timeout_s=ceiling_s + 30)
        return float(resp.json()["seconds"])


def plane_profile_id(profile_dir: str) -> str:
    """The profile's name on the plane: ``<tenant>__<profile_id>`` for a tenant profile
    directory (``.../tenants/<tenant>/chrome-profile/<profile_id>``), so tenants of
    this server that share one plane token never share a browser profile there."""
    parts = Path(profile_dir).parts
    if len(parts) >= 4 and parts[-4] == "tenants" and parts[-2] == "chrome-profile":
        return f"{parts[-3]}__{parts[-1]}"
    return parts[-1] if parts else "default"


def _detail(resp: httpx.Response) -> str:
    try:
        return str(resp.json().get("detail", resp.text))
    except ValueError:
        return resp.text[:300]


def _error(resp: httpx.Response) -> MantisError:
    detail = _detail(resp)
    try:
        extra = resp.json().get("extra") or {}
    except ValueError:
        extra = {}
    if resp.status_code == 409:
        return ProfileLocked(str(extra.get("profile_id", "")), str(extra.get("held_run_id", "")))
    kind = _BY_STATUS.get(resp.status_code)
    if kind is None:
        return ComputerError(f"remote computer answered HTTP {resp.status_code}: {detail}")
    return kind(detail, extra=extra)
