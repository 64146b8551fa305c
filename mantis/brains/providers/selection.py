"""Which provider family serves each role: ``claude``, ``local`` or ``auto``.

``auto`` means Claude when an Anthropic key is configured, else local (BRAINS.md).
"""

from __future__ import annotations

from typing import Literal

from mantis.config import Settings

Choice = Literal["claude", "local"]
ROLES = ("grounder", "extractor", "verifier", "decomposer")


def choose(role: str, settings: Settings) -> Choice:
    wanted = getattr(settings, role)
    if wanted == "auto":
        return "claude" if settings.anthropic_api_key else "local"
    return "claude" if wanted == "claude" else "local"


def provider_statuses(settings: Settings) -> list[tuple[str, str, str]]:
    """(role, chosen family, why) for ``mantis doctor``."""
    out: list[tuple[str, str, str]] = []
    for role in ROLES:
        choice = choose(role, settings)
        setting = getattr(settings, role)
        if choice == "claude" and not settings.anthropic_api_key:
            why = "not ready: no key (ANTHROPIC_API_KEY)"
        elif choice == "local" and role == "decomposer" and not settings.local_llm:
            why = "not ready: local decomposition needs MANTIS_LOCAL_LLM"
        else:
            why = f"ready (MANTIS_{role.upper()}={setting})"
        out.append((role, choice, why))
    return out
