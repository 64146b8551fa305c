"""Per-tenant admission: a token bucket for submissions and a cap on active runs.

Only run submissions take a token. A tenant with ``rate_limit_per_minute`` 0
is not rate limited and gets no ``X-RateLimit-*`` headers. Rejections are
429 with ``Retry-After`` (whole seconds) and the ``X-RateLimit-*`` headers.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable

from mantis.server.errors import RateLimited
from mantis.server.metrics import Metrics
from mantis.server.store import RunStore
from mantis.server.tenancy import Tenant


class TokenBucket:
    def __init__(self, per_minute: int, clock: Callable[[], float]) -> None:
        self.capacity = float(per_minute)
        self.rate = per_minute / 60.0
        self.tokens = float(per_minute)
        self._clock = clock
        self._at = clock()

    def _refill(self) -> None:
        now = self._clock()
        self.tokens = min(self.capacity, self.tokens + (now - self._at) * self.rate)
        self._at = now

    def take(self) -> bool:
        self._refill()
        if self.tokens >= 1:
            self.tokens -= 1
            return True
        return False

    def wait_s(self) -> float:
        """Seconds until one token is available."""
        return max(0.0, (1 - self.tokens) / self.rate)

    def reset_s(self) -> float:
        """Seconds until the bucket is full again."""
        return max(0.0, (self.capacity - self.tokens) / self.rate)


class Limiter:
    def __init__(self, store: RunStore, clock: Callable[[], float] = time.monotonic) -> None:
        self.store = store
        self._clock = clock
        self._buckets: dict[str, TokenBucket] = {}

    def _bucket(self, tenant: Tenant) -> TokenBucket:
        bucket = self._buckets.get(tenant.tenant_id)
        if bucket is None or bucket.capacity != tenant.rate_limit_per_minute:
            bucket = TokenBucket(tenant.rate_limit_per_minute, self._clock)
            self._buckets[tenant.tenant_id] = bucket
        return bucket

    def _headers(self, tenant: Tenant, bucket: TokenBucket) -> dict[str, str]:
        return {
            "X-RateLimit-Limit": str(tenant.rate_limit_per_minute),
            "X-RateLimit-Remaining": str(int(bucket.tokens)),
            "X-RateLimit-Reset": str(math.ceil(bucket.reset_s())),
        }

    async def admit(self, tenant: Tenant, metrics: Metrics) -> dict[str, str]:
        """Take a submission token and check the concurrency cap; the headers to send."""
        headers: dict[str, str] = {}
        bucket = None
        if tenant.rate_limit_per_minute > 0:
            bucket = self._bucket(tenant)
            bucket._refill()
            headers = self._headers(tenant, bucket)
            if bucket.tokens < 1:
                metrics.rejected(tenant.tenant_id, "rate")
                raise RateLimited(
                    f"tenant {tenant.tenant_id!r} exceeded rate_limit_per_minute="
                    f"{tenant.rate_limit_per_minute}",
                    headers={"Retry-After": str(max(1, math.ceil(bucket.wait_s()))), **headers},
                    extra={"kind": "rate", "limit": tenant.rate_limit_per_minute},
                )
        active = sum((await self.store.counts(tenant.tenant_id)).values())
        if active >= tenant.max_concurrent_runs:
            metrics.rejected(tenant.tenant_id, "concurrency")
            raise RateLimited(
                f"tenant {tenant.tenant_id!r} has {active} active runs, at its "
                f"max_concurrent_runs={tenant.max_concurrent_runs}",
                headers={"Retry-After": "5", **headers},
                extra={"kind": "concurrency", "limit": tenant.max_concurrent_runs},
            )
        if bucket is not None:
            bucket.take()
            headers = self._headers(tenant, bucket)
        return headers
