"""``create_app(settings)``: the only wiring point of the server.

The CLI, the tests, the binary and the Modal entry all call it. Services are
built here and reach handlers by dependency injection; the lifespan opens the
store, reconciles what a previous process left behind, and runs the executor
and the webhook sender in one task group.
"""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import anyio
from litestar import Litestar, Request, Response
from litestar.di import Provide
from litestar.exceptions import HTTPException
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import SwaggerRenderPlugin
from litestar.openapi.spec import Components, SecurityScheme

from mantis import __version__
from mantis.brains.registry import ModelRegistry
from mantis.config import Settings, process_environment
from mantis.errors import MantisError
from mantis.gym.base import Computer
from mantis.runner.context import EventSink, Providers
from mantis.runner.decompose import Decomposer
from mantis.runner.tools import ToolRegistry
from mantis.server.auth import Authenticator
from mantis.server.computer_routes import COMPUTER_ROUTES, computer_plane
from mantis.server.controllers import ROUTES
from mantis.server.errors import RateLimited
from mantis.server.executor import LocalExecutor
from mantis.server.idempotency import IdempotencyStore
from mantis.server.limits import Limiter
from mantis.server.manager import ComputerFactory, RunManager
from mantis.server.metrics import Metrics
from mantis.server.models_routes import MODEL_ROUTES
from mantis.server.recipes import RecipeStore
from mantis.server.secrets import Secrets
from mantis.server.services import Services, provide_services, provide_tenant
from mantis.server.store import RunStore
from mantis.server.viewer.controller import VIEWER_ROUTES
from mantis.server.viewer.sessions import ViewerSessions
from mantis.server.webhooks import WebhookSender

log = logging.getLogger("mantis.server")


def _error(
    status: int,
    detail: str,
    extra: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
) -> Response[Any]:
    return Response(
        {"status_code": status, "detail": detail, "extra": extra or {}},
        status_code=status,
        headers=headers,
    )


def _mantis_error(_: Request[Any, Any, Any], exc: MantisError) -> Response[Any]:
    headers = exc.headers if isinstance(exc, RateLimited) else None
    return _error(exc.status_code, exc.message, exc.extra, headers)


def _http_error(_: Request[Any, Any, Any], exc: HTTPException) -> Response[Any]:
    extra = exc.extra if isinstance(exc.extra, dict) else {}
    if exc.detail.startswith("JSON is malformed"):
        return _error(400, f"request body: malformed JSON ({exc.detail})", extra)
    if isinstance(exc.extra, list) and exc.extra:  # Litestar's validation errors name the key
        first = exc.extra[0]
        if isinstance(first, dict) and first.get("key"):
            key, message = str(first["key"]), str(first.get("message"))
            if key == "data" and first.get("source") == "body":
                missing = re.search(r"required field `([^`]+)`", message)
                if missing:
                    key = missing.group(1)
                elif message == "'data'":
                    key, message = "request body", "expected a JSON object, got none"
            return _error(exc.status_code, f"{key}: {message}", {"field": key, "errors": exc.extra})
    return _error(exc.status_code, exc.detail, extra, exc.headers)


