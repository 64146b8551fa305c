"""Decomposition: plain English → a micro-plan that passes our validator.

What every decomposer (Claude, or a local GGUF model) shares: the rules given
to the model, the JSON Schema its answer must follow (the micro-plan part of
:func:`mantis.plans.plan_json_schema`), and the checks an answer must pass —
:func:`mantis.plans.load_plan`, the shape (a micro-plan, not a task suite),
and the hand-over rule: text that says to ask the user and wait must come out
as a ``request_user_input`` step followed by steps that use ``{{user_input}}``.
A decomposer asks once, and when the answer fails these checks asks once more
with the problems listed; a second failure raises ``PlanError``.
"""

from __future__ import annotations

import re
from typing import Any, Protocol

import msgspec

from mantis.errors import PlanError
from mantis.plans import USER_INPUT, LoadedPlan, MicroPlan, load_plan, plan_json_schema

RULES = """\
You turn a plain-English description of a browser task into a Mantis micro-plan.
Answer only through the submit_plan tool, whose input schema is the plan schema.

Rules:
- Each step does one action; "intent" is one short sentence saying what it does.
- Use the most specific step type: navigate (params.url), click (params.label),
  fill_field (params.label and params.value), submit (params.label), select_option
  (params.dropdown_label, params.option_label), type_text (params.text), key_press
  (params.keys), scroll (params.direction), wait (params.seconds), extract_data /
  extract_rows (extract.fields with name and type), detect_visible (params.text), done.
- Labels are the visible text of the element, exactly as the user wrote it.
- Hand-over to a person: when the text says to ask the user for something and wait
  for the answer, then continue (for example "ask the user for the verification code
  and wait, then type it"), emit a request_user_input step whose params.prompt is the
  question, and write the answer as {{user_input}} in the later steps that use it
  (for example a fill_field with params.value "{{user_input}}"). Never invent the answer.
- Do not use any other {{placeholder}} than {{user_input}}.
- End with a done step when the task has a clear end.
"""

_HANDOVER = re.compile(
    r"\bask(?:s|ing)?\b.{0,40}?\b(?:user|person|human|me)\b.*?\bwait", re.I | re.S
)
_USER_INPUT = re.compile(r"\{\{\s*" + USER_INPUT + r"\s*\}\}")


class Decomposer(Protocol):
    async def decompose(self, text: str) -> LoadedPlan:
        """A validated micro-plan for ``text``; ``PlanError`` when none could be made."""
        ...


def micro_plan_schema() -> dict[str, Any]:
    """The JSON Schema of a wrapped micro-plan (``{"steps": [...], "runtime"?}``) as an object."""
    full = plan_json_schema()
    defs = {k: v for k, v in full["$defs"].items() if k not in ("TaskSuite", "Task", "TaskVerify")}
    micro = defs["MicroPlan"]
    return {
        "type": "object",
        "properties": micro["properties"],
        "required": micro.get("required", ["steps"]),
        "$defs": defs,
    }


def asks_user(text: str) -> bool:
    """Whether ``text`` contains a hand-over phrase (ask the user … and wait …)."""
    return bool(_HANDOVER.search(text))


def _mentions_user_input(step: Any) -> bool:
    return bool(_USER_INPUT.search(msgspec.json.encode(step).decode()))


def handover_problems(text: str, plan: MicroPlan) -> list[str]:
    """Why ``plan`` breaks the hand-over rule for ``text`` (empty when it keeps it)."""
    if not asks_user(text):
        return []
    steps = plan.steps
    asks = [i for i, s in enumerate(steps) if s.type == "request_user_input"]
    if not asks:
        return [
            "the text asks the user for something and waits: add a request_user_input "
            "step with params.prompt before the steps that need the answer"
        ]
    first = asks[0]
    problems = []
    if not (steps[first].params.prompt or "").strip():
        problems.append(f"steps[{first}].params.prompt: the question for the user is missing")
    if not any(_mentions_user_input(s) for s in steps[first + 1 :]):
        problems.append(f"steps after steps[{first}] must use the answer as {{{{{USER_INPUT}}}}}")
    return problems


def check_answer(text: str, answer: Any) -> tuple[LoadedPlan | None, list[str]]:
    """The loaded plan, or the problems to feed back to the model."""
    if not isinstance(answer, dict) or not isinstance(answer.get("steps"), list):
        return None, ['the answer must be an object with a "steps" array']
    try:
        loaded = load_plan(answer)
    except PlanError as exc:
        errors = exc.extra.get("errors") or [{"path": exc.path, "message": exc.reason}]
        return None, [f"{e['path']}: {e['message']}" if e["path"] else e["message"] for e in errors]
    if not isinstance(loaded.plan, MicroPlan):
        return None, ["the answer must be a micro-plan (steps), not a task suite"]
    problems = handover_problems(text, loaded.plan)
    return (None, problems) if problems else (loaded, [])


def feedback(problems: list[str]) -> str:
    listed = "\n".join(f"- {p}" for p in problems)
    return f"That plan is not valid:\n{listed}\nSubmit the corrected plan."


def give_up(problems: list[str]) -> PlanError:
    error = PlanError("plan_text", "could not be decomposed into a valid plan: " + problems[0])
    error.extra["errors"] = [{"path": "plan_text", "message": p} for p in problems]
    return error
