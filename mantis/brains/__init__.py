"""Brains (vision-action policies) and providers (grounding, extraction, verification)."""
