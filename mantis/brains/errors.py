"""Errors of the model layer, in the ``MantisError`` tree (status carried as data).

MantisError
├── UpstreamError   (502) a model endpoint or the Anthropic API is unreachable or failing
├── ModelNotReady   (503) the model is known but cannot run here; ``extra.reason`` says why
└── UnknownModel    (400) no such model; ``extra.valid`` lists the names that exist
"""

from __future__ import annotations

from mantis.errors import MantisError


class UpstreamError(MantisError):
    status_code = 502


class ModelNotReady(MantisError):
    status_code = 503

    def __init__(self, model: str, reason: str) -> None:
        super().__init__(f"model {model!r} is not ready: {reason}", extra={"reason": reason})
        self.reason = reason


class UnknownModel(MantisError):
    status_code = 400

    def __init__(self, model: str, valid: list[str]) -> None:
        super().__init__(
            f"model: expected one of {', '.join(valid)}; got {model!r}",
            extra={"field": "model", "valid": valid},
        )
