"""Settings: every ``MANTIS_*`` variable, its default and its cap, in one place.

``Settings`` is frozen and built once at the edge (the CLI, ``create_app``, a
test) from an environment mapping plus explicit overrides (CLI flags). Nothing
else in Mantis reads the environment.

| variable | default | meaning |
|---|---|---|
| MANTIS_DATA_DIR | ./mantis-data | SQLite index, run directories, profiles |
| MANTIS_HOST | 127.0.0.1 | bind address |
| MANTIS_PORT | 8420 | bind port |
| MANTIS_API_TOKEN | (unset) | single-tenant token; unset → a token file in the data dir, loopback only |
| MANTIS_PLANS_DIR | ./examples/plans | root for plan files named in requests |
| MANTIS_MAX_STEPS_PER_PLAN | 200 | longer plans are rejected |
| MANTIS_MAX_LOOP_ITERATIONS | 50 | loop_count is clamped to this |
| MANTIS_MAX_WAIT_SECONDS | 30 | a wait step sleeps at most this |
| MANTIS_MAX_COST_USD | 25 | ceiling for max_cost |
| MANTIS_MAX_TIME_MINUTES | 60 | ceiling for max_time_minutes |
| MANTIS_MAX_BODY_BYTES | 5242880 | request bodies above this get 413 |
| MANTIS_DISPLAY_SIZE | 1280x720 | virtual screen size |
| MANTIS_CHROMIUM_PATH | chromium | the browser binary |
| MANTIS_TESSERACT_PATH | tesseract | the OCR binary |
| MANTIS_MODEL | mock | default brain |
| MANTIS_TENANT_KEYS_PATH | (unset) | tenant keys file (hashed tokens, scopes, caps); re-read on change |
| MANTIS_SECRETS_DIR | (unset) | directory of per-tenant secret files, one file per secret name |
| MANTIS_MAX_CONCURRENT_RUNS | 4 | runs executing at once server-wide; more wait `queued` |
| MANTIS_PAUSE_HOLD_S | 1800 | a paused run keeps its browser and lock this long, then parks |
| MANTIS_RECOVER_RUNS | 0 | 1: runs left running by a dead server are re-queued, not failed |
| MANTIS_METRICS_TOKEN | (unset) | when set, `GET /metrics` needs it as a bearer token |
| MANTIS_ENABLE_DOCS_UI | 1 | 0: no interactive docs at /schema (the OpenAPI JSON stays) |
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import msgspec

from mantis.errors import ConfigError

_PREFIX = "MANTIS_"


class Settings(msgspec.Struct, frozen=True, kw_only=True):
    data_dir: Path = Path("./mantis-data")
    host: str = "127.0.0.1"
    port: int = 8420
    api_token: str | None = None
    plans_dir: Path = Path("./examples/plans")
    max_steps_per_plan: int = 200
    max_loop_iterations: int = 50
    max_wait_seconds: float = 30.0
    max_cost_usd: float = 25.0
    max_time_minutes: float = 60.0
    default_max_cost_usd: float = 25.0
    default_max_time_minutes: float = 60.0
    max_body_bytes: int = 5 * 1024 * 1024
    display_width: int = 1280
    display_height: int = 720
    chromium_path: str = "chromium"
    tesseract_path: str = "tesseract"
    model: str = "mock"
    tenant_keys_path: Path | None = None
    secrets_dir: Path | None = None
    max_concurrent_runs: int = 4
    pause_hold_s: float = 1800.0
    recover_runs: bool = False
    metrics_token: str | None = None
    enable_docs_ui: bool = True

    def __post_init__(self) -> None:
        if not 1 <= self.port <= 65535:
            raise ConfigError(f"MANTIS_PORT: expected 1..65535, got {self.port}")
        if self.display_width < 320 or self.display_height < 240:
            raise ConfigError(
                f"MANTIS_DISPLAY_SIZE: expected at least 320x240, got "
                f"{self.display_width}x{self.display_height}"
            )
        for name in (
            "max_steps_per_plan",
            "max_loop_iterations",
            "max_body_bytes",
            "max_concurrent_runs",
        ):
            if getattr(self, name) < 1:
                raise ConfigError(
                    f"MANTIS_{name.upper()}: expected >= 1, got {getattr(self, name)}"
                )

    @property
    def db_path(self) -> Path:
        return self.data_dir / "mantis.db"

    @property
    def display_size(self) -> tuple[int, int]:
        return (self.display_width, self.display_height)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
        """Build settings from ``MANTIS_*`` variables, then apply non-None ``overrides``."""
        env = os.environ if env is None else env
        raw: dict[str, Any] = {}
        fields = {f.name: f for f in msgspec.structs.fields(cls)}
        for name in fields:
            key = _PREFIX + name.upper()
            if key in env and env[key] != "":
                raw[name] = env[key]
        size = env.get(_PREFIX + "DISPLAY_SIZE")
        if size:
            try:
                w, h = (int(p) for p in size.lower().split("x"))
            except ValueError:
                raise ConfigError(
                    f"MANTIS_DISPLAY_SIZE: expected WIDTHxHEIGHT like 1280x720, got {size!r}"
                ) from None
            raw["display_width"], raw["display_height"] = w, h
        raw.update({k: v for k, v in overrides.items() if v is not None})
        for name in ("data_dir", "plans_dir", "tenant_keys_path", "secrets_dir"):
            if name in raw:
                raw[name] = Path(raw[name])
        try:
            return msgspec.convert(raw, cls, strict=False)
        except msgspec.ValidationError as exc:
            msg = str(exc)
            name = msg.rsplit("`$.", 1)[-1].rstrip("`") if "`$." in msg else ""
            variable = _PREFIX + name.upper() if name else "settings"
            raise ConfigError(f"{variable}: {msg.split(' - at ')[0]}") from None
