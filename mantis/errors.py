"""The one exception tree of Mantis.

``MantisError`` is the root. Each subclass carries the HTTP status it maps to as
data (``status_code``) and optional structured ``extra`` so the server can turn
any of them into the API's error body without knowing the subclass::

    MantisError
    ├── ConfigError          (500) bad settings or a missing optional extra
    ├── PlanError            (400) a plan failed validation; ``path`` names the field
    ├── RequestError         (400) a request field is wrong; the message names it
    ├── AuthError            (401) missing or unknown token
    ├── NotFound             (404) unknown id (including another tenant's)
    ├── ProfileLocked        (409) the profile is held by another run
    └── ComputerError        (500) the display / browser / input failed
"""

from __future__ import annotations

from typing import Any


class MantisError(Exception):
    status_code: int = 500

    def __init__(self, message: str, *, extra: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.extra: dict[str, Any] = extra or {}


class ConfigError(MantisError):
    status_code = 500


class PlanError(MantisError):
    """A plan is invalid. ``path`` is the JSON path of the offending field."""

    status_code = 400

    def __init__(self, path: str, message: str) -> None:
        super().__init__(f"{path}: {message}" if path else message, extra={"path": path})
        self.path = path
        self.reason = message


class RequestError(MantisError):
    status_code = 400


class AuthError(MantisError):
    status_code = 401


class NotFound(MantisError):
    status_code = 404


class ProfileLocked(MantisError):
    status_code = 409

    def __init__(self, profile_id: str, held_run_id: str) -> None:
        super().__init__(
            f"profile_id {profile_id!r} is in use by run {held_run_id}",
            extra={"held_run_id": held_run_id, "profile_id": profile_id},
        )
        self.held_run_id = held_run_id


class ComputerError(MantisError):
    status_code = 500


def missing_extra(module: str, extra: str) -> ConfigError:
    """The error raised when an optional heavy dependency is not installed."""
    return ConfigError(f"{module} is not installed; install it with: pip install 'mantis[{extra}]'")
