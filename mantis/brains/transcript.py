"""Claude's conversation, rebuilt from the run's history at every step, bounded in size.

The brain is stateless: each ``think`` rebuilds the Messages API conversation
from ``history`` and ``frames``. Only the last ``keep_turns`` actions appear as
tool_use / tool_result pairs and only the last ``keep_frames`` results carry a
screenshot; everything older is one text summary. So the input tokens of a step
stay flat however long the run gets.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from typing import Any

from mantis.brains.actions import Action
from mantis.brains.claude_actions import to_tool_input
from mantis.brains.geometry import ModelSpace
from mantis.brains.vision import describe

_SUMMARY_LINES = 10


def image_block(jpeg_or_png: bytes, media_type: str) -> dict[str, Any]:
    return {
        "type": "image",
        "source": {
            "type": "base64",
            "media_type": media_type,
            "data": base64.b64encode(jpeg_or_png).decode(),
        },
    }


def build_messages(
    task: str,
    history: Sequence[Action],
    images: Sequence[dict[str, Any]],
    space: ModelSpace,
    *,
    keep_turns: int,
) -> list[dict[str, Any]]:
    """Messages for one step. ``images`` are image blocks, oldest first, the newest
    being the current screen; they attach to the most recent tool results."""
    window = list(history)[-keep_turns:] if keep_turns > 0 else []
    older = list(history)[: len(history) - len(window)]
    intro = f"Task: {task}"
    if older:
        # Only the latest few are listed so the summary, too, stays a fixed size.
        shown = older[-_SUMMARY_LINES:]
        first = len(older) - len(shown) + 1
        lines = "\n".join(f"{i}. {describe(a)}" for i, a in enumerate(shown, first))
        intro += f"\n\nEarlier actions ({len(older)}, screenshots omitted; latest listed):\n{lines}"
    if not window:
        return [{"role": "user", "content": [{"type": "text", "text": intro}, *images[-1:]]}]
    messages: list[dict[str, Any]] = [
        {"role": "user", "content": [{"type": "text", "text": intro}]}
    ]
    # images[-1] belongs to the last action's result, images[-2] to the one before, …
    by_turn = {len(window) - 1 - i: img for i, img in enumerate(reversed(images))}
    notes: list[str] = []
    for i, action in enumerate(window):
        tool_input = to_tool_input(action, space)
        image = by_turn.get(i)
        if tool_input is None:
            notes.append(f"Then: {describe(action)}")
            if image is not None or i == len(window) - 1:
                _append_user(
                    messages,
                    [{"type": "text", "text": "\n".join(notes)}, *([image] if image else [])],
                )
                notes = []
            continue
        use_id = f"toolu_{i:04d}"
        messages.append(
            {
                "role": "assistant",
                "content": [
                    {"type": "tool_use", "id": use_id, "name": "computer", "input": tool_input}
                ],
            }
        )
        content: list[dict[str, Any]] = [image] if image else [{"type": "text", "text": "done"}]
        blocks: list[dict[str, Any]] = [
            {"type": "tool_result", "tool_use_id": use_id, "content": content}
        ]
        if notes:
            blocks.append({"type": "text", "text": "\n".join(notes)})
            notes = []
        messages.append({"role": "user", "content": blocks})
    return messages


def _append_user(messages: list[dict[str, Any]], blocks: list[dict[str, Any]]) -> None:
    if messages and messages[-1]["role"] == "user":
        messages[-1]["content"].extend(blocks)
    else:
        messages.append({"role": "user", "content": blocks})
