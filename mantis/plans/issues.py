"""``PlanIssue`` and the collector the loader stages report into."""

from __future__ import annotations

import msgspec

from mantis.errors import PlanError


class PlanIssue(msgspec.Struct, frozen=True):
    """One problem with a plan: the JSON path of the field and what is wrong with it."""

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message


class Report:
    """Issues and warnings gathered while loading one plan, in the order found."""

    def __init__(self) -> None:
        self.issues: list[PlanIssue] = []
        self.warnings: list[str] = []

    def issue(self, path: str, message: str) -> None:
        self.issues.append(PlanIssue(path, message))

    def warn(self, path: str, message: str) -> None:
        self.warnings.append(f"{path}: {message}" if path else message)

    def raise_first(self) -> None:
        """Raise ``PlanError`` for the first issue, listing all of them in ``extra["errors"]``."""
        if not self.issues:
            return
        first = self.issues[0]
        error = PlanError(first.path, first.message)
        error.extra["errors"] = [{"path": i.path, "message": i.message} for i in self.issues]
        raise error


def join(base: str, key: str | int) -> str:
    """Extend a JSON path: ``join("steps", 3) == "steps[3]"``, ``join("steps[3]", "type")``."""
    if isinstance(key, int):
        return f"{base}[{key}]"
    return f"{base}.{key}" if base else key
