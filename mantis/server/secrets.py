"""Per-tenant secrets by name: ``MANTIS_SECRETS_DIR/<name>``, else the variable ``<name>``."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from mantis.server.rundir import check_id


class Secrets:
    def __init__(self, directory: Path | None, env: Mapping[str, str]) -> None:
        self.directory = directory
        self._env = dict(env)

    def get(self, name: str | None) -> str | None:
        if not name:
            return None
        check_id(name, "secret name")
        if self.directory is not None:
            path = self.directory / name
            if path.is_file():
                return path.read_text().strip()
        return self._env.get(name)
