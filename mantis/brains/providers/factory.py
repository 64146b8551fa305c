"""``build_providers``: the grounder, verifier, extractor and decomposer a deployment uses.

Each role follows its setting (``MANTIS_GROUNDER`` / ``_VERIFIER`` /
``_EXTRACTOR`` / ``_DECOMPOSER``): ``claude``, ``local``, or ``auto`` — Claude
when an Anthropic key is configured (``api_key``, e.g. a tenant's own, else
``ANTHROPIC_API_KEY``), local otherwise. Forcing ``claude`` without a key is a
``ConfigError`` naming the setting.

Local means Tesseract OCR for grounding, verification and extraction; with
``MANTIS_LOCAL_LLM`` set, extraction and decomposition use that GGUF model.
There is no local decomposer without ``MANTIS_LOCAL_LLM``: the decomposer is
then ``None`` and the caller reports that plain-text plans cannot be run.
All Claude providers share one SDK client and report each call through
``on_call`` (see :class:`claude_common.ProviderCall`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

from mantis.brains.pricing import claude_cost
from mantis.brains.providers.base import Extractor, Grounder, Verifier
from mantis.brains.providers.claude_common import ProviderCall
from mantis.brains.providers.decomposition import Decomposer
from mantis.brains.providers.selection import ROLES, Choice
from mantis.config import Settings
from mantis.errors import ConfigError


class ProviderSet(NamedTuple):
    grounder: Grounder
    verifier: Verifier
    extractor: Extractor
    decomposer: Decomposer | None
    client: Any = None  # the shared Anthropic client, when any role uses Claude

    async def aclose(self) -> None:
        if self.client is not None:
            await self.client.close()


def family(role: str, settings: Settings, api_key: str | None) -> Choice:
    """``claude`` or ``local`` for ``role``; ``ConfigError`` when ``claude`` is forced without a key."""
    wanted = getattr(settings, role)
    if wanted == "auto":
        return "claude" if api_key else "local"
    if wanted == "claude" and not api_key:
        raise ConfigError(
            f"MANTIS_{role.upper()}=claude needs an Anthropic API key: set ANTHROPIC_API_KEY "
            f"(or the tenant's key), or set MANTIS_{role.upper()}=local or auto",
            extra={"field": role},
        )
    return "claude" if wanted == "claude" else "local"


def build_providers(
    settings: Settings,
    *,
    api_key: str | None = None,
    client: Any = None,
    on_call: Callable[[ProviderCall], None] | None = None,
) -> ProviderSet:
    """The providers for ``settings``; ``api_key`` overrides ``ANTHROPIC_API_KEY``.

    ``client`` is an ``AsyncAnthropic`` to use instead of building one (tests).
    """
    key = api_key or settings.anthropic_api_key
    chosen = {role: family(role, settings, key) for role in ROLES}
    if "claude" in chosen.values() and client is None:
        from mantis.brains.claude import anthropic_client

        assert key is not None  # family() refused claude without one
        client = anthropic_client(
            key, base_url=settings.anthropic_base_url, max_retries=settings.claude_max_retries
        )
    claude: dict[str, Any] = {
        "model": settings.claude_model,
        "cost": lambda usage: claude_cost(usage, settings),
        "on_call": on_call,
    }
    llm = None
    if settings.local_llm:
        from mantis.brains.local_llm import LocalLLM

        llm = LocalLLM(
            settings.local_llm, n_gpu_layers=settings.llama_n_gpu_layers, n_ctx=settings.llama_n_ctx
        )

    grounder: Grounder
    if chosen["grounder"] == "claude":
        from mantis.brains.providers.claude_grounding import ClaudeGrounder

        grounder = ClaudeGrounder(client, **claude)
    else:
        from mantis.brains.providers.grounding import LocalGrounder

        grounder = LocalGrounder(settings.tesseract_path)

    verifier: Verifier
    if chosen["verifier"] == "claude":
        from mantis.brains.providers.claude_verification import ClaudeVerifier

        shared = grounder if chosen["grounder"] == "claude" else None
        verifier = ClaudeVerifier(client, grounder=shared, **claude)  # type: ignore[arg-type]
    else:
        from mantis.brains.providers.verification import LocalVerifier

        verifier = LocalVerifier(settings.tesseract_path)

    extractor: Extractor
    if chosen["extractor"] == "claude":
        from mantis.brains.providers.claude_extraction import ClaudeExtractor

        extractor = ClaudeExtractor(client, **claude)
    elif llm is not None:
        from mantis.brains.providers.local_llm_providers import LocalLLMExtractor

        extractor = LocalLLMExtractor(llm, settings.tesseract_path)
    else:
        from mantis.brains.providers.extraction import LocalExtractor

        extractor = LocalExtractor(settings.tesseract_path)

    decomposer: Decomposer | None = None
    if chosen["decomposer"] == "claude":
        from mantis.brains.providers.claude_decomposition import ClaudeDecomposer

        decomposer = ClaudeDecomposer(client, **claude)
    elif llm is not None:
        from mantis.brains.providers.local_llm_providers import LocalDecomposer

        decomposer = LocalDecomposer(llm)

    return ProviderSet(grounder, verifier, extractor, decomposer, client)
