"""``ClaudeDecomposer``: plain English → micro-plan, with the plan schema as Claude's tool.

Claude is forced to call ``submit_plan``, whose input schema is the micro-plan
schema (:func:`decomposition.micro_plan_schema`). The answer must pass
:func:`decomposition.check_answer` (our validator plus the hand-over rule); if
it does not, the validator's errors go back as the tool's error result and
Claude gets one more try. Both calls are metered in ``claude_decompose``.
"""

from __future__ import annotations

from typing import Any

from mantis.brains.providers.claude_common import ClaudeTool
from mantis.brains.providers.decomposition import (
    RULES,
    check_answer,
    feedback,
    give_up,
    micro_plan_schema,
)
from mantis.plans import LoadedPlan


class ClaudeDecomposer(ClaudeTool):
    bucket = "claude_decompose"

    def __init__(self, client: Any, *, model: str, max_tokens: int = 4096, **kw: Any) -> None:
        super().__init__(client, model=model, max_tokens=max_tokens, **kw)
        self._schema = micro_plan_schema()

    async def decompose(self, text: str) -> LoadedPlan:
        messages: list[dict[str, Any]] = [
            {"role": "user", "content": [{"type": "text", "text": f"Task:\n{text.strip()}"}]}
        ]
        problems: list[str] = []
        for attempt in range(2):
            answer, reply_text, response = await self.ask(
                system=RULES,
                messages=messages,
                tool="submit_plan",
                description="Submit the micro-plan for the task.",
                schema=self._schema,
            )
            loaded, problems = check_answer(text, answer)
            if loaded is not None:
                return loaded
            if attempt == 1:
                break
            messages = [*messages, *_retry_turns(response, reply_text, problems)]
        raise give_up(problems)


def _retry_turns(response: Any, reply_text: str, problems: list[str]) -> list[dict[str, Any]]:
    """The assistant's answer and a user turn carrying the validator's errors."""
    use = next((b for b in response.content if b.type == "tool_use"), None)
    if use is None:
        said = reply_text or "(no plan)"
        return [
            {"role": "assistant", "content": [{"type": "text", "text": said}]},
            {"role": "user", "content": [{"type": "text", "text": feedback(problems)}]},
        ]
    content: list[dict[str, Any]] = []
    if reply_text:
        content.append({"type": "text", "text": reply_text})
    content.append({"type": "tool_use", "id": use.id, "name": use.name, "input": use.input})
    return [
        {"role": "assistant", "content": content},
        {
            "role": "user",
            "content": [
                {
                    "type": "tool_result",
                    "tool_use_id": use.id,
                    "is_error": True,
                    "content": feedback(problems),
                }
            ],
        },
    ]
