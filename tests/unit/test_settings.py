"""Settings are built once from MANTIS_* variables plus overrides, and checked."""

from __future__ import annotations

from pathlib import Path

import pytest

from mantis.config import Settings
from mantis.errors import ConfigError


def test_defaults_bind_loopback() -> None:
    s = Settings.from_env({})
    assert s.host == "127.0.0.1"
    assert s.api_token is None
    assert s.display_size == (1280, 720)
    assert s.max_steps_per_plan == 200


def test_environment_is_read_and_overrides_win() -> None:
    env = {
        "MANTIS_PORT": "9001",
        "MANTIS_DATA_DIR": "/tmp/x",
        "MANTIS_DISPLAY_SIZE": "1024x768",
        "MANTIS_API_TOKEN": "t0k",
    }
    s = Settings.from_env(env, port=9100, host=None)
    assert s.port == 9100
    assert s.data_dir == Path("/tmp/x")
    assert s.display_size == (1024, 768)
    assert s.api_token == "t0k"
    assert s.db_path == Path("/tmp/x/mantis.db")


def test_empty_variables_count_as_unset() -> None:
    assert Settings.from_env({"MANTIS_API_TOKEN": ""}).api_token is None


@pytest.mark.parametrize(
    ("env", "fragment"),
    [
        ({"MANTIS_PORT": "abc"}, "MANTIS_PORT"),
        ({"MANTIS_PORT": "70000"}, "MANTIS_PORT"),
        ({"MANTIS_DISPLAY_SIZE": "big"}, "MANTIS_DISPLAY_SIZE"),
        ({"MANTIS_DISPLAY_SIZE": "100x100"}, "MANTIS_DISPLAY_SIZE"),
        ({"MANTIS_MAX_STEPS_PER_PLAN": "0"}, "MANTIS_MAX_STEPS_PER_PLAN"),
    ],
)
def test_bad_values_name_the_variable(env: dict[str, str], fragment: str) -> None:
    with pytest.raises(ConfigError, match=fragment):
        Settings.from_env(env)


def test_settings_are_frozen() -> None:
    s = Settings.from_env({})
    with pytest.raises(AttributeError):
        s.port = 1  # type: ignore[misc]
