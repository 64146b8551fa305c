import pytest

pytestmark = pytest.mark.anyio


def _form(canvas, labels, *, x=140, y=110, gap=100):
    """Labels above outlined inputs, like the demo site's forms."""
    inputs = {}
    for i, label in enumerate(labels):
        canvas.text(x, y + i * gap, label)
        inputs[label] = canvas.input(x - 2, y + i * gap + 28)
    return inputs


async def test_input_role_clicks_inside_the_box_below_its_label(grounder, canvas):
    inputs = _form(canvas, ["Email", "Password", "Full name"])
    for label, box in inputs.items():
        found = await grounder.locate(canvas.shot(), label, role="input")
        assert found is not None and box.contains(found.x, found.y), label
        assert found.text == label and found.score == 1.0


async def test_input_role_finds_the_box_right_of_an_inline_label(grounder, canvas):
    canvas.text(100, 212, "Phone:")
    box = canvas.input(220, 200, w=300)
    canvas.text(100, 312, "Company:")
    other = canvas.input(220, 300, w=300)
    found = await grounder.locate(canvas.shot(), "phone", role="input")
    assert found is not None and box.contains(found.x, found.y)
    assert not other.contains(found.x, found.y)


async def test_input_role_falls_back_to_the_placeholder_inside_a_box(grounder, canvas):
    box = canvas.input(300, 300, placeholder="Search listings")
    found = await grounder.locate(canvas.shot(), "Search listings", role="input")
    assert found is not None and box.contains(found.x, found.y)
    got = (found.box.x, found.box.y, found.box.right, found.box.bottom)
    assert got == pytest.approx((box.x, box.y, box.right, box.bottom), abs=3)


async def test_input_role_falls_back_to_the_label_when_no_box_is_drawn(grounder, canvas):
    label = canvas.text(300, 300, "Newsletter")
    found = await grounder.locate(canvas.shot(), "Newsletter", role="input")
    assert found is not None and label.contains(found.x, found.y)


async def test_dropdown_role_finds_the_select_below_its_label(grounder, canvas):
    canvas.text(140, 400, "Plan")
    select = canvas.input(138, 428)
    canvas.text(156, 440, "Choose a plan")
    canvas.text(530, 438, "v")
    found = await grounder.locate(canvas.shot(), "Plan", role="dropdown")
    assert found is not None and select.contains(found.x, found.y)


async def test_button_role_prefers_the_button_over_a_heading_with_the_same_words(grounder, canvas):
    canvas.text(140, 40, "Sign in to Acme Motors", size=32, bold=True)
    button = canvas.button(140, 320, "Sign in")
    found = await grounder.locate(canvas.shot(), "Sign in", role="button")
    assert found is not None and button.contains(found.x, found.y)


async def test_tolerates_ocr_confusions_and_case(grounder, canvas):
    label = canvas.text(400, 200, "Confirm order", size=22)
    found = await grounder.locate(canvas.shot(), "CONF1RM 0RDER")
    assert found is not None and label.contains(found.x, found.y)
    assert 0.8 <= found.score < 1.0


async def test_multi_word_phrase_inside_a_longer_line(grounder, canvas):
    canvas.text(100, 500, "Questions? Contact our sales team today.")
    found = await grounder.locate(canvas.shot(), "sales team")
    assert found is not None and found.text == "sales team"


async def test_region_excludes_matches_outside_it(grounder, canvas):
    canvas.text(300, 30, "Listings - Acme Motors")  # a tab title in the toolbar
    page = canvas.text(140, 300, "Listings", size=32, bold=True)
    found = await grounder.locate(canvas.shot(), "Listings", region=(0, 90, 1280, 630))
    assert found is not None and page.contains(found.x, found.y)


async def test_nothing_above_threshold_is_none(grounder, canvas):
    canvas.text(100, 100, "Welcome back")
    assert await grounder.locate(canvas.shot(), "Delete account", role="button") is None
