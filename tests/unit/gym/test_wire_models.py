"""Wire bodies: bad input is a 400 whose detail names the field."""

from __future__ import annotations

import pytest

from mantis.brains.actions import Click
from mantis.errors import RequestError
from mantis.gym.wire import ActionRequest, ScreenshotRequest, SessionInit, XdotoolRequest, decode


def test_a_good_action_decodes_to_the_typed_union():
    req = decode(b'{"action": {"kind": "click", "x": 3, "y": 4}, "step_id": "s"}', ActionRequest)
    assert req.action == Click(x=3, y=4) and req.step_id == "s"


@pytest.mark.parametrize(
    ("raw", "kind", "field"),
    [
        (
            b'{"action": {"kind": "click", "x": "a", "y": 1}, "step_id": "s"}',
            ActionRequest,
            "action.x",
        ),
        (b'{"action": {"kind": "fly"}, "step_id": "s"}', ActionRequest, "action.kind"),
        (b'{"argv": "click 1", "step_id": "s"}', XdotoolRequest, "argv"),
        (b'{"format": "gif"}', ScreenshotRequest, "format"),
        (b'{"quality": 0}', ScreenshotRequest, "quality"),
        (b'{"profile_id": "p", "run_id": "r", "extra": 1}', SessionInit, "extra"),
        (b'{"profile_id": "p"}', SessionInit, "run_id"),
        (b"not json", SessionInit, "body"),
    ],
)
def test_bad_bodies_name_the_field(raw, kind, field):
    with pytest.raises(RequestError) as info:
        decode(raw, kind)
    assert field in info.value.message and info.value.status_code == 400
