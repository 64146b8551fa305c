"""Who is calling: token → tenant.

Single-token mode: ``MANTIS_API_TOKEN`` set → one tenant ``default``. With no
token configured the server creates ``<data dir>/api_token`` (mode 0600) on
first start, and refuses to serve anything but loopback. Tokens are compared in
constant time and never logged.
"""

from __future__ import annotations

import hmac
import ipaddress
import secrets
from pathlib import Path

from mantis import atomic
from mantis.config import Settings
from mantis.errors import AuthError, ConfigError

TOKEN_HEADER = "X-Mantis-Token"
DEFAULT_TENANT = "default"


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def ensure_token_file(data_dir: Path) -> tuple[str, bool]:
    """Return (token, created) for the local-default token file."""
    path = data_dir / "api_token"
    if path.exists():
        token = path.read_text().strip()
        if token:
            return token, False
    token = secrets.token_urlsafe(32)
    atomic.write_text(path, token + "\n", mode=0o600)
    return token, True


class Authenticator:
    def __init__(self, token: str) -> None:
        self._token = token.encode()

    @classmethod
    def from_settings(cls, settings: Settings) -> Authenticator:
        if settings.api_token:
            return cls(settings.api_token)
        if not is_loopback(settings.host):
            raise ConfigError(
                f"refusing to bind {settings.host} without authentication: set MANTIS_API_TOKEN "
                "or bind 127.0.0.1"
            )
        token, _ = ensure_token_file(settings.data_dir)
        return cls(token)

    def tenant_for(self, presented: str | None) -> str:
        if not presented:
            raise AuthError(f"missing {TOKEN_HEADER} header")
        if not hmac.compare_digest(presented.encode(), self._token):
            raise AuthError(f"unknown {TOKEN_HEADER}")
        return DEFAULT_TENANT
