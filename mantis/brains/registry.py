"""Which brains exist, where each would run, whether it can run here, and ``get_brain``.

``ModelRegistry(settings).statuses()`` answers ``/v1/models`` and ``mantis
doctor``: every brain with ``ready``, ``placement`` and, when not ready, the
exact reason (missing file, no GPU, no key, engine not installed).
``get_brain(name, settings)`` builds a ready brain or raises ``UnknownModel``
(400) / ``ModelNotReady`` (503). In-process engines are built once per process
and shared by every brain that uses them.
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Callable
from typing import Literal

import msgspec

from mantis.brains.base import Brain
from mantis.brains.engine import ChatEngine, Placement
from mantis.brains.errors import ModelNotReady, UnknownModel
from mantis.brains.vision import Family
from mantis.config import EndpointSpec, Settings

Engine = Literal["none", "anthropic", "llama", "vllm", "endpoint"]

GGUF_BRAINS = ("holo3", "gemma4-cua")
VLLM_BRAINS = ("fara", "opencua-32b", "opencua-72b", "evocua-8b", "evocua-32b")
KNOWN = ("mock", "claude", *GGUF_BRAINS, *VLLM_BRAINS)

_SHARED_ENGINES: dict[tuple[object, ...], ChatEngine] = {}


class ModelStatus(msgspec.Struct, frozen=True, kw_only=True):
    id: str
    ready: bool
    placement: Placement
    engine: Engine
    reason: str | None = None


def has_gpu() -> bool:
    return os.path.exists("/dev/nvidia0") or os.path.exists("/dev/nvidiactl")


def _installed(module: str) -> bool:
    return importlib.util.find_spec(module) is not None


class ModelRegistry:
    def __init__(self, settings: Settings, *, gpu: Callable[[], bool] = has_gpu) -> None:
        self.settings = settings
        self._gpu = gpu

    def names(self) -> list[str]:
        return [*KNOWN, *(f"endpoint:{n}" for n in sorted(self.settings.endpoints))]

    def endpoint_for(self, name: str) -> EndpointSpec | None:
        key = name.removeprefix("endpoint:")
        if name.startswith("endpoint:") or name in GGUF_BRAINS or name in VLLM_BRAINS:
            return self.settings.endpoints.get(key)
        return None

    def status(self, name: str) -> ModelStatus:
        if name not in self.names():
            raise UnknownModel(name, self.names())
        s = self.settings
        if name == "mock":
            return ModelStatus(id=name, ready=True, placement="local", engine="none")
        if name == "claude":
            reason = None
            if not _installed("anthropic"):
                reason = "engine not installed: pip install 'mantis[anthropic]'"
            elif not s.anthropic_api_key:
                reason = "no key: set ANTHROPIC_API_KEY (or a tenant anthropic_secret_name)"
            return ModelStatus(
                id=name,
                ready=reason is None,
                placement="endpoint",
                engine="anthropic",
                reason=reason,
            )
        if self.endpoint_for(name) is not None:
            return ModelStatus(id=name, ready=True, placement="endpoint", engine="endpoint")
        if name.startswith("endpoint:"):
            raise UnknownModel(name, self.names())
        if name in GGUF_BRAINS:
            return self._gguf_status(name)
        return self._vllm_status(name)

    def statuses(self) -> list[ModelStatus]:
        return [self.status(n) for n in self.names()]

    def _gguf_status(self, name: str) -> ModelStatus:
        model, mmproj = _gguf_paths(name, self.settings)
        var = "MANTIS_HOLO3" if name == "holo3" else "MANTIS_GEMMA4"
        reason = None
        if model is None:
            reason = f"missing file: set {var}_GGUF (or MANTIS_ENDPOINT_{_env(name)}_URL)"
        elif not os.path.isfile(model):
            reason = f"missing file: {var}_GGUF={model} does not exist"
        elif mmproj is None or not os.path.isfile(mmproj):
            reason = f"missing file: {var}_MMPROJ={mmproj or '(unset)'}"
        elif not _installed("llama_cpp"):
            reason = "engine not installed: pip install 'mantis[llama]'"
        elif self.settings.llama_n_gpu_layers != 0 and not self._gpu():
            reason = "no GPU: set MANTIS_LLAMA_N_GPU_LAYERS=0 to run on the CPU (slow)"
        return ModelStatus(
            id=name, ready=reason is None, placement="local", engine="llama", reason=reason
        )

    def _vllm_status(self, name: str) -> ModelStatus:
        path = _model_dir(name, self.settings)
        var = f"MANTIS_{_env(name)}_MODEL_DIR"
        reason = None
        if path is None:
            reason = f"missing file: set {var} (or MANTIS_ENDPOINT_{_env(name)}_URL)"
        elif not os.path.isdir(path):
            reason = f"missing file: {var}={path} is not a directory"
        elif not _installed("vllm"):
            reason = "engine not installed: pip install 'mantis[vllm]'"
        elif not self._gpu():
            reason = "no GPU: vLLM needs a CUDA device"
        return ModelStatus(
            id=name, ready=reason is None, placement="local", engine="vllm", reason=reason
        )

    def engine(self, name: str) -> ChatEngine:
        """The chat engine behind a ready open-weights brain or endpoint (shared per process)."""
        status = self.status(name)
        if not status.ready:
            raise ModelNotReady(name, status.reason or "not ready")
        s = self.settings
        spec = self.endpoint_for(name)
        if spec is not None:
            from mantis.brains.endpoint import EndpointEngine

            return EndpointEngine(spec.url, model=spec.model, api_key=spec.api_key)
        if status.engine == "llama":
            from mantis.brains.llama import LlamaEngine

            model, mmproj = _gguf_paths(name, s)
            assert model is not None
            key: tuple[object, ...] = ("llama", model, mmproj, s.llama_n_gpu_layers, s.llama_n_ctx)
            if key not in _SHARED_ENGINES:
                _SHARED_ENGINES[key] = LlamaEngine(
                    model, mmproj_path=mmproj, n_gpu_layers=s.llama_n_gpu_layers,
                    n_ctx=s.llama_n_ctx, concurrency=s.engine_concurrency,
                )  # fmt: skip
            return _SHARED_ENGINES[key]
        if status.engine == "vllm":
            from mantis.brains.vllm import VllmEngine

            path = _model_dir(name, s)
            assert path is not None
            key = ("vllm", path, s.vllm_tensor_parallel_size)
            if key not in _SHARED_ENGINES:
                _SHARED_ENGINES[key] = VllmEngine(
                    path, tensor_parallel_size=s.vllm_tensor_parallel_size,
                    gpu_memory_utilization=s.vllm_gpu_memory_utilization,
                    concurrency=s.engine_concurrency,
                )  # fmt: skip
            return _SHARED_ENGINES[key]
        raise ModelNotReady(name, f"{name} is not served through a chat engine")


def family_for(name: str, settings: Settings) -> Family:
    from mantis.brains.fara import Fara
    from mantis.brains.gemma4 import Gemma4
    from mantis.brains.generic import Generic
    from mantis.brains.holo3 import Holo3
    from mantis.brains.opencua import OpenCUA, evocua

    if name == "holo3":
        return Holo3(settings.holo3_units)
    if name == "gemma4-cua":
        return Gemma4()
    if name == "fara":
        return Fara()
    if name.startswith("opencua"):
        return OpenCUA(name)
    if name.startswith("evocua"):
        return evocua(name)
    return Generic(name)


def get_brain(
    name: str,
    settings: Settings,
    *,
    api_key: str | None = None,
    registry: ModelRegistry | None = None,
) -> Brain:
    """A ready brain called ``name``. ``api_key`` is the tenant's Anthropic key, if any.

    Raises ``UnknownModel`` (400, listing valid names) or ``ModelNotReady`` (503, with the reason).
    """
    from mantis.brains.pricing import claude_cost, gpu_cost

    if name == "claude" and api_key:
        settings = msgspec.structs.replace(settings, anthropic_api_key=api_key)
    registry = registry or ModelRegistry(settings)
    status = registry.status(name)
    if not status.ready:
        raise ModelNotReady(name, status.reason or "not ready")
    if name == "mock":
        from mantis.brains.mock import MockBrain

        return MockBrain()
    if name == "claude":
        from mantis.brains.claude import ClaudeBrain, anthropic_client

        assert settings.anthropic_api_key is not None
        client = anthropic_client(
            settings.anthropic_api_key,
            base_url=settings.anthropic_base_url,
            max_retries=settings.claude_max_retries,
        )
        return ClaudeBrain(
            client,
            model=settings.claude_model,
            cost=lambda usage: claude_cost(usage, settings),
            keep_frames=settings.claude_keep_frames,
            keep_turns=settings.claude_keep_turns,
        )
    from mantis.brains.vision import VisionBrain

    engine = registry.engine(name)
    placement = engine.placement
    return VisionBrain(
        name,
        family_for(name, settings),
        engine,
        cost=lambda reply: gpu_cost(reply.engine_s, placement, settings),
    )


def _env(name: str) -> str:
    return name.upper().replace("-", "_")


def _gguf_paths(name: str, s: Settings) -> tuple[str | None, str | None]:
    if name == "holo3":
        return s.holo3_gguf, s.holo3_mmproj
    return s.gemma4_gguf, s.gemma4_mmproj


def _model_dir(name: str, s: Settings) -> str | None:
    value = getattr(s, f"{name.replace('-', '_')}_model_dir", None)
    return value if isinstance(value, str) else None
