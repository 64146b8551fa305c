"""The services a request handler may use, built once by ``create_app``.

Handlers receive them through Litestar dependency injection (``services`` and
``tenant``), never through module globals.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from litestar import Request
from litestar.di import NamedDependency
from litestar.params import SkipValidation

from mantis.config import Settings
from mantis.server.auth import TOKEN_HEADER, Authenticator
from mantis.server.idempotency import IdempotencyStore
from mantis.server.limits import Limiter
from mantis.server.manager import RunManager
from mantis.server.metrics import Metrics
from mantis.server.recipes import RecipeStore
from mantis.server.store import RunStore
from mantis.server.tenancy import Tenant
from mantis.server.viewer.sessions import ViewerSessions
from mantis.server.webhooks import WebhookSender


@dataclass(frozen=True)
class Services:
    settings: Settings
    auth: Authenticator
    store: RunStore
    manager: RunManager
    limiter: Limiter
    idempotency: IdempotencyStore
    recipes: RecipeStore
    metrics: Metrics
    webhooks: WebhookSender
    viewer: ViewerSessions


def provide_services(request: Request[Any, Any, Any]) -> Services:
    services: Services = request.app.state.services
    return services


def provide_tenant(request: Request[Any, Any, Any], services: Services) -> Tenant:
    # Depending on ``services`` puts the two in separate batches, which Litestar resolves
    # inline; two independent dependencies would cost a task group per request.
    return tenant_of(request, services)


def tenant_of(request: Request[Any, Any, Any], services: Services) -> Tenant:
    """The caller's tenant: ``X-Mantis-Token``, else the web viewer's session cookie where
    its CSRF rule allows (see ``viewer.sessions.cookie_allowed``); 401 otherwise."""
    presented = request.headers.get(TOKEN_HEADER)
    if presented is None:
        tenant = services.viewer.from_request(request)
        if tenant is not None:
            return tenant
    return services.auth.authenticate(presented)


# Built by this process, so not re-validated on every request (SkipValidation).
ServicesDep = NamedDependency[SkipValidation[Services]]
TenantDep = NamedDependency[SkipValidation[Tenant]]
