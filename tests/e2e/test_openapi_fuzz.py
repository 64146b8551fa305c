"""A bounded schemathesis run against the OpenAPI document a real `mantis serve` serves.

Every operation gets a few generated requests (with a valid token); none may
answer 5xx (except API.md's 503 "not ready", which must carry a reason), and
documented responses must match their schema.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

schemathesis = pytest.importorskip("schemathesis")
from hypothesis import HealthCheck, settings  # noqa: E402
from schemathesis.checks import not_a_server_error, response_schema_conformance  # noqa: E402

from tests.conftest import Server, ServerProcess  # noqa: E402

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def fuzz_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    data_dir: Path = tmp_path_factory.mktemp("fuzz-data")
    proc = ServerProcess(data_dir, secrets.token_urlsafe(16))
    yield proc.start()
    proc.stop()


@pytest.fixture(scope="module")
def api_schema(fuzz_server: Server) -> Any:
    loaded = schemathesis.openapi.from_url(f"{fuzz_server.base_url}/schema/openapi.json")
    loaded.config.update(base_url=fuzz_server.base_url)
    return loaded


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(
    max_examples=8,
    derandomize=True,  # the same examples every CI run: a failure is reproducible, not luck
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
def test_no_server_errors(case: Any, fuzz_server: Server) -> None:
    case.headers = {**(case.headers or {}), "X-Mantis-Token": fuzz_server.token}
    response = case.call(timeout=30)
    if response.status_code == 503:
        # API.md: 503 is the contract when a model (or the plan_text decomposer) is not ready;
        # it must say why
        assert response.json()["extra"]["reason"], response.text
        return
    case.validate_response(response, checks=(not_a_server_error, response_schema_conformance))
