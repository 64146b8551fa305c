"""Viewer sessions: the web UI's cookie, and when it stands in for ``X-Mantis-Token``.

Logging in with an API token creates a session: a random id, sent to the
browser in an HttpOnly, SameSite=Strict cookie and kept here (in memory, so a
restart logs viewers out) only as its SHA-256, mapped to the token's own
digest and an expiry. The raw token is neither in the cookie nor kept. Each use
re-checks the token digest with the authenticator, so revoking a key in the
keys file ends its sessions too.

The CSRF rule lives in :func:`cookie_allowed`: the cookie authenticates
GET/HEAD on ``/v1/runs…`` and ``/ui/…``, and a POST only to the UI's own
``/ui/…`` endpoints, only with the ``X-Mantis-Viewer`` header (a cross-site
form cannot set it, and a cross-site script cannot without a CORS preflight
this server never approves).
"""

from __future__ import annotations

import hashlib
import secrets
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from litestar import Request

from mantis.errors import AuthError
from mantis.server.auth import Authenticator
from mantis.server.tenancy import Tenant, hash_token

COOKIE = "mantis_viewer"
VIEWER_HEADER = "X-Mantis-Viewer"
SESSION_TTL_S = 12 * 3600.0
MAX_SESSIONS = 10_000
COOKIE_READ_PREFIXES = ("/v1/runs", "/ui/")


def _key(session_id: str) -> str:
    # Sessions are found by a hash of the id, so lookup timing says nothing about live ids.
    return hashlib.sha256(session_id.encode()).hexdigest()


def cookie_allowed(method: str, path: str, headers: Mapping[str, str]) -> bool:
    """Whether the viewer cookie may authenticate this request (the CSRF rule)."""
    if method in ("GET", "HEAD"):
        return path.startswith(COOKIE_READ_PREFIXES)
    if method != "POST" or not path.startswith("/ui/") or not headers.get(VIEWER_HEADER):
        return False
    site = headers.get("sec-fetch-site")
    return site is None or site == "same-origin"


@dataclass(frozen=True)
class _Session:
    token_digest: str
    tenant_id: str
    expires_at: float


class ViewerSessions:
    def __init__(
        self,
        auth: Authenticator,
        ttl_s: float = SESSION_TTL_S,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.auth = auth
        self.ttl_s = ttl_s
        self._clock = clock
        self._sessions: dict[str, _Session] = {}

    def login(self, token: str | None) -> tuple[str, Tenant]:
        """A new session for an API token: (session id for the cookie, tenant); 401 if unknown."""
        if not token:
            raise AuthError("token: enter the API token (X-Mantis-Token) to log in")
        try:
            tenant = self.auth.authenticate(token)
        except AuthError:
            raise AuthError("token: unknown API token") from None
        self._prune()
        session_id = secrets.token_urlsafe(32)
        self._sessions[_key(session_id)] = _Session(
            token_digest=hash_token(token),
            tenant_id=tenant.tenant_id,
            expires_at=self._clock() + self.ttl_s,
        )
        return session_id, tenant

    def tenant(self, session_id: str | None) -> Tenant | None:
        """The tenant of a live session, or None (unknown, expired, or its key revoked)."""
        if not session_id:
            return None
        key = _key(session_id)
        session = self._sessions.get(key)
        if session is None:
            return None
        tenant = None
        if session.expires_at > self._clock():
            tenant = self.auth.authenticate_digest(session.token_digest)
        if tenant is None or tenant.tenant_id != session.tenant_id:
            self._sessions.pop(key, None)
            return None
        return tenant

    def logout(self, session_id: str | None) -> None:
        if session_id:
            self._sessions.pop(_key(session_id), None)

    def from_request(self, request: Request[Any, Any, Any]) -> Tenant | None:
        """The tenant of the request's viewer cookie, where the CSRF rule allows it."""
        session_id = request.cookies.get(COOKIE)
        if not session_id or not cookie_allowed(request.method, request.url.path, request.headers):
            return None
        return self.tenant(session_id)

    def _prune(self) -> None:
        now = self._clock()
        for key in [k for k, s in self._sessions.items() if s.expires_at <= now]:
            del self._sessions[key]
        while len(self._sessions) >= MAX_SESSIONS:  # oldest first: dicts keep insertion order
            del self._sessions[next(iter(self._sessions))]
