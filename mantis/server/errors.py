"""HTTP-only errors of the server, below ``MantisError`` (see ``mantis.errors``).

MantisError
├── Forbidden        (403) the token lacks a scope, or a URL is outside allowed_domains
├── ModelNotReady    (503) the requested brain is known but not ready anywhere
├── Unprocessable    (422) an Idempotency-Key reused with a different body
├── NotLive          (409) a live view asked of a run that has no display now
└── RateLimited      (429) tenant rate or concurrency cap; carries response headers
"""

from __future__ import annotations

from typing import Any

from mantis.errors import MantisError


class Forbidden(MantisError):
    status_code = 403


class ModelNotReady(MantisError):
    status_code = 503


class Unprocessable(MantisError):
    status_code = 422


class NotLive(MantisError):
    status_code = 409


class RateLimited(MantisError):
    status_code = 429

    def __init__(
        self, message: str, *, headers: dict[str, str], extra: dict[str, Any] | None = None
    ) -> None:
        super().__init__(message, extra=extra)
        self.headers = headers
