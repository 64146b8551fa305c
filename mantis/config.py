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
| MANTIS_MODEL | (first ready brain) | default brain for runs that name none; with none ready, free-form steps fail and say what to configure |
| ANTHROPIC_API_KEY | (unset) | key for the `claude` brain and the Claude providers |
| MANTIS_ANTHROPIC_BASE_URL | (SDK default) | Anthropic API base URL (a proxy or a test fake) |
| MANTIS_CLAUDE_MODEL | claude-sonnet-4-5 | model id for the `claude` brain and providers |
| MANTIS_CLAUDE_KEEP_FRAMES / _KEEP_TURNS | 3 / 10 | screenshots / tool turns kept in Claude's context |
| MANTIS_HOLO3_GGUF, MANTIS_HOLO3_MMPROJ | (unset) | Holo3 GGUF weights and multimodal projector |
| MANTIS_GEMMA4_GGUF, MANTIS_GEMMA4_MMPROJ | (unset) | Gemma-4 CUA GGUF and projector |
| MANTIS_FARA_MODEL_DIR, MANTIS_OPENCUA_32B_MODEL_DIR, MANTIS_OPENCUA_72B_MODEL_DIR, MANTIS_EVOCUA_8B_MODEL_DIR, MANTIS_EVOCUA_32B_MODEL_DIR | (unset) | HF-format checkpoints for vLLM |
| MANTIS_LLAMA_N_GPU_LAYERS / _N_CTX | -1 / 8192 | llama.cpp offload and context |
| MANTIS_ENGINE_CONCURRENCY | 1 | concurrent requests per in-process engine |
| MANTIS_VLLM_TENSOR_PARALLEL_SIZE / _GPU_MEMORY_UTILIZATION | 1 / 0.9 | vLLM engine knobs |
| MANTIS_LOCAL_LLM | (unset) | GGUF text model for local extraction / decomposition |
| MANTIS_ENDPOINT_<NAME>_URL (+ _MODEL, _KEY) | (unset) | OpenAI-compatible endpoint: brain `endpoint:<name>`; a name equal to a brain (HOLO3, FARA, GEMMA4_CUA, …) serves that brain |
| MANTIS_GROUNDER / _EXTRACTOR / _VERIFIER / _DECOMPOSER | auto | `claude`, `local` or `auto` (Claude when a key is set) |
| MANTIS_PRICE_CLAUDE_{INPUT,OUTPUT,CACHE_READ,CACHE_WRITE}_PER_MTOK | 3 / 15 / 0.3 / 3.75 | USD per million tokens |
| MANTIS_GPU_PRICE_PER_HOUR_{LOCAL,MODAL,ENDPOINT} | 0 / 3.95 / 0 | USD per engine hour by placement |
| MANTIS_COMPUTER | local | `local` (Xvfb + Chromium here) or `remote` (the `/computer` wire) |
| MANTIS_COMPUTER_URL | (unset) | base URL of the remote computer plane, with `MANTIS_COMPUTER=remote` |
| MANTIS_COMPUTER_TOKEN | (unset) | `X-Mantis-Token` for the remote plane; unset → MANTIS_API_TOKEN |
| MANTIS_SESSION_IDLE_S | 600 | a `/computer` session unused this long is closed |
| MANTIS_MAX_SESSIONS | 8 | live `/computer` sessions at most (429 beyond) |
| MANTIS_PROXY_PROVIDER | (unset) | which configured proxy provider runs use when several are set |
| PRIVATEPROXY_{USERNAME,PASSWORD,ENTRYPOINT} | (unset) | PrivateProxy credentials; ENTRYPOINT is host:port |
| OXYLABS_{USERNAME,PASSWORD,ENTRYPOINT,COUNTRY,STATE,CITY} | (unset) | Oxylabs credentials and geo; ENTRYPOINT defaults to pr.oxylabs.io:7777 |
| IPROYAL_{USERNAME,PASSWORD,ENTRYPOINT} | (unset) | IPRoyal credentials; ENTRYPOINT defaults to geo.iproyal.com:12321 |
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
from typing import Any, Literal

import msgspec

from mantis.errors import ConfigError

_PREFIX = "MANTIS_"
_PROVIDER_PREFIXES = ("privateproxy_", "oxylabs_", "iproyal_")


