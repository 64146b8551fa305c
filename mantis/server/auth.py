"""Who is calling: token → tenant.

Keys-file mode (``MANTIS_TENANT_KEYS_PATH``): many tenants, see ``tenancy``.
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
from mantis.server.errors import Forbidden
from mantis.server.tenancy import KeyRing, Tenant, hash_token, single_tenant

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
    """Token → :class:`Tenant`, from the keys file when configured, else one token."""

    def __init__(self, token: str | None = None, keyring: KeyRing | None = None) -> None:
        self._token = token.encode() if token else None
        self._token_digest = hash_token(token).encode() if token else None
        self._keyring = keyring
        self._single = single_tenant(DEFAULT_TENANT)

    @classmethod
    def from_settings(cls, settings: Settings) -> Authenticator:
        if settings.tenant_keys_path is not None:
            return cls(settings.api_token, KeyRing(settings.tenant_keys_path))
        if settings.api_token:
            return cls(settings.api_token)
        if not is_loopback(settings.host):
            raise ConfigError(
                f"refusing to bind {settings.host} without authentication: set MANTIS_API_TOKEN "
                "or MANTIS_TENANT_KEYS_PATH, or bind 127.0.0.1"
            )
        token, _ = ensure_token_file(settings.data_dir)
        return cls(token)

    def tenant_for(self, presented: str | None) -> str:
        """The tenant id of a token (the skeleton's contract, used by other route modules)."""
        return self.authenticate(presented).tenant_id

    def authenticate(self, presented: str | None) -> Tenant:
        """The tenant a token belongs to, with its scopes and caps; 401 when none."""
        if not presented:
            raise AuthError(f"missing {TOKEN_HEADER} header")
        if self._keyring is not None:
            tenant = self._keyring.lookup(presented)
            if tenant is not None:
                return tenant
        if self._token is not None and hmac.compare_digest(presented.encode(), self._token):
            return self._single
        raise AuthError(f"unknown {TOKEN_HEADER}")

    def authenticate_digest(self, token_digest: str) -> Tenant | None:
        """The tenant of a token known only by its ``hash_token`` digest; None once revoked."""
        if self._keyring is not None:
            tenant = self._keyring.lookup_digest(token_digest)
            if tenant is not None:
                return tenant
        if self._token_digest is not None and hmac.compare_digest(
            token_digest.encode(), self._token_digest
        ):
            return self._single
        return None


def require_scope(tenant: Tenant, scope: str) -> None:
    if scope not in tenant.scopes:
        raise Forbidden(
            f"token of tenant {tenant.tenant_id!r} lacks the {scope!r} scope",
            extra={"scope": scope},
        )
