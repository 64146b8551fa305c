"""The demo site over real HTTP: login, session, inquiry, listings."""

import http.cookiejar
import json
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]

pytestmark = pytest.mark.integration


@pytest.fixture
def site(demo_site):
    server, url = demo_site.start()
    yield url
    server.shutdown()
    server.server_close()


def _client():
    return urllib.request.build_opener(
        urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
    )


def _post(client, url, fields):
    return client.open(url, data=urllib.parse.urlencode(fields).encode())


def test_root_and_protected_pages_redirect_to_login(site):
    client = _client()
    for path in ("/", "/inquiry", "/listings", "/inquiry/sent"):
        response = client.open(site + path)
        assert response.url == site + "/login"
        assert "Sign in to Acme Motors" in response.read().decode()


def test_wrong_password_stays_on_login_with_an_error(site):
    response = _post(_client(), site + "/login", {"email": "demo@acme.test", "password": "nope"})
    assert response.url == site + "/login"
    assert "Invalid email or password" in response.read().decode()


def test_login_then_inquiry_then_confirmation(site, demo_site):
    client = _client()
    response = _post(
        client, site + "/login", {"email": "demo@acme.test", "password": "mantis-demo"}
    )
    assert response.url == site + "/inquiry"
    page = response.read().decode()
    for text in (
        "New inquiry",
        "Full name",
        "Company",
        "Phone",
        "Plan",
        "Choose a plan",
        "Send inquiry",
    ):
        assert text in page
    form = {"full_name": "Ada Lovelace", "company": "Analytical", "phone": "555", "plan": "Team"}
    response = _post(client, site + "/inquiry", form)
    assert response.url == site + "/inquiry/sent"
    page = response.read().decode()
    assert "Thank you, Ada Lovelace! Your inquiry was received." in page
    assert "Plan: Team" in page and "View listings" in page
    listings = client.open(site + "/listings").read().decode()
    for car in demo_site.LISTINGS:
        assert f"Make: {car['make']}" in listings and f"Price: ${car['price']:,}" in listings


def test_listings_api_is_public_json(site):
    rows = json.loads(urllib.request.urlopen(site + "/api/listings.json").read())
    assert len(rows) == 6 and all(set(r) == {"make", "model", "year", "price"} for r in rows)


def test_unknown_path_is_404(site):
    with pytest.raises(urllib.error.HTTPError) as err:
        urllib.request.urlopen(site + "/nope")
    assert err.value.code == 404


def test_command_line_prints_the_url_and_serves():
    proc = subprocess.Popen(
        [sys.executable, str(ROOT / "examples" / "demo_site" / "server.py"), "--port", "0"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        line = proc.stdout.readline().strip()
        assert line.startswith("listening on http://127.0.0.1:")
        url = line.removeprefix("listening on ")
        assert "Sign in to Acme Motors" in urllib.request.urlopen(url + "/login").read().decode()
    finally:
        proc.terminate()
        proc.wait(timeout=10)
