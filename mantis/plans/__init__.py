"""Plans: the model every plan shape is decoded into, and the loader that checks it.

``load_plan`` is the entry point: shape detection, decoding with unknown keys
kept in ``extra``, ``{{var}}`` filling, semantic validation, caps and the
signature. Errors are :class:`mantis.errors.PlanError` with the field's path.
"""

from mantis.plans.caps import PlanCaps
from mantis.plans.issues import PlanIssue
from mantis.plans.load import dump_plan, load_plan, validate_plan
from mantis.plans.model import (
    STEP_TYPES,
    VERIFY_TYPES,
    ExtractField,
    ExtractSpec,
    Hints,
    LoadedPlan,
    MicroPlan,
    Plan,
    Runtime,
    Step,
    StepParams,
    Task,
    TaskSuite,
    TaskVerify,
    TextPlan,
)
from mantis.plans.schema import plan_json_schema
from mantis.plans.signature import plan_signature
from mantis.plans.variables import USER_INPUT, fill_user_input, substitute

__all__ = [
    "STEP_TYPES",
    "USER_INPUT",
    "VERIFY_TYPES",
    "ExtractField",
    "ExtractSpec",
    "Hints",
    "LoadedPlan",
    "MicroPlan",
    "Plan",
    "PlanCaps",
    "PlanIssue",
    "Runtime",
    "Step",
    "StepParams",
    "Task",
    "TaskSuite",
    "TaskVerify",
    "TextPlan",
    "dump_plan",
    "fill_user_input",
    "load_plan",
    "plan_json_schema",
    "plan_signature",
    "substitute",
    "validate_plan",
]
