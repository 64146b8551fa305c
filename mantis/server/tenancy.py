"""Tenants: who a token belongs to, what it may do, and its caps.

The keys file (``MANTIS_TENANT_KEYS_PATH``) maps tokens — stored as
``sha256:<hex>`` (what ``mantis tenants add`` writes) or, for hand-written
files, in clear — to a tenant entry. It is re-read when its modification time
changes, checked at most every 5 s, so keys can be added and revoked without a
restart. Lookups hash the presented token and compare digests in constant time;
tokens are never logged.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import time
from pathlib import Path
from typing import Any

import msgspec

from mantis import atomic
from mantis.errors import ConfigError
from mantis.server.rundir import ID_RE

SCOPES = ("run", "status", "result", "logs")
RELOAD_EVERY_S = 5.0


class Tenant(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    tenant_id: str
    scopes: tuple[str, ...] = SCOPES
    max_concurrent_runs: int = 5
    max_cost_per_run: float = 25.0
    max_time_minutes_per_run: float = 60.0
    rate_limit_per_minute: int = 30
    anthropic_secret_name: str | None = None
    allowed_domains: tuple[str, ...] = ()
    webhook_url: str | None = None
    webhook_secret_name: str | None = None

    def __post_init__(self) -> None:
        if not ID_RE.fullmatch(self.tenant_id) or ".." in self.tenant_id or "__" in self.tenant_id:
            raise ConfigError(
                f"tenant_id: expected [A-Za-z0-9._:-]{{1,128}} without '..' or '__', "
                f"got {self.tenant_id!r}"
            )


def single_tenant(tenant_id: str = "default") -> Tenant:
    """The one tenant of single-token and local modes: every scope, no rate limit."""
    return Tenant(tenant_id=tenant_id, rate_limit_per_minute=0, max_concurrent_runs=1_000_000)


def hash_token(token: str) -> str:
    return "sha256:" + hashlib.sha256(token.encode()).hexdigest()


class KeysFile(msgspec.Struct):
    tenant_keys: dict[str, Tenant] = {}


def read_keys(path: Path) -> KeysFile:
    try:
        return msgspec.json.decode(path.read_bytes(), type=KeysFile)
    except FileNotFoundError:
        return KeysFile()
    except (msgspec.DecodeError, msgspec.ValidationError) as exc:
        raise ConfigError(
            f"MANTIS_TENANT_KEYS_PATH: {path} is not a valid keys file ({exc})"
        ) from None


def write_keys(path: Path, keys: KeysFile) -> None:
    atomic.write_bytes(path, msgspec.json.format(msgspec.json.encode(keys)), mode=0o600)


def add_tenant(path: Path, tenant: Tenant) -> str:
    """Add a new key for ``tenant``; return the token (shown once, stored hashed)."""
    keys = read_keys(path)
    token = "mt_" + secrets.token_urlsafe(32)
    keys.tenant_keys[hash_token(token)] = tenant
    write_keys(path, keys)
    return token


def revoke_tenant(path: Path, tenant_id: str) -> int:
    """Remove every key of ``tenant_id``; return how many were removed."""
    keys = read_keys(path)
    kept = {k: t for k, t in keys.tenant_keys.items() if t.tenant_id != tenant_id}
    removed = len(keys.tenant_keys) - len(kept)
    write_keys(path, KeysFile(tenant_keys=kept))
    return removed


class KeyRing:
    """Token → tenant for a keys file, reloaded when the file changes."""

    def __init__(self, path: Path, clock: Any = time.monotonic) -> None:
        self.path = path
        self._clock = clock
        self._checked = -RELOAD_EVERY_S
        self._mtime: int | None = None
        self._by_hash: dict[bytes, Tenant] = {}
        self._reload(force=True)

    def _reload(self, force: bool = False) -> None:
        now = self._clock()
        if not force and now - self._checked < RELOAD_EVERY_S:
            return
        self._checked = now
        try:
            mtime: int | None = os.stat(self.path).st_mtime_ns
        except FileNotFoundError:
            mtime = None
        if not force and mtime == self._mtime:
            return
        self._mtime = mtime
        table: dict[bytes, Tenant] = {}
        for key, tenant in read_keys(self.path).tenant_keys.items():
            digest = key if key.startswith("sha256:") else hash_token(key)
            table[digest.encode()] = tenant
        self._by_hash = table

    def lookup(self, token: str) -> Tenant | None:
        return self.lookup_digest(hash_token(token))

    def lookup_digest(self, token_digest: str) -> Tenant | None:
        """The tenant of a token given as its ``hash_token`` digest (viewer sessions keep
        only that, to notice a revoked key)."""
        self._reload()
        digest = token_digest.encode()
        found: Tenant | None = None
        # compare against every entry so timing does not depend on which one matches
        for known, tenant in self._by_hash.items():
            if hmac.compare_digest(known, digest):
                found = tenant
        return found
