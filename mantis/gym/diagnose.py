"""``mantis proxy diagnose``: is a proxy provider usable, and if not, whose fault is it?

For one provider, an auth-holder is started and two requests go through it:
the egress-IP service (what address the world sees) and a target page. The
holder's CONNECT/request log then classifies the outcome:

* ``cannot_reach_upstream`` — the provider's entrypoint refused or timed out;
* ``upstream_rejected_auth`` — the provider answered 407 to our credentials;
* ``target_refused_proxy_ip`` — the provider let us in, but the target (or the
  provider on its behalf) refused the connection, or answered 403/429;
* ``ok`` — both requests succeeded.
"""

from __future__ import annotations

import json
from typing import Any, Literal

import httpx
import msgspec

from mantis.gym.providers import ProxyUpstream
from mantis.gym.proxy import AuthHolder

Outcome = Literal[
    "ok", "cannot_reach_upstream", "upstream_rejected_auth", "target_refused_proxy_ip"
]
DEFAULT_IP_URL = "https://api.ipify.org?format=json"
DEFAULT_TARGET = "https://www.example.com/"


class ProviderReport(msgspec.Struct, frozen=True, kw_only=True):
    provider: str
    entrypoint: str
    outcome: Outcome
    detail: str
    egress_ip: str | None
    statuses: list[int]  # CONNECT / request statuses seen by the holder, in order
    log_tail: list[dict[str, Any]]


def _ip_of(text: str) -> str:
    try:
        body = json.loads(text)
    except ValueError:
        return text.strip()[:64]
    return str(body.get("ip", "")) if isinstance(body, dict) else text.strip()[:64]


async def diagnose(
    upstream: ProxyUpstream,
    *,
    ip_url: str = DEFAULT_IP_URL,
    target: str = DEFAULT_TARGET,
    timeout_s: float = 20.0,
) -> ProviderReport:
    holder = AuthHolder(upstream)
    await holder.astart()
    results: dict[str, httpx.Response | str] = {}
    try:
        async with httpx.AsyncClient(proxy=holder.url, timeout=timeout_s) as client:
            for name, url in (("ip", ip_url), ("target", target)):
                try:
                    results[name] = await client.get(url)
                except httpx.HTTPError as exc:
                    results[name] = f"{type(exc).__name__}: {exc}"
    finally:
        await holder.aclose()
    records = list(holder.connects)
    statuses = [r.status for r in records]
    ip_answer = results.get("ip")
    egress = (
        _ip_of(ip_answer.text)
        if isinstance(ip_answer, httpx.Response) and ip_answer.status_code == 200
        else None
    )
    outcome: Outcome
    if any(r.status == 0 for r in records):
        outcome = "cannot_reach_upstream"
        detail = next(r.error for r in records if r.status == 0)
    elif 407 in statuses:
        outcome, detail = "upstream_rejected_auth", f"{upstream.provider} answered 407"
    else:
        failures = [
            f"{name}: {answer if isinstance(answer, str) else f'HTTP {answer.status_code}'}"
            for name, answer in results.items()
            if isinstance(answer, str)
            or answer.status_code in (403, 429)
            or answer.status_code >= 500
        ]
        outcome = "target_refused_proxy_ip" if failures else "ok"
        detail = "; ".join(failures) or f"egress IP {egress}"
    return ProviderReport(
        provider=upstream.provider,
        entrypoint=f"{upstream.host}:{upstream.port}",
        outcome=outcome,
        detail=detail,
        egress_ip=egress,
        statuses=statuses,
        log_tail=[msgspec.to_builtins(r) for r in records[-10:]],
    )
