"""A tenant's own Anthropic key (anthropic_secret_name) makes `claude` ready for that tenant only.

No request reaches Anthropic: the runs use a plan of `wait` + `done` steps on the fake
computer, so the brain is built but never asked.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from mantis.server.tenancy import Tenant, add_tenant
from tests.unit.server.conftest import QUICK, wait_for


def test_claude_is_ready_only_for_the_tenant_with_a_key(make_client: Any, tmp_path: Path) -> None:
    keys = tmp_path / "keys.json"
    secrets = tmp_path / "secrets"
    secrets.mkdir()
    (secrets / "acme_anthropic").write_text("sk-ant-test-not-real\n")
    with_key = add_tenant(
        keys,
        Tenant(tenant_id="acme", anthropic_secret_name="acme_anthropic", rate_limit_per_minute=0),
    )
    without = add_tenant(keys, Tenant(tenant_id="plain", rate_limit_per_minute=0))
    client = make_client(tenant_keys_path=keys, secrets_dir=secrets)

    refused = client.post(
        "/v1/predict",
        json={"micro": QUICK, "cua_model": "claude"},
        headers={"X-Mantis-Token": without},
    )
    assert refused.status_code == 503
    assert "ANTHROPIC_API_KEY" in refused.json()["detail"]

    ok = client.post(
        "/v1/predict",
        json={"micro": QUICK, "cua_model": "claude"},
        headers={"X-Mantis-Token": with_key},
    )
    assert ok.status_code == 200, ok.text
    assert "sk-ant-test-not-real" not in ok.text
    client.headers["X-Mantis-Token"] = with_key
    final = wait_for(client, ok.json()["run_id"], "succeeded")
    assert final["cua_model"] == "claude"
