"""The web viewer at /ui through the real app: login, cookie auth and its CSRF rule,
tenant isolation, escaping, and taking over a paused run's browser."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient

from mantis.brains.actions import Click, Key, Type
from mantis.server.tenancy import Tenant, add_tenant, revoke_tenant
from mantis.server.viewer.sessions import COOKIE, VIEWER_HEADER
from tests.unit.server.conftest import PAUSING, QUICK, TOKEN, FakeComputer, wait_for

UI = {VIEWER_HEADER: "1"}
EVIL = "<script>alert('pwned')</script>"


def login(client: TestClient[Any], token: str = TOKEN) -> str:
    """Log in as a browser would (no X-Mantis-Token afterwards); return the cookie value."""
    client.headers.pop("X-Mantis-Token", None)
    client.cookies.clear()
    resp = client.post("/ui/login", json={"token": token})
    assert resp.status_code == 200, resp.text
    return str(resp.cookies[COOKIE])


def submit(client: TestClient[Any], plan: Any, token: str = TOKEN, **options: Any) -> str:
    resp = client.post(
        "/v1/predict", json={"micro": plan, **options}, headers={"X-Mantis-Token": token}
    )
    assert resp.status_code == 200, resp.text
    return str(resp.json()["run_id"])


def test_login_sets_a_session_cookie_that_is_not_the_token(client: TestClient[Any]) -> None:
    client.headers.pop("X-Mantis-Token")
    resp = client.post("/ui/login", json={"token": TOKEN})
    assert resp.status_code == 200 and resp.json()["tenant_id"] == "default"
    header = resp.headers["set-cookie"]
    assert "HttpOnly" in header and re.search(r"SameSite=strict", header, re.I)
    value = resp.cookies[COOKIE]
    assert TOKEN not in header and value != TOKEN and len(value) >= 32
    assert client.get("/ui/api/me").json()["tenant_id"] == "default"
    # the HTML form posts too, and is sent on to the runs page
    client.cookies.clear()
    form = client.post("/ui/login", data={"token": TOKEN}, follow_redirects=False)
    assert form.status_code == 303 and form.headers["location"] == "/ui/"
    assert form.cookies[COOKIE] not in (TOKEN, value)


def test_wrong_token_is_401_and_pages_redirect_to_login(client: TestClient[Any]) -> None:
    client.headers.pop("X-Mantis-Token")
    wrong = client.post("/ui/login", json={"token": "nope"})
    assert wrong.status_code == 401 and COOKIE not in wrong.cookies
    assert client.post("/ui/login", data={"token": ""}).status_code == 401
    assert client.get("/ui/", follow_redirects=False).headers["location"] == "/ui/login"
    page = client.get("/ui/login")
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert client.get("/v1/runs").status_code == 401


def test_logout_ends_the_session(client: TestClient[Any]) -> None:
    cookie = login(client)
    out = client.post("/ui/logout", follow_redirects=False)
    assert out.status_code == 303 and out.headers["location"] == "/ui/login"
    client.cookies.set(COOKIE, cookie)  # a copy kept from before logging out
    assert client.get("/v1/runs").status_code == 401


def test_cookie_works_for_run_reads_but_never_for_api_writes(client: TestClient[Any]) -> None:
    run_id = submit(client, QUICK, profile_id="r")
    login(client)
    wait_for_cookie(client, run_id, "succeeded")
    assert client.get(f"/v1/runs/{run_id}/events").status_code == 200
    # the cookie alone cannot submit, cancel or resume through /v1, header or not
    assert client.post("/v1/predict", json={"micro": QUICK}).status_code == 401
    assert client.post("/v1/predict", json={"micro": QUICK}, headers=UI).status_code == 401
    assert client.post(f"/v1/runs/{run_id}/cancel", headers=UI).status_code == 401
    assert client.get("/v1/queue").status_code == 401  # outside /v1/runs
    # the UI's own POSTs need the header as well as the cookie
    bare = client.post(f"/ui/runs/{run_id}/input", json={"kind": "key", "keys": "enter"})
    assert bare.status_code == 401
    cross = client.post(
        f"/ui/runs/{run_id}/input",
        json={"kind": "key", "keys": "enter"},
        headers={**UI, "Sec-Fetch-Site": "cross-site"},
    )
    assert cross.status_code == 401


def wait_for_cookie(client: TestClient[Any], run_id: str, status: str) -> dict[str, Any]:
    for _ in range(400):
        body: dict[str, Any] = client.get(f"/v1/runs/{run_id}").json()
        if body["status"] == status:
            return body
        import time

        time.sleep(0.05)
    raise AssertionError(f"{run_id} never reached {status}")


def test_pages_and_assets_never_inline_run_data(client: TestClient[Any]) -> None:
    plan = [
        {"type": "navigate", "intent": EVIL, "params": {"url": "http://example.test/a"}},
        {"type": "request_user_input", "intent": EVIL, "params": {"prompt": EVIL}},
        {"type": "done", "intent": EVIL},
    ]
    run_id = submit(client, plan, profile_id="x")
    wait_for(client, run_id, "paused")
    login(client)
    served = [
        client.get("/ui/"),
        client.get(f"/ui/runs/{run_id}"),
        client.get("/ui/static/viewer.js"),
        client.get("/ui/static/viewer.css"),
    ]
    assert [r.status_code for r in served] == [200] * 4
    for resp in served:
        assert EVIL not in resp.text and "pwned" not in resp.text
    # the data is only reachable as JSON, which the script puts on the page as text
    assert client.get(f"/v1/runs/{run_id}/status").json()["prompt"] == EVIL
    script = served[2].text
    assert "innerHTML" not in script and "outerHTML" not in script
    assert "insertAdjacentHTML" not in script and "document.write" not in script
    assert client.get("/ui/static/../app.py").status_code == 404


def test_runs_listing_and_run_pages_are_per_tenant(make_client: Any, tmp_path: Path) -> None:
    keys = tmp_path / "keys.json"
    alpha = add_tenant(keys, Tenant(tenant_id="alpha", rate_limit_per_minute=0))
    beta = add_tenant(keys, Tenant(tenant_id="beta", rate_limit_per_minute=0))
    client = make_client(tenant_keys_path=keys)
    a_runs = [submit(client, QUICK, alpha, profile_id=f"a{i}") for i in range(2)]
    b_run = submit(client, QUICK, beta, profile_id="b")
    login(client, alpha)
    listed = [r["run_id"] for r in client.get("/v1/runs").json()["runs"]]
    assert listed == list(reversed(a_runs))  # newest first, only alpha's
    assert client.get(f"/ui/runs/{a_runs[0]}").status_code == 200
    assert client.get(f"/ui/runs/{b_run}").status_code == 404
    assert client.get(f"/v1/runs/{b_run}").status_code == 404
    assert client.get(f"/v1/runs/{b_run}/events?sse=true").status_code == 404
    answer = client.post(f"/ui/runs/{b_run}/resume", json={"user_input": "x"}, headers=UI)
    assert answer.status_code == 404
    click = client.post(
        f"/ui/runs/{b_run}/input", json={"kind": "click", "x": 1, "y": 1}, headers=UI
    )
    assert click.status_code == 404
    # revoking alpha's key ends its viewer sessions
    revoke_tenant(keys, "alpha")
    client.app.state.auth._keyring._reload(force=True)
    assert client.get("/v1/runs").status_code == 401


def test_take_over_a_paused_run_then_409_once_finished(client: TestClient[Any]) -> None:
    run_id = submit(client, PAUSING, profile_id="otp")
    wait_for(client, run_id, "paused")
    FakeComputer.acted.pop(run_id, None)
    login(client)
    actions = [
        {"kind": "click", "x": 10, "y": 20},
        {"kind": "type", "text": "hunter2"},
        {"kind": "key", "keys": "ctrl+a"},
    ]
    for action in actions:
        resp = client.post(f"/ui/runs/{run_id}/input", json=action, headers=UI)
        assert resp.status_code == 200, resp.text
        assert resp.json()["ok"] is True
    assert FakeComputer.acted[run_id] == [
        Click(x=10, y=20),
        Type(text="hunter2"),
        Key(keys="ctrl+a"),
    ]
    events = client.get(f"/v1/runs/{run_id}/events").json()["events"]
    taken = [e["data"] for e in events if e["kind"] == "takeover_action"]
    assert [t["action"] for t in taken] == ["click", "type", "key"]
    assert taken[1]["length"] == 7 and "hunter2" not in str(events)  # typed text not logged
    bad = client.post(
        f"/ui/runs/{run_id}/input", json={"kind": "click", "x": -1, "y": 5}, headers=UI
    )
    assert bad.status_code == 400
    nav = client.post(f"/ui/runs/{run_id}/input", json={"kind": "navigate", "url": "x"}, headers=UI)
    assert nav.status_code == 400
    # answer the pause from the UI, then the finished run has no browser to take over
    resumed = client.post(f"/ui/runs/{run_id}/resume", json={"user_input": "4242"}, headers=UI)
    assert resumed.status_code == 200, resumed.text
    wait_for_cookie(client, run_id, "succeeded")
    late = client.post(
        f"/ui/runs/{run_id}/input", json={"kind": "key", "keys": "enter"}, headers=UI
    )
    assert late.status_code == 409 and "live browser" in late.json()["detail"]


def test_take_over_a_parked_run_is_409(make_client: Any) -> None:
    client = make_client(pause_hold_s=0.1)
    run_id = submit(client, PAUSING, profile_id="otp")
    wait_for(client, run_id, "paused")
    for _ in range(200):
        kinds = [e["kind"] for e in client.get(f"/v1/runs/{run_id}/events").json()["events"]]
        if "pause_hold_expired" in kinds:
            break
        import time

        time.sleep(0.05)
    login(client)
    resp = client.post(
        f"/ui/runs/{run_id}/input", json={"kind": "click", "x": 1, "y": 1}, headers=UI
    )
    assert resp.status_code == 409


@pytest.mark.parametrize("path", ["/ui/static/viewer.js", "/ui/static/viewer.css"])
def test_assets_are_package_data(client: TestClient[Any], path: str) -> None:
    resp = client.get(path)
    assert resp.status_code == 200 and resp.headers["x-content-type-options"] == "nosniff"
