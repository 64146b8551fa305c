"""``create_app(settings)``: the only wiring point of the server.

The CLI, the tests, the binary and the Modal entry all call it.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import anyio
from litestar import Litestar, Request, Response
from litestar.exceptions import HTTPException

from mantis.brains.registry import ModelRegistry
from mantis.config import Settings
from mantis.errors import MantisError
from mantis.gym.base import Computer
from mantis.runner.context import Providers
from mantis.server.auth import Authenticator
from mantis.server.computer_routes import COMPUTER_ROUTES, computer_plane
from mantis.server.manager import RunManager
from mantis.server.models_routes import MODEL_ROUTES
from mantis.server.routes import ROUTES
from mantis.server.store import RunStore

log = logging.getLogger("mantis.server")


def _error(status: int, detail: str, extra: dict[str, Any] | None = None) -> Response[Any]:
    return Response(
        {"status_code": status, "detail": detail, "extra": extra or {}}, status_code=status
    )


def _mantis_error(_: Request[Any, Any, Any], exc: MantisError) -> Response[Any]:
    return _error(exc.status_code, exc.message, exc.extra)


def _http_error(_: Request[Any, Any, Any], exc: HTTPException) -> Response[Any]:
    extra = exc.extra if isinstance(exc.extra, dict) else {}
    return _error(exc.status_code, exc.detail, extra)


def _internal_error(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    # One boundary: log the traceback for the operator, never send it to the caller.
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    return _error(500, "internal server error; the server log has the details")


def default_computer_factory(settings: Settings) -> Callable[[], Computer]:
    if settings.computer == "remote":
        from mantis.remote.computer import RemoteComputer

        url, token = settings.computer_url or "", settings.computer_token or settings.api_token
        return lambda: RemoteComputer(url, token)
    from mantis.gym.computer import LocalComputer
    from mantis.gym.providers import choose_provider

    upstream = choose_provider(settings)

    def make() -> Computer:
        return LocalComputer(
            chromium_path=settings.chromium_path,
            display_size=settings.display_size,
            upstream=upstream,
        )

    return make


def default_providers(settings: Settings) -> Providers:
    from mantis.brains.providers.extraction import LocalExtractor
    from mantis.brains.providers.grounding import LocalGrounder
    from mantis.brains.providers.verification import LocalVerifier

    return Providers(
        grounder=LocalGrounder(settings.tesseract_path),
        verifier=LocalVerifier(settings.tesseract_path),
        extractor=LocalExtractor(settings.tesseract_path),
    )


def create_app(
    settings: Settings,
    *,
    computer_factory: Callable[[], Computer] | None = None,
    providers: Providers | None = None,
) -> Litestar:
    auth = Authenticator.from_settings(settings)
    store = RunStore(settings.db_path)
    manager = RunManager(
        settings,
        store,
        computer_factory or default_computer_factory(settings),
        providers or default_providers(settings),
    )

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        await store.open()
        interrupted = await store.mark_interrupted()
        if interrupted:
            log.warning("marked %d interrupted run(s) failed: %s", len(interrupted), interrupted)
        try:
            async with anyio.create_task_group() as tg:
                manager.attach(tg)
                try:
                    yield
                finally:
                    await manager.shutdown()
                    tg.cancel_scope.cancel()
        finally:
            await store.close()

    return Litestar(
        route_handlers=[*ROUTES, *MODEL_ROUTES, *COMPUTER_ROUTES],
        lifespan=[lifespan, computer_plane],
        exception_handlers={
            MantisError: _mantis_error,
            HTTPException: _http_error,
            Exception: _internal_error,
        },
        request_max_body_size=settings.max_body_bytes,
        state=_state(auth=auth, manager=manager, settings=settings, models=ModelRegistry(settings)),
        debug=False,
    )


def _state(**items: Any) -> Any:
    from litestar.datastructures import State

    return State(items)
