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

from mantis.config import Settings
from mantis.errors import PlanError, RequestError
from mantis.plans import LoadedPlan, MicroPlan, PlanCaps, TaskSuite, dump_plan, load_plan
from mantis.server.errors import Forbidden, ModelNotReady
from mantis.server.requests import PredictRequest, plan_data
from mantis.server.tenancy import Tenant

KNOWN_MODELS = (
    "mock",
    "holo3",
    "gemma4-cua",
    "fara",
    "evocua-8b",
    "evocua-32b",
    "opencua-32b",
    "opencua-72b",
    "claude",
)
READY_MODELS = ("mock",)
_URL = re.compile(r"""https?://[^\s"'<>]+""", re.IGNORECASE)


def check_model(requested: str | None, settings: Settings) -> str:
    model = requested or settings.model
    if model not in KNOWN_MODELS and not model.startswith("endpoint:"):
        raise RequestError(
            f"cua_model: unknown model {model!r}; valid: {', '.join(KNOWN_MODELS)}, endpoint:<name>",
            extra={"field": "cua_model"},
        )
    if model not in READY_MODELS:
        raise ModelNotReady(
            f"cua_model: {model!r} is not ready: no engine or key is configured",
            extra={"reason": "not_configured"},
        )
    return model


def load_micro(
    req: PredictRequest, settings: Settings, caps: PlanCaps
) -> tuple[LoadedPlan, MicroPlan]:
    field, data = plan_data(req, settings.plans_dir)
    if field == "plan_text":
        raise ModelNotReady(
            "plan_text needs a decomposer to turn text into steps, and none is configured "
            "in this deployment; submit a micro-plan instead",
            extra={"reason": "no_decomposer"},
        )
    try:
        loaded = load_plan(data, caps=caps, vars=req.vars)
    except PlanError as exc:
        prefix = "" if field in ("micro", "plan_text") else f"{field}."
        raise PlanError(prefix + exc.path if exc.path else field, exc.reason) from None
    plan = loaded.plan
    if isinstance(plan, TaskSuite):
        if plan.micro_plan is None:
            raise ModelNotReady(
                "task-suite tasks are free-form goals that need a vision-language brain, and "
                "none is ready in this deployment (see `mantis doctor`); give the suite a "
                "_micro_plan to run label-driven steps instead",
                extra={"reason": "no_brain"},
            )
        return loaded, plan.micro_plan
    if not isinstance(plan, MicroPlan):
        raise RequestError(
            f"{field}: expected a micro-plan or a task suite, got plain text",
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


def check_domains(tenant: Tenant, micro: MicroPlan, loaded: LoadedPlan) -> None:
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
