"""Run lifecycle through the real app: submit, poll, queueing, pause and resume."""

from __future__ import annotations

from typing import Any

from litestar.testing import TestClient

from tests.unit.server.conftest import PAUSING, QUICK, SLOW, FakeComputer, wait_for


def submit(client: TestClient[Any], plan: Any, **options: Any) -> dict[str, Any]:
    resp = client.post("/v1/predict", json={"micro": plan, **options})
    assert resp.status_code == 200, resp.text
    return resp.json()


def test_quick_run_succeeds_with_namespaced_ids(client: TestClient[Any]) -> None:
    sub = submit(client, QUICK, profile_id="p1")
    assert sub["status"] == "queued" and sub["payload"]["profile_id"] == "default__p1"
    assert set(sub["links"]) == {"status", "result", "events", "live"}
    final = wait_for(client, sub["run_id"], "succeeded")
    assert final["summary"]["steps_executed"] == 2
    poll = client.get(f"/v1/runs/{sub['run_id']}").json()
    assert poll["polling_backoff_ms_hint"] == 0 and poll["status"] == "succeeded"


def test_enable_cdp_run_option_reaches_the_session_spec(client: TestClient[Any]) -> None:
    plain = submit(client, QUICK, profile_id="c1")
    cdp = submit(client, QUICK, profile_id="c2", enable_cdp=True)
    assert cdp["payload"]["enable_cdp"] is True
    wait_for(client, plain["run_id"], "succeeded")
    wait_for(client, cdp["run_id"], "succeeded")
    assert FakeComputer.specs[plain["run_id"]].enable_cdp is False
    assert FakeComputer.specs[cdp["run_id"]].enable_cdp is True


def test_runs_beyond_capacity_wait_queued(make_client: Any) -> None:
    client = make_client(max_concurrent_runs=1)
    first = submit(client, SLOW, profile_id="a")
    wait_for(client, first["run_id"], "running")
    second = submit(client, QUICK, profile_id="b")
    assert client.get(f"/v1/runs/{second['run_id']}").json()["status"] == "queued"
    queue = client.get("/v1/queue").json()
    assert queue["queued"] == 1 and queue["running"] == 1 and queue["capacity"] == 1
    client.post(f"/v1/runs/{first['run_id']}/cancel")
    wait_for(client, second["run_id"], "succeeded")


def test_cancel_a_queued_run_releases_its_profile(make_client: Any) -> None:
    client = make_client(max_concurrent_runs=1)
    first = submit(client, SLOW, profile_id="a")
    queued = submit(client, SLOW, profile_id="b")
    body = client.post("/v1/predict", json={"action": "cancel", "run_id": queued["run_id"]}).json()
    assert body["status"] == "cancelled"
    again = client.post("/v1/predict", json={"micro": QUICK, "profile_id": "b"})
    assert again.status_code == 200, again.text
    client.post(f"/v1/runs/{first['run_id']}/cancel")


def test_pause_then_resume_on_the_held_browser(client: TestClient[Any]) -> None:
    FakeComputer.opened.clear()
    sub = submit(client, PAUSING, profile_id="otp")
    paused = wait_for(client, sub["run_id"], "paused")
    assert paused["prompt"] == "What is the OTP?" and paused["reason"] == "user_input"
    assert paused["pause_state"]["step_index"] == 2
    assert client.get(f"/v1/runs/{sub['run_id']}").json()["polling_backoff_ms_hint"] > 0
    # the lock is held while the browser waits
    held = client.post("/v1/predict", json={"micro": QUICK, "profile_id": "otp"})
    assert held.status_code == 409 and held.json()["extra"]["held_run_id"] == sub["run_id"]
    resumed = client.post(f"/v1/runs/{sub['run_id']}/resume", json={"user_input": "4242"})
    assert resumed.status_code == 200, resumed.text
    assert resumed.json()["status"] == "running" and "resumed_at" in resumed.json()
    wait_for(client, sub["run_id"], "succeeded")
    result = client.get(f"/v1/runs/{sub['run_id']}/result").json()
    assert result["result"]["final_url"] == "http://example.test/otp/4242"
    assert FakeComputer.opened.count(sub["run_id"]) == 1  # the same browser all along


