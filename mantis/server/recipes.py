"""Recipes: tenant-scoped named extraction schemas, stored in SQLite."""

from __future__ import annotations

import time
from typing import Any

import msgspec

from mantis.server.store import RunStore


class Recipe(msgspec.Struct, kw_only=True):
    name: str
    schema: dict[str, Any]


class RecipeStore:
    def __init__(self, store: RunStore) -> None:
        self.store = store

    async def put(self, tenant: str, recipe: Recipe) -> dict[str, Any]:
        now = time.time()
        await self.store.db.execute(
            "INSERT INTO recipes (tenant, name, schema, created_at, updated_at) VALUES (?,?,?,?,?) "
            "ON CONFLICT (tenant, name) DO UPDATE SET schema=excluded.schema, "
            "updated_at=excluded.updated_at",
            (tenant, recipe.name, msgspec.json.encode(recipe.schema).decode(), now, now),
        )
        await self.store.db.commit()
        found = await self.get(tenant, recipe.name)
        assert found is not None
        return found

    async def get(self, tenant: str, name: str) -> dict[str, Any] | None:
        cur = await self.store.db.execute(
            "SELECT name, schema, created_at, updated_at FROM recipes WHERE tenant=? AND name=?",
            (tenant, name),
        )
        row = await cur.fetchone()
        return None if row is None else self._body(row)

    async def list(self, tenant: str) -> list[dict[str, Any]]:
        cur = await self.store.db.execute(
            "SELECT name, schema, created_at, updated_at FROM recipes WHERE tenant=? ORDER BY name",
            (tenant,),
        )
        return [self._body(r) for r in await cur.fetchall()]

    async def delete(self, tenant: str, name: str) -> None:
        await self.store.db.execute("DELETE FROM recipes WHERE tenant=? AND name=?", (tenant, name))
        await self.store.db.commit()

    @staticmethod
    def _body(row: Any) -> dict[str, Any]:
        name, schema, created, updated = row
        return {
            "name": name,
            "schema": msgspec.json.decode(schema),
            "created_at": created,
            "updated_at": updated,
        }
