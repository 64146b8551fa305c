"""Step handlers, one module per family, gathered into one registry.

A handler is ``async (ctx, step) -> output``. It raises ``StepFailed`` when the
step did not achieve its goal; it may return a ``Jump`` or ``Stop`` to steer
control flow. Types without a handler here are reported by the runner as
unsupported, with the step type named.
"""

from __future__ import annotations

from mantis.runner.steps import control, driven, forms, motion, navigation, paging, perception
from mantis.runner.steps.base import Handler, Jump, Pause, Stop

HANDLERS: dict[str, Handler] = {
    **navigation.HANDLERS,
    **forms.HANDLERS,
    **perception.HANDLERS,
    **control.HANDLERS,
    **motion.HANDLERS,
    **paging.HANDLERS,
    **driven.HANDLERS,
}

__all__ = ["HANDLERS", "Handler", "Jump", "Pause", "Stop"]
