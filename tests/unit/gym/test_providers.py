"""Proxy providers from settings: which is configured, which is chosen, what is sent."""

from __future__ import annotations

import base64

import pytest

from mantis.config import Settings
from mantis.errors import ConfigError
from mantis.gym.providers import choose_provider, configured_providers


def test_nothing_configured_means_no_upstream():
    assert choose_provider(Settings.from_env({})) is None


def test_oxylabs_geo_goes_into_the_username_and_credentials_into_basic_auth():
    env = {
        "OXYLABS_USERNAME": "acme",
        "OXYLABS_PASSWORD": "pw",
        "OXYLABS_COUNTRY": "us",
        "OXYLABS_STATE": "us_california",
        "OXYLABS_CITY": "Los Angeles",
    }
    up = choose_provider(Settings.from_env(env))
    assert up is not None and (up.host, up.port) == ("pr.oxylabs.io", 7777)
    assert up.username == "customer-acme-cc-US-st-us_california-city-los_angeles"
    assert (
        base64.b64decode(up.authorization().removeprefix("Basic ")) == f"{up.username}:pw".encode()
    )
    assert "pw" not in repr(up)


def test_forced_provider_wins_and_an_unconfigured_one_is_an_error():
    env = {
        "IPROYAL_USERNAME": "i",
        "IPROYAL_PASSWORD": "p",
        "PRIVATEPROXY_USERNAME": "q",
        "PRIVATEPROXY_PASSWORD": "p",
        "PRIVATEPROXY_ENTRYPOINT": "10.0.0.1:3128",
    }
    assert [u.provider for u in configured_providers(Settings.from_env(env))] == [
        "privateproxy",
        "iproyal",
    ]
    forced = choose_provider(Settings.from_env({**env, "MANTIS_PROXY_PROVIDER": "iproyal"}))
    assert forced is not None and forced.provider == "iproyal"
    with pytest.raises(ConfigError, match="MANTIS_PROXY_PROVIDER"):
        choose_provider(Settings.from_env({**env, "MANTIS_PROXY_PROVIDER": "oxylabs"}))


def test_privateproxy_needs_an_entrypoint():
    env = {"PRIVATEPROXY_USERNAME": "u", "PRIVATEPROXY_PASSWORD": "p"}
    with pytest.raises(ConfigError, match="PRIVATEPROXY_ENTRYPOINT"):
        configured_providers(Settings.from_env(env))
    with pytest.raises(ConfigError, match="host:port"):
        configured_providers(Settings.from_env({**env, "PRIVATEPROXY_ENTRYPOINT": "nohost"}))


def test_remote_computer_needs_a_url():
    with pytest.raises(ConfigError, match="MANTIS_COMPUTER_URL"):
        Settings.from_env({"MANTIS_COMPUTER": "remote"})
    with pytest.raises(ConfigError, match="MANTIS_COMPUTER"):
        Settings.from_env({"MANTIS_COMPUTER": "cloud"})
