"""Plain-text plans: decompose once into a micro-plan, cache it by the text's hash.

A :class:`Decomposer` (Claude, or a local text model) turns English into plan
data that :func:`mantis.plans.load_plan` accepts (a step list, ``{"steps": ...}``
or a ``MicroPlan``). :func:`decompose_cached` normalises the text (Unicode NFC,
whitespace runs collapsed, ends stripped; case is kept because quoted labels are
case-sensitive), looks up ``sha256(normalised)`` in the ``plan_decompositions``
table, and only on a miss asks the decomposer. The result is validated, its
hand-over phrases are split out (:mod:`mantis.runner.handover`), and the
normalised plan is stored. Cached plans are validated again on the way out.

Without a decomposer, :class:`DecomposerUnavailable` (HTTP 503) says what to set.
"""

from __future__ import annotations

import hashlib
import json
import time
import unicodedata
from pathlib import Path
from types import TracebackType
from typing import Any, Protocol

import aiosqlite

from mantis.errors import ConfigError, PlanError
from mantis.plans import LoadedPlan, MicroPlan, load_plan
from mantis.plans.load import dump_plan
from mantis.plans.signature import plan_signature
from mantis.runner.handover import split_handovers

_SCHEMA = """
CREATE TABLE IF NOT EXISTS plan_decompositions (
    signature TEXT PRIMARY KEY,
    plan_json TEXT NOT NULL,
    created_at REAL NOT NULL
)
"""


class Decomposer(Protocol):
    async def decompose(self, text: str) -> Any:
        """Plan data for ``text``: a list of steps, ``{"steps": [...]}`` or a ``MicroPlan``."""
        ...


class DecomposerUnavailable(ConfigError):
    status_code = 503

    def __init__(self) -> None:
        super().__init__(
            "plain-text plans need a decomposer and none is configured: set ANTHROPIC_API_KEY "
            "to decompose with Claude, or MANTIS_LOCAL_LLM to the path of a local GGUF text "
            "model; or submit the plan as JSON steps",
            extra={
                "reason": "no_decomposer",
                "configure": ["ANTHROPIC_API_KEY", "MANTIS_LOCAL_LLM"],
            },
        )


def normalise_text(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).split())


def text_signature(text: str) -> str:
    return hashlib.sha256(normalise_text(text).encode()).hexdigest()


class DecompositionCache:
    """The ``plan_decompositions`` table in the SQLite file at ``path``."""

    def __init__(self, path: str | Path) -> None:
        self.path = str(path)
        self._db: aiosqlite.Connection | None = None

    async def open(self) -> DecompositionCache:
        if self._db is None:
            self._db = await aiosqlite.connect(self.path)
            await self._db.execute(_SCHEMA)
            await self._db.commit()
        return self

    async def close(self) -> None:
        if self._db is not None:
            await self._db.close()
            self._db = None

    async def __aenter__(self) -> DecompositionCache:
        return await self.open()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    async def get(self, signature: str) -> Any | None:
        db = (await self.open())._db
        assert db is not None
        async with db.execute(
            "SELECT plan_json FROM plan_decompositions WHERE signature = ?", (signature,)
        ) as cur:
            row = await cur.fetchone()
        return None if row is None else json.loads(row[0])

    async def put(self, signature: str, plan_data: Any) -> None:
        db = (await self.open())._db
        assert db is not None
        await db.execute(
            "INSERT OR REPLACE INTO plan_decompositions (signature, plan_json, created_at) "
            "VALUES (?, ?, ?)",
            (signature, json.dumps(plan_data, separators=(",", ":")), time.time()),
        )
        await db.commit()


def _micro(data: Any, source: str) -> MicroPlan:
    """A micro-plan from what a decomposer returned: plan data, a plan, or a LoadedPlan."""
    if isinstance(data, LoadedPlan):
        data = data.plan
    if isinstance(data, MicroPlan):
        return data
    if isinstance(data, str):
        raise PlanError("", f"{source} returned text, not plan steps")
    plan = load_plan(data).plan
    if not isinstance(plan, MicroPlan):
        raise PlanError("", f"{source} returned a {type(plan).__name__}, expected a micro-plan")
    return plan


async def decompose_cached(
    text: str, decomposer: Decomposer | None, cache: DecompositionCache
) -> LoadedPlan:
    """The micro-plan for plain ``text``: from the cache, else from ``decomposer``."""
    signature = text_signature(text)
    cached = await cache.get(signature)
    if cached is not None:
        plan = _micro(cached, "the decomposition cache")
        return LoadedPlan(plan=plan, signature=plan_signature(plan))
    if decomposer is None:
        raise DecomposerUnavailable()
    data = await decomposer.decompose(normalise_text(text))
    plan = split_handovers(
        _micro(data, f"decomposer {getattr(decomposer, 'name', type(decomposer).__name__)!r}")
    )
    await cache.put(signature, dump_plan(plan))
    return LoadedPlan(plan=plan, signature=plan_signature(plan))
