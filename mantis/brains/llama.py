"""``LlamaEngine``: a GGUF model in this process through llama-cpp-python.

The model (and its multimodal projector, for vision models) is loaded once, on
first use, in a worker thread, and shared by every run with a concurrency
limit; inference runs in a thread so the event loop never blocks. One
llama.cpp context cannot decode two requests at once (it aborts the process),
so calls on the same model are serialised whatever the concurrency. A JSON
schema in the request constrains decoding to schema-valid JSON.
"""

from __future__ import annotations

import threading
import time
from typing import Any

import anyio

from mantis.brains.base import Usage
from mantis.brains.engine import ChatReply, ChatRequest, Placement
from mantis.errors import ConfigError, missing_extra


def import_llama() -> Any:
    try:
        import llama_cpp
    except ImportError:
        raise missing_extra("llama-cpp-python", "llama") from None
    return llama_cpp


class LlamaEngine:
    placement: Placement = "local"

    def __init__(
        self,
        model_path: str,
        *,
        mmproj_path: str | None = None,
        n_gpu_layers: int = -1,
        n_ctx: int = 8192,
        concurrency: int = 1,
        chat_format: str | None = None,
    ) -> None:
        self.model_path = model_path
        self.mmproj_path = mmproj_path
        self.n_gpu_layers = n_gpu_layers
        self.n_ctx = n_ctx
        self.chat_format = chat_format
        self._limiter = anyio.CapacityLimiter(max(1, concurrency))
        self._load_lock = threading.Lock()
        self._run_lock = threading.Lock()  # one decode at a time per llama.cpp context
        self._llm: Any = None
        self.load_s = 0.0

    def _chat_handler(self, llama_cpp: Any) -> Any:
        if self.mmproj_path is None:
            return None
        from llama_cpp import llama_chat_format as formats

        # Qwen2.5-VL's handler speaks the Qwen-VL image template; older builds only have LLaVA's.
        for name in ("Qwen25VLChatHandler", "Llava15ChatHandler"):
            handler = getattr(formats, name, None)
            if handler is not None:
                return handler(clip_model_path=self.mmproj_path, verbose=False)
        raise ConfigError("llama-cpp-python has no multimodal chat handler; upgrade it")

    def load(self) -> Any:
        """The loaded model (blocking; loads on the first call only)."""
        with self._load_lock:
            if self._llm is None:
                llama_cpp = import_llama()
                started = time.perf_counter()
                self._llm = llama_cpp.Llama(
                    model_path=self.model_path,
                    chat_handler=self._chat_handler(llama_cpp),
                    chat_format=self.chat_format,
                    n_gpu_layers=self.n_gpu_layers,
                    n_ctx=self.n_ctx,
                    verbose=False,
                )
                self.load_s = time.perf_counter() - started
            return self._llm

    def _complete(self, request: ChatRequest) -> ChatReply:
        llm = self.load()
        started = time.perf_counter()
        kwargs: dict[str, Any] = {
            "messages": request.messages,
            "max_tokens": request.max_tokens,
            "temperature": request.temperature,
        }
        if request.json_schema is not None:
            kwargs["response_format"] = {"type": "json_object", "schema": request.json_schema}
        with self._run_lock:
            out = llm.create_chat_completion(**kwargs)
        message = out["choices"][0]["message"]
        usage = out.get("usage") or {}
        return ChatReply(
            text=message.get("content") or "",
            usage=Usage(
                input_tokens=usage.get("prompt_tokens", 0),
                output_tokens=usage.get("completion_tokens", 0),
            ),
            engine_s=time.perf_counter() - started,
        )

    async def complete(self, request: ChatRequest) -> ChatReply:
        async with self._limiter:
            return await anyio.to_thread.run_sync(self._complete, request)
