"""A typed client for the Mantis HTTP API, sync (``MantisClient``) and async (``AsyncMantisClient``).

Both share one request table and one response check; an error answer raises
:class:`APIError` carrying the API's ``status_code``, ``detail`` and ``extra``
unchanged. ``events_stream`` follows ``GET /v1/runs/{id}/events?sse=true`` and
reconnects with ``Last-Event-ID`` until the ``terminal`` event.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import msgspec

from mantis.errors import MantisError

TOKEN_HEADER = "X-Mantis-Token"
TERMINAL = ("succeeded", "failed", "cancelled")


class APIError(MantisError):
    def __init__(self, status_code: int, detail: str, extra: dict[str, Any] | None = None):
        super().__init__(f"{status_code}: {detail}", extra=extra)
        self.status_code = status_code
        self.detail = detail


class Event(msgspec.Struct, kw_only=True):
    """One server-sent event: ``kind`` is the SSE event name, ``data`` the decoded JSON."""

    kind: str
    data: dict[str, Any]
    id: int | None = None


def _check(resp: httpx.Response) -> Any:
    if resp.status_code >= 400:
        try:
            body = resp.json()
            raise APIError(resp.status_code, str(body.get("detail")), body.get("extra") or {})
        except ValueError:
            raise APIError(resp.status_code, resp.text[:500]) from None
    return resp.json()


def _headers(token: str | None, extra: dict[str, str] | None) -> dict[str, str]:
    headers = dict(extra or {})
    if token:
        headers[TOKEN_HEADER] = token
    return headers


class _SSEParser:
    """Incremental text/event-stream parser (fields: event, data, id; ':' comments ignored)."""

    def __init__(self) -> None:
        self.kind = "message"
        self.data: list[str] = []
        self.id: int | None = None

    def feed(self, line: str) -> Event | None:
        if line == "":
            if not self.data:
                self.kind = "message"
                return None
            raw = "\n".join(self.data)
            event = Event(kind=self.kind, data=msgspec.json.decode(raw) if raw else {}, id=self.id)
            self.kind, self.data = "message", []
            return event
        if line.startswith(":"):
            return None
        name, _, value = line.partition(":")
        value = value.removeprefix(" ")
        if name == "event":
            self.kind = value
        elif name == "data":
            self.data.append(value)
        elif name == "id" and value.isdigit():
            self.id = int(value)
        return None


def _predict_body(action: str, run_id: str, **extra: Any) -> dict[str, Any]:
    return {"action": action, "run_id": run_id, **{k: v for k, v in extra.items() if v is not None}}


class MantisClient:
    """Blocking client. ``endpoint`` like ``http://127.0.0.1:8420``; ``headers`` are added to
    every request (e.g. a Modal proxy's auth headers)."""

    def __init__(
        self,
        endpoint: str,
        token: str | None = None,
        *,
        headers: dict[str, str] | None = None,
        timeout: float = 60.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self._http = httpx.Client(
            base_url=endpoint.rstrip("/"),
            headers=_headers(token, headers),
            timeout=timeout,
            transport=transport,
        )

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> MantisClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def health(self) -> dict[str, Any]:
        return dict(_check(self._http.get("/v1/health")))

    def submit(self, body: dict[str, Any], *, idempotency_key: str | None = None) -> dict[str, Any]:
        headers = {"Idempotency-Key": idempotency_key} if idempotency_key else None
        return dict(_check(self._http.post("/v1/predict", json=body, headers=headers)))

    def poll(self, run_id: str) -> dict[str, Any]:
        return dict(_check(self._http.get(f"/v1/runs/{run_id}")))

    def status(self, run_id: str) -> dict[str, Any]:
        return dict(_check(self._http.post("/v1/predict", json=_predict_body("status", run_id))))

    def result(self, run_id: str) -> dict[str, Any]:
        return dict(_check(self._http.post("/v1/predict", json=_predict_body("result", run_id))))

    def logs(self, run_id: str, tail: int = 200) -> dict[str, Any]:
        body = _predict_body("logs", run_id, tail=tail)
        return dict(_check(self._http.post("/v1/predict", json=body)))

    def cancel(self, run_id: str) -> dict[str, Any]:
        return dict(_check(self._http.post(f"/v1/runs/{run_id}/cancel")))

    def resume(self, run_id: str, user_input: str) -> dict[str, Any]:
        resp = self._http.post(f"/v1/runs/{run_id}/resume", json={"user_input": user_input})
        return dict(_check(resp))

    def list_runs(
        self, status: str | None = None, limit: int = 50, cursor: str | None = None
    ) -> dict[str, Any]:
        params = {
            k: v for k, v in {"status": status, "limit": limit, "cursor": cursor}.items() if v
        }
        return dict(_check(self._http.get("/v1/runs", params=params)))

    def events(self, run_id: str, after: int = 0, limit: int = 500) -> dict[str, Any]:
        params = {"after": after, "limit": limit}
        return dict(_check(self._http.get(f"/v1/runs/{run_id}/events", params=params)))

    def events_stream(self, run_id: str, after: int = 0) -> Iterator[Event]:
        """Live events until the ``terminal`` event (which is yielded last)."""
        last = after
        while True:
            parser = _SSEParser()
            headers = {"Last-Event-ID": str(last)}
            with self._http.stream(
                "GET",
                f"/v1/runs/{run_id}/events",
                params={"sse": "true"},
                headers=headers,
                timeout=httpx.Timeout(60.0, read=None),
            ) as resp:
                if resp.status_code >= 400:
                    resp.read()
                    _check(resp)
                for line in resp.iter_lines():
                    event = parser.feed(line)
                    if event is None:
                        continue
                    if event.id is not None:
                        last = event.id
                    yield event
                    if event.kind == "terminal":
                        return


class AsyncMantisClient:
    """The same API for async code."""

    def __init__(
        self,
        endpoint: str,
        token: str | None = None,
        *,
        headers: dict[str, str] | None = None,
        timeout: float = 60.0,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self._http = httpx.AsyncClient(
            base_url=endpoint.rstrip("/"),
            headers=_headers(token, headers),
            timeout=timeout,
            transport=transport,
        )

    async def aclose(self) -> None:
        await self._http.aclose()

    async def __aenter__(self) -> AsyncMantisClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def submit(
        self, body: dict[str, Any], *, idempotency_key: str | None = None
    ) -> dict[str, Any]:
        headers = {"Idempotency-Key": idempotency_key} if idempotency_key else None
        return dict(_check(await self._http.post("/v1/predict", json=body, headers=headers)))

    async def poll(self, run_id: str) -> dict[str, Any]:
        return dict(_check(await self._http.get(f"/v1/runs/{run_id}")))

    async def status(self, run_id: str) -> dict[str, Any]:
        resp = await self._http.post("/v1/predict", json=_predict_body("status", run_id))
        return dict(_check(resp))

    async def result(self, run_id: str) -> dict[str, Any]:
        resp = await self._http.post("/v1/predict", json=_predict_body("result", run_id))
        return dict(_check(resp))

    async def cancel(self, run_id: str) -> dict[str, Any]:
        return dict(_check(await self._http.post(f"/v1/runs/{run_id}/cancel")))

    async def resume(self, run_id: str, user_input: str) -> dict[str, Any]:
        resp = await self._http.post(f"/v1/runs/{run_id}/resume", json={"user_input": user_input})
        return dict(_check(resp))

    async def list_runs(
        self, status: str | None = None, limit: int = 50, cursor: str | None = None
    ) -> dict[str, Any]:
        params = {
            k: v for k, v in {"status": status, "limit": limit, "cursor": cursor}.items() if v
        }
        return dict(_check(await self._http.get("/v1/runs", params=params)))

    async def events_stream(self, run_id: str, after: int = 0) -> AsyncIterator[Event]:
        last = after
        while True:
            parser = _SSEParser()
            async with self._http.stream(
                "GET",
                f"/v1/runs/{run_id}/events",
                params={"sse": "true"},
                headers={"Last-Event-ID": str(last)},
                timeout=httpx.Timeout(60.0, read=None),
            ) as resp:
                if resp.status_code >= 400:
                    await resp.aread()
                    _check(resp)
                async for line in resp.aiter_lines():
                    event = parser.feed(line)
                    if event is None:
                        continue
                    if event.id is not None:
                        last = event.id
                    yield event
                    if event.kind == "terminal":
                        return
