"""Hand-over phrases in intents become an explicit ``request_user_input`` step.

A decomposed plan may say, inside one step, "ask the user for the verification
code and wait for the answer, then type it into the Code field". The runner
can only pause at a ``request_user_input`` step, so such a step is split into::

    {"type": "request_user_input", "params": {"prompt": "Please provide the verification code."}}
    {"type": "type_text", "intent": "type {{user_input}} into the Code field",
     "params": {"text": "{{user_input}}"}}

The second step keeps the original type; "it", "that", "the answer" and the
asked-for thing itself in the rest of the sentence become ``{{user_input}}``
(appended as ``using "{{user_input}}"`` when none is there). ``type_text`` /
``fill_field`` get it as their text / value when they had none. Steps already
of type ``request_user_input``, or directly after one, are left alone (the
decomposer did the split itself). Only top-level steps are rewritten; jump
targets (``loop_target``, ``then_target``, ``else_target``) are remapped.
"""

from __future__ import annotations

import re

import msgspec

from mantis.plans import MicroPlan, Step, StepParams

_PHRASE = re.compile(
    r"^(?P<pre>.*?)\b(?:ask|prompt)\s+the\s+user\s+"
    r"(?:for|to\s+(?:provide|enter|give(?:\s+you)?|type))\s+(?P<what>.+?)"
    r"(?:\s*,?\s*and\s+wait(?:\s+for\s+(?:the|their|his|her|an?)\s+"
    r"(?:answer|reply|response|input))?)?"
    r"\s*(?:[,;.]\s*|\s+)?(?:(?:and\s+)?then\s+(?P<rest>.+?))?\s*[.]?\s*$",
    re.IGNORECASE | re.DOTALL,
)
_PRONOUN = re.compile(
    r"\b(?:it|that|this|the\s+answer|their\s+answer|the\s+reply)\b", re.IGNORECASE
)
_DETERMINER = re.compile(r"^(?:the|their|your|his|her|an?)\s+", re.IGNORECASE)
_YOUR = re.compile(r"^(?:their|his|her)\s+", re.IGNORECASE)
PLACEHOLDER = "{{user_input}}"


def _split(step: Step) -> list[Step] | None:
    m = _PHRASE.match(step.intent or "")
    if m is None:
        return None
    what = m["what"].strip().rstrip(".,;")
    ask = Step(
        type="request_user_input",
        intent=f"Ask the user for {what}",
        section=step.section,
        params=StepParams(prompt=f"Please provide {_YOUR.sub('your ', what, count=1)}."),
    )
    rest = (m["rest"] or "").strip()
    if not rest:
        return [ask]
    core = _DETERMINER.sub("", what)
    rest = re.sub(re.escape(core), PLACEHOLDER, rest, flags=re.IGNORECASE)
    if PLACEHOLDER not in rest:
        rest = _PRONOUN.sub(PLACEHOLDER, rest, count=1)
    if PLACEHOLDER not in rest:
        rest = f'{rest} using "{PLACEHOLDER}"'
    params = step.params
    if step.type == "type_text" and not params.text:
        params = msgspec.structs.replace(params, text=PLACEHOLDER)
    elif step.type == "fill_field" and not params.value:
        params = msgspec.structs.replace(params, value=PLACEHOLDER)
    return [ask, msgspec.structs.replace(step, intent=rest, params=params)]


def _remap(step: Step, starts: list[int]) -> Step:
    changes = {}
    for name in ("loop_target", "then_target", "else_target"):
        target = getattr(step, name)
        if target is not None and 0 <= target < len(starts):
            changes[name] = starts[target]
    return msgspec.structs.replace(step, **changes) if changes else step


def split_handovers(plan: MicroPlan) -> MicroPlan:
    """The plan with hand-over phrases split out (the same plan object when there are none)."""
    pieces: list[list[Step]] = []
    for i, step in enumerate(plan.steps):
        before = plan.steps[i - 1] if i else None
        skip = step.type == "request_user_input" or (
            before is not None and before.type == "request_user_input"
        )
        pieces.append((None if skip else _split(step)) or [step])
    if all(len(p) == 1 and p[0] is s for p, s in zip(pieces, plan.steps, strict=True)):
        return plan
    starts, pos = [], 0
    for piece in pieces:
        starts.append(pos)
        pos += len(piece)
    starts.append(pos)  # one past the end stays one past the end
    # A jump to a split step lands on its question, so the answer is asked again.
    steps = [_remap(s, starts) for piece in pieces for s in piece]
    return msgspec.structs.replace(plan, steps=steps)
