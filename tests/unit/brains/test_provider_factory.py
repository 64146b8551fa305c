"""``build_providers``: which family serves each role, and the errors when it cannot.

No network: the Anthropic client is built but never called.
"""

from __future__ import annotations

import pytest

from mantis.brains.providers.claude_decomposition import ClaudeDecomposer
from mantis.brains.providers.claude_extraction import ClaudeExtractor
from mantis.brains.providers.claude_grounding import ClaudeGrounder
from mantis.brains.providers.claude_verification import ClaudeVerifier
from mantis.brains.providers.extraction import LocalExtractor
from mantis.brains.providers.factory import build_providers
from mantis.brains.providers.grounding import LocalGrounder
from mantis.brains.providers.local_llm_providers import LocalDecomposer, LocalLLMExtractor
from mantis.brains.providers.verification import LocalVerifier
from mantis.config import Settings
from mantis.errors import ConfigError

pytestmark = pytest.mark.anyio


async def test_auto_is_claude_with_a_key_and_shares_one_client():
    made = build_providers(Settings(anthropic_api_key="sk-x"))
    try:
        assert isinstance(made.grounder, ClaudeGrounder)
        assert isinstance(made.verifier, ClaudeVerifier)
        assert isinstance(made.extractor, ClaudeExtractor)
        assert isinstance(made.decomposer, ClaudeDecomposer)
        assert made.verifier.grounder is made.grounder  # one grounding cache
        assert made.grounder.client is made.extractor.client is made.client
        assert made.grounder.model == Settings().claude_model
    finally:
        await made.aclose()


async def test_a_tenant_key_overrides_the_deployment_one():
    made = build_providers(Settings(), api_key="sk-tenant")
    try:
        assert isinstance(made.grounder, ClaudeGrounder)
        assert made.client.api_key == "sk-tenant"
    finally:
        await made.aclose()


def test_auto_without_a_key_is_local_and_no_decomposer():
    grounder, verifier, extractor, decomposer, client = build_providers(Settings())
    assert isinstance(grounder, LocalGrounder)
    assert isinstance(verifier, LocalVerifier)
    assert isinstance(extractor, LocalExtractor)
    assert decomposer is None and client is None


def test_local_llm_backs_local_extraction_and_decomposition(tmp_path):
    model = str(tmp_path / "text.gguf")  # not loaded until first use
    made = build_providers(Settings(local_llm=model, decomposer="local", extractor="local"))
    assert isinstance(made.extractor, LocalLLMExtractor)
    assert isinstance(made.decomposer, LocalDecomposer)
    assert made.decomposer.llm.model_path == model


async def test_mixed_choices_follow_each_setting():
    made = build_providers(
        Settings(anthropic_api_key="sk-x", grounder="local", verifier="claude", extractor="local")
    )
    try:
        assert isinstance(made.grounder, LocalGrounder)
        assert isinstance(made.verifier, ClaudeVerifier)
        assert isinstance(made.verifier.grounder, ClaudeGrounder)
        assert isinstance(made.extractor, LocalExtractor)
    finally:
        await made.aclose()


@pytest.mark.parametrize("role", ["grounder", "extractor", "verifier", "decomposer"])
def test_forcing_claude_without_a_key_is_a_config_error(role):
    with pytest.raises(ConfigError) as err:
        build_providers(Settings(**{role: "claude"}))
    assert f"MANTIS_{role.upper()}=claude" in err.value.message
    assert "ANTHROPIC_API_KEY" in err.value.message
