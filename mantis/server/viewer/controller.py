"""``/ui``: the web viewer's routes.

Every page is the same static HTML shell (no data is ever rendered into it on
the server); ``viewer.js`` reads the path and fetches what it shows from the
``/v1/runs`` API with the session cookie, putting user data on the page as text
only. The UI's own writes — answering a pause and taking over the browser —
are POSTs under ``/ui/runs/{id}/`` that need the cookie *and* the
``X-Mantis-Viewer`` header (see ``sessions.cookie_allowed``).
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Any

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.enums import MediaType
from litestar.response import Redirect

from mantis.brains.actions import Click, Key, Type
from mantis.errors import MantisError, NotFound, RequestError
from mantis.server.auth import require_scope
from mantis.server.services import Services, ServicesDep, TenantDep
from mantis.server.viewer.sessions import COOKIE

STATIC = {"viewer.js": "text/javascript; charset=utf-8", "viewer.css": "text/css; charset=utf-8"}
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
        "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}
MAX_TEXT = 4000
MAX_KEYS = 64

TakeoverAction = Click | Type | Key


class NoLiveBrowser(MantisError):
    status_code = 409


class LoginBody(msgspec.Struct):
    token: str = ""


class AnswerBody(msgspec.Struct):
    user_input: str | None = None


@cache
def _asset(name: str) -> bytes:
    return resources.files("mantis.server.viewer").joinpath("static", name).read_bytes()


def _page(status: int = 200) -> Response[bytes]:
    return Response(
        _asset("viewer.html"), media_type=MediaType.HTML, status_code=status,
        headers=SECURITY_HEADERS,
    )  # fmt: skip


def _to_login() -> Redirect:
    return Redirect(path="/ui/login", status_code=303, headers={"Cache-Control": "no-store"})


def _secure(request: Request[Any, Any, Any]) -> bool:
    # behind a TLS proxy the app sees http; a forwarded https only makes the cookie stricter
    forwarded = request.headers.get("x-forwarded-proto", "").split(",")[0].strip()
    return request.url.scheme == "https" or forwarded == "https"


async def _token_from(request: Request[Any, Any, Any]) -> tuple[str, bool]:
    """(token, came from an HTML form) from a JSON or form-encoded login body."""
    if request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
        form = await request.form()
        value = form.get("token")
        return (value if isinstance(value, str) else ""), True
    try:
        return msgspec.json.decode(await request.body(), type=LoginBody).token, False
    except msgspec.DecodeError:
        raise RequestError('request body: expected {"token": "..."} or a form with token') from None


def _check_action(action: TakeoverAction, services: Services) -> None:
    width, height = services.settings.display_size
    if isinstance(action, Click) and not (0 <= action.x < width and 0 <= action.y < height):
        raise RequestError(
            f"click: ({action.x}, {action.y}) is outside the {width}x{height} screen",
            extra={"field": "x"},
        )
    if isinstance(action, Type) and not 0 < len(action.text) <= MAX_TEXT:
        raise RequestError(f"text: expected 1 to {MAX_TEXT} characters", extra={"field": "text"})
    if isinstance(action, Key) and not 0 < len(action.keys) <= MAX_KEYS:
        raise RequestError(f"keys: expected 1 to {MAX_KEYS} characters", extra={"field": "keys"})


class ViewerController(Controller):
    path = "/ui"
    include_in_schema = False

    @get("/", summary="The tenant's runs")
    async def runs_page(self, request: Request[Any, Any, Any], services: ServicesDep) -> Any:
        if services.viewer.tenant(request.cookies.get(COOKIE)) is None:
            return _to_login()
        return _page()

    @get("/login", summary="Log in with an API token")
    async def login_page(self) -> Response[bytes]:
        return _page()

    @post("/login", status_code=200, summary="Exchange an API token for a viewer session")
    async def login(self, request: Request[Any, Any, Any], services: ServicesDep) -> Any:
        token, from_form = await _token_from(request)
        session_id, tenant = services.viewer.login(token)  # 401 on a wrong token
        response: Any = (
            Redirect(path="/ui/", status_code=303)
            if from_form
            else Response({"tenant_id": tenant.tenant_id, "ttl_s": int(services.viewer.ttl_s)})
        )
        response.set_cookie(
            key=COOKIE,
            value=session_id,
            max_age=int(services.viewer.ttl_s),
            path="/",
            httponly=True,
            samesite="strict",
            secure=_secure(request),
        )
        return response

    @post("/logout", status_code=303, summary="End the viewer session")
    async def logout(self, request: Request[Any, Any, Any], services: ServicesDep) -> Redirect:
        # Needs no header: it only ever ends the session whose cookie came with it.
        services.viewer.logout(request.cookies.get(COOKIE))
        response = _to_login()
        response.delete_cookie(COOKIE, path="/")
        return response

    @get("/runs/{run_id:str}", summary="One run: status, events, live view, pause, take over")
    async def run_page(
        self, run_id: str, request: Request[Any, Any, Any], services: ServicesDep
    ) -> Any:
        tenant = services.viewer.tenant(request.cookies.get(COOKIE))
        if tenant is None:
            return _to_login()
        try:
            await services.manager.get(tenant.tenant_id, run_id)
        except NotFound:
            return _page(404)  # the script shows "not found" from the API's own 404
        return _page()

    @get("/static/{name:str}", summary="The viewer's script and stylesheet")
    async def static(self, name: str) -> Response[bytes]:
        if name not in STATIC:
            raise NotFound(f"no viewer asset {name!r}")
        return Response(
            _asset(name), media_type=STATIC[name],
            headers={"X-Content-Type-Options": "nosniff", "Cache-Control": "no-cache"},
        )  # fmt: skip

    @get("/api/me", summary="Who is logged in, and the screen size for take-over clicks")
    async def me(self, services: ServicesDep, tenant: TenantDep) -> dict[str, Any]:
        width, height = services.settings.display_size
        return {
            "tenant_id": tenant.tenant_id,
            "scopes": list(tenant.scopes),
            "screen": {"width": width, "height": height},
        }

    @post("/runs/{run_id:str}/resume", status_code=200, summary="Answer a paused run")
    async def resume(
        self, run_id: str, services: ServicesDep, tenant: TenantDep, data: AnswerBody
    ) -> dict[str, Any]:
        require_scope(tenant, "run")
        return await services.manager.resume(tenant.tenant_id, run_id, data.user_input)

    @post("/runs/{run_id:str}/input", status_code=200, summary="Take over: click, type, key")
    async def take_over(
        self,
        run_id: str,
        request: Request[Any, Any, Any],
        services: ServicesDep,
        tenant: TenantDep,
    ) -> dict[str, Any]:
        require_scope(tenant, "run")
        try:
            action = msgspec.json.decode(await request.body(), type=TakeoverAction)
        except (msgspec.DecodeError, msgspec.ValidationError) as exc:
            raise RequestError(
                f"request body: expected a click {{x, y}}, type {{text}} or key {{keys}} "
                f"action ({exc})"
            ) from None
        _check_action(action, services)
        result = await services.manager.take_over(tenant.tenant_id, run_id, action)
        if result is None:
            raise NoLiveBrowser(
                f"run {run_id} has no live browser to take over (queued, parked after its "
                "pause hold, or finished)",
                extra={"run_id": run_id},
            )
        return {"run_id": run_id, "ok": result.ok, "detail": result.detail}


VIEWER_ROUTES = [ViewerController]
