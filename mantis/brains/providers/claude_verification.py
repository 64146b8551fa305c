"""``ClaudeVerifier``: does a condition hold on the screen? Claude answers yes/no with a reason.

``check`` sends the region (the whole screen when none is given) and the
condition, and forces the ``verdict`` tool: ``{"holds": bool, "reason": str}``.
A reply without a verdict counts as "does not hold", with the reason saying so.
``text_visible`` asks a :class:`ClaudeGrounder` (sharing the client and meter)
for the quoted text, so a visible text also comes back with where it is.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mantis.brains.providers.base import Grounding, Region
from mantis.brains.providers.claude_common import ClaudeTool, crop, image_block
from mantis.brains.providers.claude_grounding import ClaudeGrounder

if TYPE_CHECKING:
    from mantis.gym.base import Screenshot

SYSTEM = (
    "You check conditions on screenshots of a web browser. Judge only from what is "
    "visible in the image; if the evidence is not visible, the condition does not hold. "
    "Answer only through the verdict tool with holds (true or false) and a one-line "
    "reason that names what you saw."
)

VERDICT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "holds": {"type": "boolean", "description": "Whether the condition holds."},
        "reason": {"type": "string", "description": "One line: the evidence seen, or missing."},
    },
    "required": ["holds", "reason"],
}


class ClaudeVerifier(ClaudeTool):
    bucket = "claude_verify"

    def __init__(
        self, client: Any, *, model: str, grounder: ClaudeGrounder | None = None, **kw: Any
    ):
        super().__init__(client, model=model, **kw)
        self.grounder = grounder or ClaudeGrounder(
            client, model=model, cost=self._cost, on_call=self.on_call
        )

    async def check(
        self, shot: Screenshot, condition: str, *, region: Region | None = None
    ) -> tuple[bool, str]:
        image = await crop(shot, region)
        answer, text, _ = await self.ask(
            system=SYSTEM,
            messages=[
                {
                    "role": "user",
                    "content": [
                        image_block(image.png),
                        {"type": "text", "text": f"Condition: {condition}"},
                    ],
                }
            ],
            tool="verdict",
            description="Report whether the condition holds on the screen, and why.",
            schema=VERDICT_SCHEMA,
        )
        if answer is None or not isinstance(answer.get("holds"), bool):
            why = f": {text}" if text else ""
            return (False, f"Claude gave no verdict{why}")
        reason = " ".join(str(answer.get("reason") or "").split()) or "no reason given"
        return (answer["holds"], reason)

    async def text_visible(
        self, shot: Screenshot, text: str, *, region: Region | None = None
    ) -> Grounding | None:
        return await self.grounder.locate(shot, f'the text "{text}"', role="text", region=region)
