"""Providers backed by a local GGUF text model (``MANTIS_LOCAL_LLM``), no network.

``LocalDecomposer``: plain English → micro-plan with the plan schema as the
decoding constraint, checked by :func:`decomposition.check_answer`, one retry
with the problems listed (as the Claude decomposer does).

``LocalLLMExtractor``: OCR the region with Tesseract, then ask the model to
fill the rows from the text, constrained by the same schema the Claude
extractor uses; rows are shaped the same way (every field, in order, typed).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from mantis.brains.local_llm import JsonReply, LocalLLM
from mantis.brains.providers.base import FieldSpec, Region
from mantis.brains.providers.claude_extraction import shape_rows, tool_schema
from mantis.brains.providers.decomposition import (
    RULES,
    check_answer,
    feedback,
    give_up,
    micro_plan_schema,
)
from mantis.brains.providers.ocr import Tesseract
from mantis.plans import LoadedPlan

if TYPE_CHECKING:
    from mantis.gym.base import Screenshot

OnReply = Callable[[str, JsonReply], None]  # (bucket, reply): engine time for the gpu bucket


class LocalDecomposer:
    def __init__(self, llm: LocalLLM, *, on_reply: OnReply | None = None, max_tokens: int = 2048):
        self.llm = llm
        self.on_reply = on_reply
        self.max_tokens = max_tokens
        self._schema = micro_plan_schema()

    async def decompose(self, text: str) -> LoadedPlan:
        system = RULES.replace(
            "Answer only through the submit_plan tool, whose", "Answer with JSON whose"
        )
        prompt = f"Task:\n{text.strip()}"
        problems: list[str] = []
        for attempt in range(2):
            reply = await self.llm.complete_json(
                prompt, self._schema, system=system, max_tokens=self.max_tokens
            )
            if self.on_reply is not None:
                self.on_reply("local_decompose", reply)
            if reply.error is not None:
                problems = [reply.error]
            else:
                loaded, problems = check_answer(text, reply.value)
                if loaded is not None:
                    return loaded
            if attempt == 0:
                prompt = f"{prompt}\n\nYour previous answer:\n{reply.text}\n\n{feedback(problems)}"
        raise give_up(problems)


class LocalLLMExtractor:
    def __init__(
        self,
        llm: LocalLLM,
        tesseract_path: str = "tesseract",
        *,
        ocr: Tesseract | None = None,
        on_reply: OnReply | None = None,
    ) -> None:
        self.llm = llm
        self.ocr = ocr or Tesseract(tesseract_path)
        self.on_reply = on_reply

    async def extract(
        self,
        shot: Screenshot,
        fields: list[FieldSpec],
        *,
        max_items: int = 1,
        region: Region | None = None,
    ) -> list[dict[str, Any]]:
        if not fields or max_items < 1:
            return []
        ocr = await self.ocr.read(shot, region=region)
        if not ocr.text.strip():
            return []
        names = ", ".join(f"{f.name} ({f.type})" for f in fields)
        prompt = (
            f"Text read off a web page, one line per row:\n{ocr.text}\n\n"
            f"Extract up to {max_items} item(s) with {names}. Use null for a value not in the text."
        )
        reply = await self.llm.complete_json(prompt, tool_schema(fields, max_items))
        if self.on_reply is not None:
            self.on_reply("local_extract", reply)
        return [] if reply.error else shape_rows(reply.value, fields, max_items)
