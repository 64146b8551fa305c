"""Upstream proxy providers, configured from settings (``PRIVATEPROXY_*``, ``OXYLABS_*``,
``IPROYAL_*``; ``MANTIS_PROXY_PROVIDER`` picks one when several are configured).

A provider is configured when its ``USERNAME`` and ``PASSWORD`` are set.
``ENTRYPOINT`` is ``host:port`` (Oxylabs and IPRoyal have defaults; PrivateProxy
needs it). Oxylabs geo targeting (``COUNTRY``, ``STATE``, ``CITY``) goes into
the username as Oxylabs expects (``customer-USER-cc-US-st-us_california-city-los_angeles``).
"""

from __future__ import annotations

import base64

import msgspec

from mantis.config import Settings
from mantis.errors import ConfigError

PROVIDERS = ("privateproxy", "oxylabs", "iproyal")
_DEFAULT_ENTRYPOINT = {"oxylabs": "pr.oxylabs.io:7777", "iproyal": "geo.iproyal.com:12321"}


class ProxyUpstream(msgspec.Struct, frozen=True, kw_only=True):
    """Where the auth-holder forwards to, and with which credentials."""

    provider: str
    host: str
    port: int
    username: str
    password: str

    def authorization(self) -> str:
        """The ``Proxy-Authorization`` header value."""
        raw = f"{self.username}:{self.password}".encode()
        return "Basic " + base64.b64encode(raw).decode()

    def __repr__(self) -> str:  # never print the password
        return f"ProxyUpstream({self.provider}, {self.host}:{self.port}, user={self.username!r})"


def _entrypoint(provider: str, value: str | None) -> tuple[str, int]:
    raw = value or _DEFAULT_ENTRYPOINT.get(provider)
    variable = f"{provider.upper()}_ENTRYPOINT"
    if not raw:
        raise ConfigError(f"{variable}: required (host:port) when {provider} is configured")
    host, sep, port = raw.removeprefix("http://").rstrip("/").rpartition(":")
    if not sep or not host or not port.isdigit():
        raise ConfigError(f"{variable}: expected host:port, got {raw!r}")
    return host, int(port)


def _oxylabs_user(settings: Settings) -> str:
    user = settings.oxylabs_username or ""
    if not user.startswith("customer-"):
        user = f"customer-{user}"
    if settings.oxylabs_country:
        user += f"-cc-{settings.oxylabs_country.upper()}"
    if settings.oxylabs_state:
        user += f"-st-{settings.oxylabs_state.lower().replace(' ', '_')}"
    if settings.oxylabs_city:
        user += f"-city-{settings.oxylabs_city.lower().replace(' ', '_')}"
    return user


def configured_providers(settings: Settings) -> list[ProxyUpstream]:
    """Every provider whose username and password are set, in ``PROVIDERS`` order."""
    found = []
    for name in PROVIDERS:
        user = getattr(settings, f"{name}_username")
        password = getattr(settings, f"{name}_password")
        if not user or not password:
            continue
        host, port = _entrypoint(name, getattr(settings, f"{name}_entrypoint"))
        if name == "oxylabs":
            user = _oxylabs_user(settings)
        found.append(
            ProxyUpstream(provider=name, host=host, port=port, username=user, password=password)
        )
    return found


def choose_provider(settings: Settings) -> ProxyUpstream | None:
    """The provider runs use: the forced one, else the first configured, else None."""
    found = configured_providers(settings)
    forced = settings.proxy_provider
    if forced:
        for upstream in found:
            if upstream.provider == forced.lower():
                return upstream
        names = ", ".join(u.provider for u in found) or "none"
        raise ConfigError(
            f"MANTIS_PROXY_PROVIDER: {forced!r} is not configured (configured: {names})"
        )
    return found[0] if found else None
