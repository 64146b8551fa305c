"""Turning a ``POST /v1/predict`` body into a runnable plan for one tenant.

Resolves the one plan field, loads and validates the plan (errors carry the
JSON path, prefixed by the request field), checks the model, checks every URL
of the plan against the tenant's ``allowed_domains`` and clamps the caps.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

import msgspec

from mantis.brains.registry import ModelRegistry
from mantis.config import Settings
from mantis.errors import PlanError, RequestError
from mantis.plans import LoadedPlan, MicroPlan, PlanCaps, TaskSuite, dump_plan, load_plan
from mantis.runner.decompose import Decomposer, DecompositionCache, decompose_cached
from mantis.server.errors import Forbidden, ModelNotReady
from mantis.server.requests import PredictRequest, plan_data
from mantis.server.tenancy import Tenant

_URL = re.compile(r"""https?://[^\s"'<>]+""", re.IGNORECASE)


def check_model(
    requested: str | None,
    settings: Settings,
    registry: ModelRegistry,
    anthropic_key: str | None = None,
) -> str:
    """The brain a run uses: the requested one (unknown → 400, not ready → 503), else
    ``MANTIS_MODEL``, else the first ready real brain, else ``mock``.

    An implicit ``mock`` is recorded as the model but gives the runner no brain, so a
    free-form step fails and says what to configure instead of pretending to succeed.
    """
    if anthropic_key:  # the tenant's own key makes `claude` ready for this tenant
        registry = ModelRegistry(msgspec.structs.replace(settings, anthropic_api_key=anthropic_key))
    name = requested or settings.model
    if name:
        status = registry.status(name)  # UnknownModel → 400 listing the valid names
        if not status.ready:
            raise ModelNotReady(
                f"cua_model: {name!r} is not ready: {status.reason}",
                extra={"reason": status.reason, "model": name},
            )
        return name
    for status in registry.statuses():
        if status.ready and status.id != "mock":
            return status.id
    return "mock"


RunPlan = MicroPlan | TaskSuite


async def load_run_plan(
    req: PredictRequest,
    settings: Settings,
    caps: PlanCaps,
    *,
    decomposer: Decomposer | None,
    cache: DecompositionCache,
) -> tuple[LoadedPlan, RunPlan]:
    """The plan a submission runs: a micro-plan, or a task suite whose tasks need a brain.

    ``plan_text`` goes through the decomposer (cached by the text's signature); without
    one the error is 503 and says what to configure.
    """
    field, data = plan_data(req, settings.plans_dir)
    if field == "plan_text":
        text = data["plan_text"]
        if not text.strip():
            raise RequestError(
                "plan_text: expected some words, got an empty string", extra={"field": field}
            )
        loaded = await decompose_cached(text, decomposer, cache)
        assert isinstance(loaded.plan, MicroPlan)
        return loaded, loaded.plan
    try:
        loaded = load_plan(data, caps=caps, vars=req.vars)
    except PlanError as exc:
        prefix = "" if field == "micro" else f"{field}."
        raise PlanError(prefix + exc.path if exc.path else field, exc.reason) from None
    plan = loaded.plan
    if isinstance(plan, TaskSuite):
        return loaded, (plan.micro_plan if plan.micro_plan is not None else plan)
    if not isinstance(plan, MicroPlan):
        raise RequestError(
            f"{field}: expected a micro-plan or a task suite, got plain text; "
            "send plain English as plan_text",
            extra={"field": field},
        )
    return loaded, plan


def plan_urls(plan: Any) -> list[str]:
    text = msgspec.json.encode(plan).decode()
    return [m.group(0).rstrip(".,;)") for m in _URL.finditer(text)]


def domain_allowed(host: str, allowed: tuple[str, ...]) -> bool:
    host = host.lower().rstrip(".")
    for domain in allowed:
        d = domain.lower().lstrip("*.").rstrip(".")
        if host == d or host.endswith("." + d):
            return True
    return False


def check_domains(tenant: Tenant, micro: RunPlan, loaded: LoadedPlan) -> None:
    """403 naming the first URL of the plan outside the tenant's ``allowed_domains``."""
    if not tenant.allowed_domains:
        return
    for url in plan_urls(dump_plan(micro)) + plan_urls(msgspec.to_builtins(loaded.plan)):
        host = urlsplit(url).hostname or ""
        if not domain_allowed(host, tenant.allowed_domains):
            raise Forbidden(
                f"navigate URL {url} is outside the allowed_domains of tenant {tenant.tenant_id!r}",
                extra={"url": url, "allowed_domains": list(tenant.allowed_domains)},
            )


def clamp(value: float | None, runtime: float | None, default: float, *ceilings: float) -> float:
    chosen = value if value is not None else (runtime if runtime is not None else default)
    return max(0.0, min(chosen, *ceilings))
