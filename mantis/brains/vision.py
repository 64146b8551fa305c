"""``VisionBrain``: one screenshot-to-action loop for every open-weights model family.

A family (Holo3, Gemma-4 CUA, Fara, OpenCUA/EvoCUA, a generic endpoint) says
what size of image its model expects, how it writes coordinates, how to phrase
the request and how to parse the answer. The brain resizes and encodes the
newest frame off the event loop, sends the request to a ``ChatEngine``, and maps
the parsed draft back to screen pixels. Model mistakes become an ``Inference``
without an action; only an unreachable engine raises (``UpstreamError``).
"""

from __future__ import annotations

import base64
import time
from collections.abc import Callable, Sequence
from typing import Any, Protocol

import anyio
import msgspec

from mantis.brains.actions import Action
from mantis.brains.base import Inference
from mantis.brains.draft import Draft, ParseFailure, realize
from mantis.brains.engine import ChatEngine, ChatReply, ChatRequest
from mantis.brains.geometry import ModelSpace
from mantis.gym.base import ImageFormat, Screenshot

CostFn = Callable[[ChatReply], float]


class Family(Protocol):
    name: str

    def space(self, screen: tuple[int, int]) -> ModelSpace:
        """The model's coordinate space for a screen of this size (``space.image`` is sent)."""
        ...

    def messages(
        self, image_url: str, task: str, history: Sequence[Action], space: ModelSpace
    ) -> list[dict[str, Any]]: ...

    def tools(self, space: ModelSpace) -> list[dict[str, Any]] | None: ...

    def parse(self, reply: ChatReply) -> Draft:
        """The action in the reply, in model space; raises ``ParseFailure``."""
        ...


def prepare_image(frame: Screenshot, size: tuple[int, int], fmt: ImageFormat = "png") -> bytes:
    """``frame`` resized to ``size`` and encoded (blocking: call it in a thread)."""
    if (frame.width, frame.height) == size:
        return frame.encode(fmt)
    from PIL import Image

    img = frame.image().resize(size, Image.Resampling.BICUBIC)
    return Screenshot.from_image(img).encode(fmt)


def data_url(image: bytes, fmt: ImageFormat = "png") -> str:
    return f"data:image/{fmt};base64,{base64.b64encode(image).decode()}"


def describe(action: Action) -> str:
    """A one-line, model-readable account of a past action."""
    fields = msgspec.structs.asdict(action)
    fields.pop("reasoning", None)
    args = ", ".join(f"{k}={v!r}" for k, v in fields.items() if v is not None)
    return f"{type(action).__name__.lower()}({args})"


def history_text(history: Sequence[Action], limit: int = 10) -> str:
    if not history:
        return "No actions yet."
    recent = list(history)[-limit:]
    skipped = len(history) - len(recent)
    lines = [f"({skipped} earlier actions omitted)"] if skipped else []
    start = skipped + 1
    lines += [f"{i}. {describe(a)}" for i, a in enumerate(recent, start)]
    return "\n".join(lines)


def reasoning_of(text: str) -> str:
    """The model's prose before its action, trimmed for the event log."""
    for marker in ("<tool_call>", "```", "Action:", "## Action", "## Code"):
        cut = text.find(marker)
        if cut > 0:
            text = text[:cut]
    text = text.replace("Thought:", "").replace("## Thought", "").strip(" :\n")
    return text[:800]


class VisionBrain:
    """A ``Brain`` made of a model family and a chat engine."""

    def __init__(
        self,
        name: str,
        family: Family,
        engine: ChatEngine,
        *,
        cost: CostFn | None = None,
        max_tokens: int = 512,
        image_format: ImageFormat = "png",
    ) -> None:
        self.name = name
        self.family = family
        self.engine = engine
        self._cost = cost or (lambda reply: 0.0)
        self._max_tokens = max_tokens
        self._fmt: ImageFormat = image_format

    async def build_request(
        self, frame: Screenshot, task: str, history: Sequence[Action], screen: tuple[int, int]
    ) -> tuple[ChatRequest, ModelSpace]:
        space = self.family.space(screen)
        image = await anyio.to_thread.run_sync(prepare_image, frame, space.image, self._fmt)
        messages = self.family.messages(data_url(image, self._fmt), task, history, space)
        request = ChatRequest(
            messages=messages, tools=self.family.tools(space), max_tokens=self._max_tokens
        )
        return request, space

    async def think(
        self,
        frames: Sequence[Screenshot],
        task: str,
        history: Sequence[Action],
        screen: tuple[int, int],
    ) -> Inference:
        started = time.perf_counter()
        if not frames:
            return Inference(action=None, error="no screenshot to look at")
        request, space = await self.build_request(frames[-1], task, history, screen)
        reply = await self.engine.complete(request)
        latency = time.perf_counter() - started
        cost = self._cost(reply)
        reasoning = reasoning_of(reply.text)
        try:
            draft = self.family.parse(reply)
            if not draft.reasoning:
                draft.reasoning = reasoning
            action = realize(draft, space)
        except ParseFailure as exc:
            return Inference(
                action=None,
                reasoning=reasoning,
                usage=reply.usage,
                cost_usd=cost,
                latency_s=latency,
                raw=reply.text,
                error=str(exc),
            )
        return Inference(
            action=action,
            reasoning=action.reasoning or reasoning,
            usage=reply.usage,
            cost_usd=cost,
            latency_s=latency,
            raw=reply.text,
        )
