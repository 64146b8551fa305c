"""Host tools registered with create_app(tools=...) are callable from a plan's tool_call step."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from litestar.testing import TestClient

from mantis.runner.tools import ToolContext, ToolRegistry
from mantis.server.app import create_app
from tests.unit.server.conftest import TOKEN, FakeComputer, settings_for, wait_for


async def lookup_price(args: dict[str, Any], ctx: ToolContext) -> dict[str, Any]:
    return {"sku": args["sku"], "price": 42}


def test_a_registered_host_tool_runs_and_an_unknown_one_fails_its_step(tmp_path: Path) -> None:
    app = create_app(
        settings_for(tmp_path),
        computer_factory=FakeComputer,
        tools=ToolRegistry({"lookup_price": lookup_price}),
    )
    plan = [
        {
            "type": "tool_call",
            "intent": "price",
            "name": "lookup_price",
            "args": {"sku": "A-1"},
            "out_var": "price",
        },
        {"type": "tool_call", "intent": "missing", "name": "nope"},
        {"type": "done", "intent": "finished"},
    ]
    with TestClient(app) as client:
        client.headers["X-Mantis-Token"] = TOKEN
        resp = client.post("/v1/predict", json={"micro": plan})
        assert resp.status_code == 200, resp.text
        run_id = resp.json()["run_id"]
        wait_for(client, run_id, "succeeded")
        steps = client.get(f"/v1/runs/{run_id}/result").json()["result"]["step_details"]
    assert steps[0]["success"] and steps[0]["output"] == {"sku": "A-1", "price": 42}
    assert not steps[1]["success"] and "nope" in steps[1]["error"]
