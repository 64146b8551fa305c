"""``/v1/recipes``: tenant-scoped named extraction schemas; delete is idempotent.

A stored recipe is usable by that tenant's runs as ``extract: {"recipe": "<name>"}``
(before the built-ins of ``mantis.runner.recipes`` of the same name).
"""

from __future__ import annotations

from typing import Any

from litestar import Controller, delete, get, post

from mantis.errors import NotFound, RequestError
from mantis.runner.recipes import schema_fields
from mantis.server.recipes import Recipe
from mantis.server.rundir import check_id
from mantis.server.services import ServicesDep, TenantDep


class RecipesController(Controller):
    path = "/v1/recipes"
    tags = ["recipes"]

    @post("/", status_code=200, summary="Create or replace a recipe")
    async def put(self, data: Recipe, services: ServicesDep, tenant: TenantDep) -> dict[str, Any]:
        recipe = data
        check_id(recipe.name, "name")
        try:
            schema_fields(recipe.schema)  # the same check extract steps will rely on
        except ValueError as exc:
            path = str(exc)
            raise RequestError(f"schema{path}", extra={"field": "schema"}) from None
        return await services.recipes.put(tenant.tenant_id, recipe)

    @get("/", summary="The tenant's recipes")
    async def list_recipes(self, services: ServicesDep, tenant: TenantDep) -> dict[str, Any]:
        return {"recipes": await services.recipes.list(tenant.tenant_id)}

    @get("/{name:str}", summary="One recipe")
    async def get_recipe(
        self, name: str, services: ServicesDep, tenant: TenantDep
    ) -> dict[str, Any]:
        found = await services.recipes.get(tenant.tenant_id, name)
        if found is None:
            raise NotFound(f"recipe {name!r} not found", extra={"name": name})
        return found

    @delete("/{name:str}", status_code=200, summary="Delete a recipe (idempotent)")
    async def delete_recipe(
        self, name: str, services: ServicesDep, tenant: TenantDep
    ) -> dict[str, Any]:
        await services.recipes.delete(tenant.tenant_id, name)
        return {"name": name, "deleted": True}