def test_pause_hold_expiry_releases_lock_and_resume_restores(make_client: Any) -> None:
    client = make_client(pause_hold_s=0.2)
    FakeComputer.opened.clear()
    sub = submit(client, PAUSING, profile_id="otp")
    run_id = sub["run_id"]
    wait_for(client, run_id, "paused")
    # after the hold the lock is free: another run can use the profile meanwhile
    deadline_events = [e["kind"] for e in client.get(f"/v1/runs/{run_id}/events").json()["events"]]
    for _ in range(100):
        if "pause_hold_expired" in deadline_events:
            break
        import time

        time.sleep(0.05)
        deadline_events = [
            e["kind"] for e in client.get(f"/v1/runs/{run_id}/events").json()["events"]
        ]
    assert "pause_hold_expired" in deadline_events
    other = submit(client, QUICK, profile_id="otp")
    wait_for(client, other["run_id"], "succeeded")
    assert client.get(f"/v1/runs/{run_id}").json()["status"] == "paused"
    resumed = client.post(
        "/v1/predict", json={"action": "resume", "run_id": run_id, "user_input": "77"}
    )
    assert resumed.status_code == 200, resumed.text
    wait_for(client, run_id, "succeeded")
    result = client.post("/v1/predict", json={"action": "result", "run_id": run_id}).json()
    assert result["result"]["final_url"] == "http://example.test/otp/77"
    assert FakeComputer.opened.count(run_id) == 2  # a new browser, restored from the snapshot


def test_resume_error_cases(client: TestClient[Any]) -> None:
    sub = submit(client, PAUSING, profile_id="otp")
    wait_for(client, sub["run_id"], "paused")
    missing = client.post(f"/v1/runs/{sub['run_id']}/resume", json={})
    assert missing.status_code == 400 and "user_input" in missing.json()["detail"]
    unknown = client.post(
        "/v1/predict", json={"action": "resume", "run_id": "nope_1", "user_input": "x"}
    )
    assert unknown.status_code == 404 and "nope_1" in unknown.json()["detail"]
    done = submit(client, QUICK, profile_id="q")
    wait_for(client, done["run_id"], "succeeded")
    not_paused = client.post(f"/v1/runs/{done['run_id']}/resume", json={"user_input": "x"})
    assert not_paused.status_code == 400 and "not paused" in not_paused.json()["detail"]
    cancelled = client.post(f"/v1/runs/{sub['run_id']}/cancel").json()
    assert cancelled["status"] == "cancelled"


def test_paused_run_survives_a_restart(make_client: Any) -> None:
    first = make_client()
    sub = submit(first, PAUSING, profile_id="otp")
    wait_for(first, sub["run_id"], "paused")
    first.__exit__(None, None, None)  # graceful stop while paused
    second = make_client()
    assert second.get(f"/v1/runs/{sub['run_id']}").json()["status"] == "paused"
    resp = second.post(f"/v1/runs/{sub['run_id']}/resume", json={"user_input": "9"})
    assert resp.status_code == 200, resp.text
    wait_for(second, sub["run_id"], "succeeded")


def test_running_run_at_shutdown_is_failed_server_restarted_on_start(make_client: Any) -> None:
    first = make_client()
    failed = submit(first, SLOW, profile_id="f")
    wait_for(first, failed["run_id"], "running")
    first.__exit__(None, None, None)
    second = make_client()
    body = second.get(f"/v1/runs/{failed['run_id']}/status").json()
    assert body["status"] == "failed" and body["error"]["class"] == "server_restarted"
    again = second.post("/v1/predict", json={"micro": QUICK, "profile_id": "f"})
    assert again.status_code == 200, again.text


def test_recover_runs_requeues_interrupted_runs(make_client: Any) -> None:
    first = make_client()
    sub = submit(
        first, [QUICK[0], {"type": "wait", "intent": "w", "params": {"seconds": 2}}, QUICK[1]]
    )
    wait_for(first, sub["run_id"], "running")
    first.__exit__(None, None, None)
    second = make_client(recover_runs=True)
    wait_for(second, sub["run_id"], "succeeded")


def test_detached_false_blocks_until_terminal(client: TestClient[Any]) -> None:
    body = submit(client, QUICK, detached=False, profile_id="blk")
    assert body["status"] == "succeeded" and body["mode"] == "blocking"


def test_logs_action_returns_the_last_events(client: TestClient[Any]) -> None:
    sub = submit(client, QUICK, profile_id="logs")
    wait_for(client, sub["run_id"], "succeeded")
    body = client.post(
        "/v1/predict", json={"action": "logs", "run_id": sub["run_id"], "tail": 2}
    ).json()
    assert [e["kind"] for e in body["events"]][-1] == "run_finished" and len(body["events"]) == 2


def test_caps_are_clamped_by_server_and_tenant(make_client: Any) -> None:
    client = make_client(max_cost_usd=10.0, max_time_minutes=5.0)
    body = submit(client, QUICK, max_cost=100, max_time_minutes=90, profile_id="cap")
    assert body["payload"]["max_cost"] == 10.0 and body["payload"]["max_time_minutes"] == 5.0
    plan = {"steps": QUICK, "runtime": {"max_time_minutes": 2}}
    body = submit(client, plan, profile_id="cap2")
    assert body["payload"]["max_time_minutes"] == 2
