"""Thin HTTP controllers, one module per resource; they decode, check scopes and delegate."""

from litestar.types import ControllerRouterHandler

from mantis.server.controllers.cua import cua
from mantis.server.controllers.predict import predict
from mantis.server.controllers.recipes import RecipesController
from mantis.server.controllers.runs import RunsController
from mantis.server.controllers.service import health, metrics, openapi_alias, queue, version

ROUTES: list[ControllerRouterHandler] = [
    predict,
    cua,
    RunsController,
    RecipesController,
    health,
    version,
    queue,
    metrics,
    openapi_alias,
]

__all__ = ["ROUTES"]
