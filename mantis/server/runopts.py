"""Run options that shape the session and the runner rather than the plan.

At submission :func:`check_run_options` validates them (400 naming the field)
and returns what the run payload records; at run time :func:`session_options`
and :func:`extraction_fields` turn the payload back into ``SessionSpec`` fields
and the runner's run-level extraction schema.

* ``extraction_schema`` — overrides the fields of every extract step.
* ``proxy_disabled`` / ``proxy_provider`` / ``proxy_city`` / ``proxy_state`` —
  the request's value, else the plan's ``runtime`` block, else the server's
  configuration (``MANTIS_PROXY_PROVIDER``, ``OXYLABS_CITY`` ...). City and
  state are geo targeting, which only Oxylabs takes (in its username).
* the tenant's ``allowed_domains`` go into the session, so the proxy
  auth-holder enforces them on every request the browser makes.
"""

from __future__ import annotations

from typing import Any

import msgspec

from mantis.brains.providers.base import FieldSpec
from mantis.config import Settings
from mantis.errors import ConfigError, RequestError
from mantis.gym.providers import ProxyUpstream, choose_provider
from mantis.plans import MicroPlan, TaskSuite
from mantis.runner.recipes import schema_fields
from mantis.server.requests import PredictRequest
from mantis.server.tenancy import Tenant

PROXY_OPTIONS = ("proxy_disabled", "proxy_provider", "proxy_city", "proxy_state")


def _upstream(settings: Settings, proxy: dict[str, Any]) -> ProxyUpstream | None:
    """The provider a run with these proxy options uses (ConfigError when not configured)."""
    changes: dict[str, Any] = {}
    if proxy.get("proxy_provider"):
        changes["proxy_provider"] = proxy["proxy_provider"]
    if proxy.get("proxy_city"):
        changes["oxylabs_city"] = proxy["proxy_city"]
    if proxy.get("proxy_state"):
        changes["oxylabs_state"] = proxy["proxy_state"]
    return choose_provider(msgspec.structs.replace(settings, **changes))


def check_run_options(
    req: PredictRequest, plan: MicroPlan | TaskSuite, tenant: Tenant, settings: Settings
) -> tuple[dict[str, Any], list[str]]:
    """Validated option values for the run payload, and warnings for the run's events."""
    out: dict[str, Any] = {}
    warnings: list[str] = []
    if req.extraction_schema is not None:
        try:
            schema_fields(req.extraction_schema)
        except ValueError as exc:
            sep = "" if str(exc).startswith(".") else ": "
            raise RequestError(
                f"extraction_schema{sep}{exc}", extra={"field": "extraction_schema"}
            ) from None
    runtime = plan.runtime if isinstance(plan, MicroPlan) else None
    proxy: dict[str, Any] = {}
    for name in PROXY_OPTIONS:
        value = getattr(req, name)
        if value is None and runtime is not None:
            value = getattr(runtime, name)
        if value is not None and value != "":
            proxy[name] = value
    if not proxy.get("proxy_disabled") and any(k != "proxy_disabled" for k in proxy):
        try:
            upstream = _upstream(settings, proxy)
        except ConfigError as exc:
            raise RequestError(
                f"proxy_provider: {exc.message}", extra={"field": "proxy_provider"}
            ) from None
        geo = [k for k in ("proxy_city", "proxy_state") if proxy.get(k)]
        if upstream is None:
            warnings.append(f"{', '.join(proxy)}: no proxy provider is configured; going direct")
        elif geo and upstream.provider != "oxylabs":
            warnings.append(f"{', '.join(geo)}: {upstream.provider} takes no geo targeting")
    out.update(proxy)
    if tenant.allowed_domains:
        out["allowed_domains"] = list(tenant.allowed_domains)
    return out, warnings


def session_options(settings: Settings, payload: dict[str, Any]) -> dict[str, Any]:
    """``SessionSpec`` keyword arguments for the run's proxy and domain allowlist."""
    opts: dict[str, Any] = {
        "proxy_disabled": bool(payload.get("proxy_disabled")),
        "allowed_domains": tuple(payload.get("allowed_domains") or ()),
    }
    chosen = {k: payload[k] for k in PROXY_OPTIONS[1:] if payload.get(k)}
    if chosen and not opts["proxy_disabled"]:
        opts["upstream"] = _upstream(settings, chosen)
    return opts


def extraction_fields(payload: dict[str, Any]) -> list[FieldSpec] | None:
    schema = payload.get("extraction_schema")
    return schema_fields(schema) if schema is not None else None
