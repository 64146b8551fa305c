"""Host tools for ``tool_call`` steps: a registry of named async callables.

A tool is ``async (args: dict, ctx: ToolContext) -> result``; the result (any
JSON-serialisable value) becomes the step's output and, with ``out_var``, a run
variable. A tool reports failure by raising ``ToolError`` with a sentence; any
other exception is a bug in the tool and propagates.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Mapping
from typing import Any

from mantis.errors import MantisError


class ToolError(MantisError):
    """A host tool could not do what it was asked; the message says why."""


class ToolContext:
    """What a tool may read: the run's variables and rows (copies), and the current URL."""

    def __init__(self, vars: Mapping[str, Any], rows: list[dict[str, Any]], url: str | None):
        self.vars = dict(vars)
        self.rows = [dict(r) for r in rows]
        self.url = url


Tool = Callable[[dict[str, Any], ToolContext], Awaitable[Any]]


class ToolRegistry:
    def __init__(self, tools: Mapping[str, Tool] | None = None) -> None:
        self._tools: dict[str, Tool] = dict(tools or {})

    def register(self, name: str, tool: Tool) -> None:
        if not name or not name.replace("_", "").replace(".", "").replace("-", "").isalnum():
            raise ValueError(f"tool name: expected letters, digits, '_', '.', '-', got {name!r}")
        self._tools[name] = tool

    def get(self, name: str) -> Tool | None:
        return self._tools.get(name)

    def names(self) -> Iterable[str]:
        return sorted(self._tools)