class EndpointSpec(msgspec.Struct, frozen=True, kw_only=True):
    """An OpenAI-compatible chat endpoint: ``MANTIS_ENDPOINT_<NAME>_URL`` / ``_MODEL`` / ``_KEY``."""

    url: str
    model: str = "default"
    api_key: str | None = None


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
    model: str | None = None
    # Models and providers (BRAINS.md)
    anthropic_api_key: str | None = None
    anthropic_base_url: str | None = None
    claude_model: str = "claude-sonnet-4-5"
    claude_keep_frames: int = 3
    claude_keep_turns: int = 10
    claude_max_retries: int = 3
    holo3_gguf: str | None = None
    holo3_mmproj: str | None = None
    holo3_units: Literal["pixels", "relative1000", "fractional"] = "pixels"
    gemma4_gguf: str | None = None
    gemma4_mmproj: str | None = None
    fara_model_dir: str | None = None
    opencua_32b_model_dir: str | None = None
    opencua_72b_model_dir: str | None = None
    evocua_8b_model_dir: str | None = None
    evocua_32b_model_dir: str | None = None
    llama_n_gpu_layers: int = -1
    llama_n_ctx: int = 8192
    engine_concurrency: int = 1
    vllm_tensor_parallel_size: int = 1
    vllm_gpu_memory_utilization: float = 0.9
    local_llm: str | None = None
    endpoints: dict[str, EndpointSpec] = {}
    grounder: Literal["claude", "local", "auto"] = "auto"
    extractor: Literal["claude", "local", "auto"] = "auto"
    verifier: Literal["claude", "local", "auto"] = "auto"
    decomposer: Literal["claude", "local", "auto"] = "auto"
    price_claude_input_per_mtok: float = 3.0
    price_claude_output_per_mtok: float = 15.0
    price_claude_cache_read_per_mtok: float = 0.30
    price_claude_cache_write_per_mtok: float = 3.75
    gpu_price_per_hour_local: float = 0.0
    gpu_price_per_hour_modal: float = 3.95
    gpu_price_per_hour_endpoint: float = 0.0
    computer: str = "local"
    computer_url: str | None = None
    computer_token: str | None = None
    session_idle_s: float = 600.0
    max_sessions: int = 8
    proxy_provider: str | None = None
    privateproxy_username: str | None = None
    privateproxy_password: str | None = None
    privateproxy_entrypoint: str | None = None
    oxylabs_username: str | None = None
    oxylabs_password: str | None = None
    oxylabs_entrypoint: str | None = None
    oxylabs_country: str | None = None
    oxylabs_state: str | None = None
    oxylabs_city: str | None = None
    iproyal_username: str | None = None
    iproyal_password: str | None = None
    iproyal_entrypoint: str | None = None
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
        if self.computer not in ("local", "remote"):
            raise ConfigError(f"MANTIS_COMPUTER: expected local or remote, got {self.computer!r}")
        if self.computer == "remote" and not self.computer_url:
            raise ConfigError("MANTIS_COMPUTER_URL: required when MANTIS_COMPUTER=remote")
        for name in (
            "max_steps_per_plan",
            "max_loop_iterations",
            "max_body_bytes",
            "max_sessions",
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
        for name in fields:  # proxy providers keep their own, unprefixed variable names
            if name.startswith(_PROVIDER_PREFIXES) and env.get(name.upper()):
                raw[name] = env[name.upper()]
        size = env.get(_PREFIX + "DISPLAY_SIZE")
        if size:
            try:
                w, h = (int(p) for p in size.lower().split("x"))
            except ValueError:
                raise ConfigError(
                    f"MANTIS_DISPLAY_SIZE: expected WIDTHxHEIGHT like 1280x720, got {size!r}"
                ) from None
            raw["display_width"], raw["display_height"] = w, h
        if env.get("ANTHROPIC_API_KEY"):
            raw.setdefault("anthropic_api_key", env["ANTHROPIC_API_KEY"])
        endpoints = _endpoints(env)
        if endpoints:
            raw["endpoints"] = endpoints
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


def _endpoints(env: Mapping[str, str]) -> dict[str, dict[str, str]]:
    """``MANTIS_ENDPOINT_<NAME>_URL`` (+ ``_MODEL``, ``_KEY``) → {name: spec}; NAME
    is lower-cased with ``_`` → ``-`` (``GEMMA4_CUA`` → ``gemma4-cua``)."""
    out: dict[str, dict[str, str]] = {}
    head = _PREFIX + "ENDPOINT_"
    for key, value in env.items():
        if key.startswith(head) and key.endswith("_URL") and value:
            upper = key[len(head) : -len("_URL")]
            if not upper:
                continue
            spec = {"url": value}
            for suffix, field in (("_MODEL", "model"), ("_KEY", "api_key")):
                if env.get(head + upper + suffix):
                    spec[field] = env[head + upper + suffix]
            out[upper.lower().replace("_", "-")] = spec
    return out


def child_environment(**overrides: str) -> dict[str, str]:
    """The environment for a child process (Xvfb, Chromium, Tesseract, ffmpeg): ours,
    with ``overrides`` applied. Children inherit it; Mantis code never reads from it."""
    return {**os.environ, **overrides}


def process_environment() -> dict[str, str]:
    """A copy of the environment, for the one lookup that is dynamic by design: a
    tenant's secret named by ``anthropic_secret_name`` / ``webhook_secret_name`` that
    is not in ``MANTIS_SECRETS_DIR`` falls back to the variable of that name."""
    return dict(os.environ)
