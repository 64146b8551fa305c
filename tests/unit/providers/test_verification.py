import pytest

pytestmark = pytest.mark.anyio


@pytest.fixture
def thank_you(canvas):
    canvas.text(140, 40, "Inquiry sent", size=32, bold=True)
    canvas.text(140, 120, "Thank you, Ada! Your inquiry was received.")
    canvas.text(140, 160, "Plan: Team")
    return canvas.shot()


@pytest.mark.parametrize(
    "condition",
    [
        '"Thank you" is visible',
        "the page shows 'Plan: Team'",
        "“Your inquiry was received” appears",
        '"Thank you" and "Plan: Team"',
        '"Error" is not shown',
        "no longer shows 'Send inquiry'",
        "'Invalid email or password' disappeared",
    ],
)
async def test_conditions_that_hold(verifier, thank_you, condition):
    ok, reason = await verifier.check(thank_you, condition)
    assert ok, reason


@pytest.mark.parametrize(
    "condition",
    ['"Order failed" is visible', '"Thank you" is no longer visible', "'Plan: Team' is hidden"],
)
async def test_conditions_that_do_not_hold(verifier, thank_you, condition):
    ok, reason = await verifier.check(thank_you, condition)
    assert not ok, reason


async def test_reasons_say_what_was_found_where(verifier, thank_you):
    ok, reason = await verifier.check(thank_you, '"Thank you" is visible')
    assert ok and reason.startswith('found "Thank you" at (')
    ok, reason = await verifier.check(thank_you, 'no "Error"')
    assert ok and reason == '"Error" not on screen'
    ok, reason = await verifier.check(thank_you, '"Thank you" disappeared')
    assert not ok and '"Thank you" is still on screen at (' in reason


async def test_unquoted_condition_is_looked_for_whole_and_says_so(verifier, thank_you):
    ok, reason = await verifier.check(thank_you, "Inquiry sent is displayed")
    assert ok and reason.startswith(
        'no quoted text, looked for the whole condition: found "Inquiry sent"'
    )
    ok, reason = await verifier.check(thank_you, "Error banner does not appear")
    assert ok and '"Error banner" not on screen' in reason


async def test_text_visible_returns_where(verifier, thank_you):
    hit = await verifier.text_visible(thank_you, "Plan: Team")
    assert hit is not None and hit.box.x == pytest.approx(140, abs=3)
    assert await verifier.text_visible(thank_you, "Checkout") is None
