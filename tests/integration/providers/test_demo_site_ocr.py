"""The local providers on the demo site as Chromium draws it."""

import json
import time
import urllib.request

import pytest

from mantis.brains.providers import (
    FieldSpec,
    LocalExtractor,
    LocalGrounder,
    LocalVerifier,
    Tesseract,
)

pytestmark = [pytest.mark.integration, pytest.mark.anyio]

PAGE = (0, 90, 1280, 630)  # below the toolbar (see conftest)


def _inside(found, x0, y0, x1, y1):
    return found is not None and x0 <= found.x <= x1 and y0 <= found.y <= y1


async def test_login_page_fields_and_button(render):
    shot = render("/login")
    grounder = LocalGrounder()
    email = await grounder.locate(shot, "Email", role="input", region=PAGE)
    password = await grounder.locate(shot, "Password", role="input", region=PAGE)
    button = await grounder.locate(shot, "Sign in", role="button", region=PAGE)
    # The demo site's inputs are 420 x 46 at x=138, under their labels.
    assert email is not None and email.box.w > 300 and 40 <= email.box.h <= 50
    assert _inside(email, 140, email.box.y, 556, email.box.bottom) and email.box.y > 90 + 107
    assert password is not None and password.box.y > email.box.bottom
    assert button is not None and button.y > password.box.bottom and button.text == "Sign in"


async def test_inquiry_page_plan_dropdown_and_send_button(render):
    shot = render("/inquiry")
    grounder = LocalGrounder()
    plan = await grounder.locate(shot, "Plan", role="dropdown", region=PAGE)
    phone = await grounder.locate(shot, "Phone", role="input", region=PAGE)
    send = await grounder.locate(shot, "Send inquiry", role="button", region=PAGE)
    assert plan is not None and phone is not None and send is not None
    assert plan.box.w > 300 and plan.box.y > phone.box.bottom
    assert send.y > plan.box.bottom


@pytest.fixture
def api_listings(open_site):
    return json.loads(urllib.request.urlopen(open_site + "/api/listings.json").read())


async def test_listings_extraction_equals_the_api(render, api_listings):
    expected = api_listings
    fields = [
        FieldSpec(name="make"),
        FieldSpec(name="model"),
        FieldSpec(name="year", type="int"),
        FieldSpec(name="price", type="int"),
    ]
    rows = await LocalExtractor().extract(render("/listings"), fields, max_items=10, region=PAGE)
    assert rows == expected


async def test_confirmation_page_verifies(sent_page):
    verifier = LocalVerifier()
    assert (await verifier.check(sent_page, '"Thank you, Ada Lovelace!" is visible', region=PAGE))[
        0
    ]
    assert (await verifier.check(sent_page, "'Plan: Team'", region=PAGE))[0]
    assert (await verifier.check(sent_page, '"Invalid email or password" is not shown'))[0]
    link = await verifier.text_visible(sent_page, "View listings", region=PAGE)
    assert link is not None and link.y > 90


async def test_full_screen_ocr_is_fast_enough(render, record_property):
    ocr = Tesseract(cache_size=0)
    shot = render("/listings")
    await ocr.read(shot)  # warm the page cache of the binary
    started = time.perf_counter()
    result = await ocr.read(shot)
    elapsed = time.perf_counter() - started
    record_property("full_screen_ocr_ms", round(elapsed * 1000))
    assert len(result.words) > 40
    assert elapsed < 3.0
