"""``VllmEngine``: a Hugging Face checkpoint in this process through vLLM's async engine.

Built once per process (tensor-parallel size and memory share from settings),
shared by runs with a concurrency limit. Exercised only on a GPU machine
(``bench/gpu_check.py``); nothing else depends on it.
"""

from __future__ import annotations

import time
import uuid
from typing import Any

import anyio

from mantis.brains.base import Usage
from mantis.brains.engine import ChatReply, ChatRequest, Placement
from mantis.errors import missing_extra


class VllmEngine:
    placement: Placement = "local"

    def __init__(
        self,
        model_dir: str,
        *,
        tensor_parallel_size: int = 1,
        gpu_memory_utilization: float = 0.9,
        max_model_len: int = 16384,
        concurrency: int = 4,
    ) -> None:
        self.model_dir = model_dir
        self.tensor_parallel_size = tensor_parallel_size
        self.gpu_memory_utilization = gpu_memory_utilization
        self.max_model_len = max_model_len
        self._limiter = anyio.CapacityLimiter(max(1, concurrency))
        self._engine: Any = None
        self._lock = anyio.Lock()
        self.load_s = 0.0

    async def engine(self) -> Any:
        async with self._lock:
            if self._engine is None:
                try:
                    from vllm import AsyncEngineArgs, AsyncLLMEngine
                except ImportError:
                    raise missing_extra("vllm", "vllm") from None
                started = time.perf_counter()
                args = AsyncEngineArgs(
                    model=self.model_dir,
                    tensor_parallel_size=self.tensor_parallel_size,
                    gpu_memory_utilization=self.gpu_memory_utilization,
                    max_model_len=self.max_model_len,
                    limit_mm_per_prompt={"image": 2},
                )
                self._engine = AsyncLLMEngine.from_engine_args(args)
                self.load_s = time.perf_counter() - started
            return self._engine

    async def complete(self, request: ChatRequest) -> ChatReply:
        from vllm import SamplingParams

        engine = await self.engine()
        tokenizer = await engine.get_tokenizer()
        prompt, images = _prompt(tokenizer, request.messages)
        params = SamplingParams(max_tokens=request.max_tokens, temperature=request.temperature)
        started = time.perf_counter()
        final: Any = None
        async with self._limiter:
            inputs: dict[str, Any] = {"prompt": prompt}
            if images:
                inputs["multi_modal_data"] = {"image": images}
            async for out in engine.generate(inputs, params, request_id=uuid.uuid4().hex):
                final = out
        text = final.outputs[0].text if final is not None else ""
        return ChatReply(
            text=text,
            usage=Usage(
                input_tokens=len(final.prompt_token_ids or []) if final else 0,
                output_tokens=len(final.outputs[0].token_ids) if final else 0,
            ),
            engine_s=time.perf_counter() - started,
        )


def _prompt(tokenizer: Any, messages: list[dict[str, Any]]) -> tuple[str, list[Any]]:
    """The chat-templated prompt and the PIL images of OpenAI-style ``messages``."""
    import base64
    import io

    from PIL import Image

    images: list[Any] = []
    templated: list[dict[str, Any]] = []
    for m in messages:
        content = m["content"]
        if isinstance(content, str):
            templated.append({"role": m["role"], "content": content})
            continue
        parts: list[dict[str, Any]] = []
        for part in content:
            if part["type"] == "image_url":
                data = base64.b64decode(part["image_url"]["url"].split(",", 1)[1])
                images.append(Image.open(io.BytesIO(data)).convert("RGB"))
                parts.append({"type": "image"})
            else:
                parts.append({"type": "text", "text": part["text"]})
        templated.append({"role": m["role"], "content": parts})
    prompt = tokenizer.apply_chat_template(templated, tokenize=False, add_generation_prompt=True)
    return prompt, images