def _internal_error(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    # One boundary: log the traceback for the operator, never send it to the caller.
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    return _error(500, "internal server error; the server log has the details")


def default_computer_factory(settings: Settings) -> ComputerFactory:
    """``factory(on_event=sink)`` → a fresh computer of the configured kind."""
    if settings.computer == "remote":
        from mantis.remote.computer import RemoteComputer

        url, token = settings.computer_url or "", settings.computer_token or settings.api_token

        def remote(on_event: EventSink | None = None) -> Computer:
            return RemoteComputer(url, token, on_event=on_event)

        return remote
    from mantis.gym.computer import LocalComputer
    from mantis.gym.providers import choose_provider

    upstream = choose_provider(settings)

    def make(on_event: EventSink | None = None) -> Computer:
        return LocalComputer(
            chromium_path=settings.chromium_path,
            display_size=settings.display_size,
            upstream=upstream,
            on_event=on_event,
        )

    return make


def default_providers(settings: Settings) -> tuple[Providers, Decomposer | None]:
    """Grounder, verifier and extractor per MANTIS_GROUNDER/… (``auto``: Claude with a key,
    else local OCR), and the plan_text decomposer when one is configured."""
    from mantis.brains.providers.factory import build_providers

    built = build_providers(settings)
    providers = Providers(
        grounder=built.grounder, verifier=built.verifier, extractor=built.extractor
    )
    return providers, built.decomposer


def _openapi(settings: Settings) -> OpenAPIConfig:
    return OpenAPIConfig(
        title="Mantis",
        version=__version__,
        path="/schema",
        render_plugins=[SwaggerRenderPlugin(path="/")] if settings.enable_docs_ui else [],
        components=Components(
            security_schemes={
                "token": SecurityScheme(
                    type="apiKey", name="X-Mantis-Token", security_scheme_in="header"
                )
            }
        ),
        security=[{"token": []}],
    )


def create_app(
    settings: Settings,
    *,
    computer_factory: ComputerFactory | None = None,
    providers: Providers | None = None,
    env: dict[str, str] | None = None,
    tools: ToolRegistry | None = None,
) -> Litestar:
    """The app. ``tools`` are the host tools a plan's ``tool_call`` steps may call (an
    embedding program registers its own; ``mantis serve`` registers none)."""
    auth = Authenticator.from_settings(settings)
    store = RunStore(settings.db_path)
    metrics = Metrics()
    executor = LocalExecutor(settings.max_concurrent_runs)
    models = ModelRegistry(settings)
    default_providers_, decomposer = default_providers(settings)
    manager = RunManager(
        settings,
        store,
        executor,
        computer_factory or default_computer_factory(settings),
        providers or default_providers_,
        metrics=metrics,
        models=models,
        decomposer=decomposer,
        secrets=Secrets(settings.secrets_dir, process_environment() if env is None else env),
        tools=tools,
    )
    webhooks = WebhookSender(
        settings, store, metrics, process_environment() if env is None else dict(env)
    )
    manager.terminal_hooks.append(webhooks.enqueue)
    services = Services(
        settings=settings,
        auth=auth,
        store=store,
        manager=manager,
        limiter=Limiter(store),
        idempotency=IdempotencyStore(store),
        recipes=RecipeStore(store),
        metrics=metrics,
        webhooks=webhooks,
        viewer=ViewerSessions(auth),
    )

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        await store.open()
        try:
            async with anyio.create_task_group() as tg:
                executor.attach(tg)
                webhooks.attach(tg)
                report = await manager.reconcile()
                if any(report.values()):
                    log.warning("start-up reconciliation: %s", report)
                await webhooks.resume_pending()
                try:
                    yield
                finally:
                    manager.closing = True
                    await executor.shutdown()
                    tg.cancel_scope.cancel()
        finally:
            await store.close()

    return Litestar(
        route_handlers=[*ROUTES, *MODEL_ROUTES, *COMPUTER_ROUTES, *VIEWER_ROUTES],
        lifespan=[lifespan, computer_plane],
        dependencies={
            "services": Provide(provide_services, sync_to_thread=False),
            "tenant": Provide(provide_tenant, sync_to_thread=False),
        },
        exception_handlers={
            MantisError: _mantis_error,
            HTTPException: _http_error,
            Exception: _internal_error,
        },
        request_max_body_size=settings.max_body_bytes,
        openapi_config=_openapi(settings),
        # auth/settings/manager also stand alone for route modules that predate Services
        state=_state(
            services=services,
            auth=auth,
            settings=settings,
            manager=manager,
            models=models,
        ),
        debug=False,
    )


def _state(**items: Any) -> Any:
    from litestar.datastructures import State

    return State(items)
