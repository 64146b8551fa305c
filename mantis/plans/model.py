"""The plan model: the ``msgspec`` Structs every plan shape is decoded into.

Structs here describe the *normalised* plan: shorthands (top-level ``url``,
``seconds``, ``wait_for_load``, ``max_steps``) have been folded into ``params``
and ``budget``, hint strings have become lists, and keys the model does not
know sit in ``extra``. Nothing here validates cross-field rules; that is
:mod:`mantis.plans.validate`. Decoding from raw data is :mod:`mantis.plans.decode`.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, get_args

import msgspec

StepType = Literal[
    "navigate",
    "navigate_back",
    "wait",
    "click",
    "double_click",
    "right_click",
    "fill_field",
    "submit",
    "select_option",
    "type_text",
    "key_press",
    "scroll",
    "drag",
    "extract_url",
    "extract_data",
    "extract_rows",
    "detect_visible",
    "if_else",
    "loop",
    "paginate",
    "filter",
    "request_user_input",
    "tool_call",
    "holo3",
    "claude",
    "done",
]
STEP_TYPES: tuple[str, ...] = get_args(StepType)

VerifyType = Literal[
    "url_contains",
    "url_not_contains",
    "page_contains_text",
    "page_not_contains_text",
    "title_contains",
]
VERIFY_TYPES: tuple[str, ...] = get_args(VerifyType)

ProxyProvider = Literal["privateproxy", "oxylabs", "iproyal"]
PROXY_PROVIDERS: tuple[str, ...] = get_args(ProxyProvider)

FieldType = Literal["str", "int", "float", "bool"]
FIELD_TYPES: tuple[str, ...] = get_args(FieldType)

Direction = Literal["up", "down", "left", "right"]
DIRECTIONS: tuple[str, ...] = get_args(Direction)

#: A screen point ``[x, y]`` in pixels.
Point = tuple[int, int]

NonNegInt = Annotated[int, msgspec.Meta(ge=0)]
PosInt = Annotated[int, msgspec.Meta(ge=1)]
NonNegFloat = Annotated[float, msgspec.Meta(ge=0)]


class _Model(msgspec.Struct, kw_only=True, omit_defaults=True, frozen=True):
    """Base for plan Structs: immutable, keyword-only, defaults omitted when encoded."""


class StepParams(_Model, frozen=True):
    """Type-specific step parameters. Keys the model does not know go in ``extra``."""

    url: str | None = None
    """``navigate``: the page to load."""
    seconds: NonNegFloat | None = None
    """``wait``: how long to sleep (clamped to ``PlanCaps.max_wait_seconds``)."""
    wait_for_load: bool | None = None
    """Wait for the page to finish loading after the action."""
    label: str | None = None
    """Visible text of the element to act on (click, fill_field, submit, filter, paginate)."""
    value: str | None = None
    """``fill_field``: the text to type (numbers in the input become strings)."""
    aliases: list[str] = []
    """``submit``: other labels the button may carry."""
    text: str | None = None
    """``type_text``: text to type; ``detect_visible``: the text to look for."""
    keys: str | None = None
    """``key_press``: a key or chord such as ``ctrl+a`` or ``Return``."""
    direction: Direction | None = None
    """``scroll``: which way."""
    amount: NonNegInt | None = None
    """``scroll``: how many wheel clicks; absent means brain-driven."""
    dropdown_label: str | None = None
    """``select_option``: label of the dropdown to open."""
    option_label: str | None = None
    """``select_option``: the option to choose."""
    from_: Point | str | None = msgspec.field(name="from", default=None)
    """``drag``: start point ``[x, y]`` or the label of the thing to drag."""
    to: Point | str | None = None
    """``drag``: end point ``[x, y]`` or the label of the drop target."""
    url_template: str | None = None
    """``paginate``: URL with ``{n}`` for the page number."""
    max_pages: PosInt | None = None
    """``paginate``: stop after this many pages."""
    out_var: str | None = None
    """State variable to write the step's result into (same as the step's ``out_var``)."""
    prompt: str | None = None
    """``request_user_input``: the question shown to the user."""
    extra: dict[str, Any] = {}
    """Unknown keys, kept for echo; no behaviour."""


class Hints(_Model, frozen=True):
    """Post-action success contract; a step that fails its hints is demoted to failed."""

    expect_url_contains: list[str] = []
    expect_url_excludes: list[str] = []
    expect_text_present: list[str] = []


class ExtractField(_Model, frozen=True):
    """One column of an extraction schema."""

    name: str
    type: FieldType = "str"
    required: bool = False
    example: Any = None
    extra: dict[str, Any] = {}


class ExtractSpec(_Model, frozen=True):
    """What to extract: a field list, or ``recipe`` naming a stored schema."""

    schema_name: str | None = None
    entity_name: str | None = None
    fields: list[ExtractField] = []
    max_items: PosInt | None = None
    recipe: str | None = None
    extra: dict[str, Any] = {}


class Step(_Model, frozen=True):
    """One plan step. ``type`` picks the behaviour; see PLANS.md for each."""

    type: StepType
    intent: str = ""
    """A one-action sentence; may be empty when params say everything."""
    section: str | None = None
    required: bool = False
    retries: NonNegInt = 2
    gate: bool = False
    verify: str | None = None
    claude_only: bool = False
    grounding: bool = False
    budget: PosInt = 8
    """Max brain actions inside the step (input alias: top-level ``max_steps``)."""
    params: StepParams = msgspec.field(default_factory=StepParams)
    hints: Hints = msgspec.field(default_factory=Hints)
    guard: str | None = None
    extract: ExtractSpec | None = None
    hint: str | None = None
    out_var: str | None = None
    condition_var: str | None = None
    then_target: int | None = None
    else_target: int | None = None
    loop_target: int | None = None
    loop_count: NonNegInt | None = None
    """Iterations of a loop; absent means up to ``PlanCaps.max_loop_iterations``."""
    stop_var: str | None = None
    steps: list[Step] | None = None
    """Inline loop body (nested loop form)."""
    name: str | None = None
    """``tool_call``: the registered host tool."""
    args: dict[str, Any] = {}
    """``tool_call``: arguments passed to the tool."""
    extra: dict[str, Any] = {}


class Runtime(_Model, frozen=True):
    """Per-plan run settings; submission options override them."""

    proxy_disabled: bool | None = None
    proxy_provider: ProxyProvider | None = None
    proxy_city: str | None = None
    proxy_state: str | None = None
    max_cost: NonNegFloat | None = None
    max_time_minutes: Annotated[float, msgspec.Meta(ge=1)] | None = None
    state_repeat_threshold: PosInt | None = None
    """Halt (``loop_stuck``) after this many identical-looking loop iterations."""
    pinned_source_url_pattern: str | None = None
    off_source_step_budget: NonNegInt | None = None
    """Halt (``off_source_drift``) after this many steps off the pinned source."""


class MicroPlan(_Model, frozen=True, tag_field="shape", tag="micro_plan"):
    """A list of steps plus an optional ``runtime`` block (shapes 1 and 2)."""

    steps: list[Step]
    runtime: Runtime = msgspec.field(default_factory=Runtime)
    extra: dict[str, Any] = {}


class TaskVerify(_Model, frozen=True):
    """A check made after a task: ``{type, value}``."""

    type: VerifyType
    value: str


class Task(_Model, frozen=True):
    """One free-form goal of a task suite, pursued by the brain within ``max_steps``."""

    task_id: str
    intent: str
    start_url: str | None = None
    save_session: bool = False
    require_session: bool = False
    max_steps: PosInt | None = None
    verify: TaskVerify | None = None
    extra: dict[str, Any] = {}


class TaskSuite(_Model, frozen=True, tag_field="shape", tag="task_suite"):
    """Shape 3. When ``micro_plan`` (input key ``_micro_plan``) is set it runs instead of ``tasks``."""

    session_name: str | None = None
    base_url: str | None = None
    auth: Any = None
    tasks: list[Task] = []
    micro_plan: MicroPlan | None = msgspec.field(name="_micro_plan", default=None)
    runtime: Runtime = msgspec.field(default_factory=Runtime)
    extra: dict[str, Any] = {}


class TextPlan(msgspec.Struct, frozen=True, tag_field="shape", tag="text"):
    """Shape 4: plain English, to be decomposed into a micro-plan elsewhere."""

    text: str


#: Any loaded plan. The three are tagged (``"shape"`` when encoded) so a stored
#: ``LoadedPlan`` decodes back into the right one.
Plan = MicroPlan | TaskSuite | TextPlan


class LoadedPlan(msgspec.Struct, frozen=True, kw_only=True):
    """A plan that passed validation, with its signature and load-time warnings."""

    plan: Plan
    signature: str
    warnings: list[str] = []
