"""Acme Motors: a tiny demo web app for trying Mantis plans end to end.

Standard library only. Run it with::

    python examples/demo_site/server.py --port 0

It prints ``listening on http://127.0.0.1:PORT`` and serves until interrupted.
From Python, ``start(port=0)`` runs it in a daemon thread and returns
``(server, url)``; call ``server.shutdown()`` when done.

Pages: ``/login`` (``demo@acme.test`` / ``mantis-demo``), ``/inquiry`` (a form
with a select), ``/inquiry/sent``, ``/listings`` (six cars in a 3x2 grid of
cards) and ``/api/listings.json`` (the same cars as JSON). Public fixture
pages for step tests: ``/inventory`` (a table, 4 rows a page, ``?page=N``, a
"Next" link, filter links by body type), ``/cars/N`` (one car's details),
``/long`` (a tall page with a marker at the bottom), ``/drag`` (a box to drag
onto a drop zone), ``/picker`` (a custom, non-native dropdown), ``/clicks``
(targets that answer a double click and a right click) and ``/profile-form`` (a
never-submitted form with text, textarea, select, checkbox and password fields above
a tall spacer, for pause/resume state). Pages are styled
with large dark sans-serif text on white so OCR reads them reliably.
"""

from __future__ import annotations

import argparse
import html
import json
import secrets
import sys
import threading
from http import HTTPStatus
from http.cookies import SimpleCookie
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

DEMO_EMAIL = "demo@acme.test"
DEMO_PASSWORD = "mantis-demo"
COOKIE_NAME = "acme_session"
PLANS = ("Starter", "Team", "Enterprise")

LISTINGS: tuple[dict[str, Any], ...] = (
    {"make": "Toyota", "model": "Corolla", "year": 2019, "price": 14500},
    {"make": "Honda", "model": "Civic", "year": 2020, "price": 17200},
    {"make": "Ford", "model": "Focus", "year": 2017, "price": 9800},
    {"make": "Mazda", "model": "Miata", "year": 2021, "price": 24900},
    {"make": "Subaru", "model": "Outback", "year": 2018, "price": 16750},
    {"make": "Nissan", "model": "Leaf", "year": 2022, "price": 21300},
)

_CSS = """
* { box-sizing: border-box; }
body { margin: 0; background: #ffffff; color: #111111;
       font-family: "DejaVu Sans", sans-serif; font-size: 20px; line-height: 1.4; }
main { max-width: 1100px; margin: 0 auto; padding: 24px 48px; }
h1 { font-size: 32px; margin: 8px 0 24px 0; }
form { max-width: 460px; }
label { display: block; font-size: 20px; margin: 0 0 6px 0; }
input, select { display: block; width: 420px; height: 46px; font: inherit; color: #111111;
                background: #ffffff; border: 2px solid #555555; border-radius: 4px;
                padding: 0 12px; margin: 0 0 20px 0; }
button { font: inherit; font-size: 20px; color: #ffffff; background: #1f4fbf; border: 0;
         border-radius: 6px; padding: 10px 28px; margin-top: 4px; cursor: pointer; }
.error { color: #b00020; font-size: 20px; margin: 0 0 18px 0; }
.grid { display: grid; grid-template-columns: repeat(3, 300px); gap: 28px 48px; }
.card { border: 2px solid #cccccc; border-radius: 8px; padding: 16px 22px; }
.card p { margin: 0 0 6px 0; }
a { color: #1f4fbf; font-size: 20px; }
"""


def _page(title: str, body: str) -> bytes:
    return (
        "<!doctype html>\n"
        f'<html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>'
        f"<style>{_CSS}</style></head>"
        f"<body><main>{body}</main></body></html>\n"
    ).encode()


def _login_page(error: str = "") -> bytes:
    err = f'<p class="error">{html.escape(error)}</p>' if error else ""
    return _page(
        "Sign in - Acme Motors",
        "<h1>Sign in to Acme Motors</h1>"
        f'{err}<form method="post" action="/login">'
        '<label for="email">Email</label>'
        '<input id="email" name="email" type="email" autocomplete="off">'
        '<label for="password">Password</label>'
        '<input id="password" name="password" type="password">'
        '<button type="submit">Sign in</button>'
        "</form>",
    )


def _inquiry_page() -> bytes:
    options = "".join(f'<option value="{p}">{p}</option>' for p in PLANS)
    return _page(
        "New inquiry - Acme Motors",
        "<h1>New inquiry</h1>"
        '<form method="post" action="/inquiry">'
        '<label for="full_name">Full name</label>'
        '<input id="full_name" name="full_name" autocomplete="off">'
        '<label for="company">Company</label>'
        '<input id="company" name="company" autocomplete="off">'
        '<label for="phone">Phone</label>'
        '<input id="phone" name="phone" type="tel" autocomplete="off">'
        '<label for="plan">Plan</label>'
        '<select id="plan" name="plan">'
        f'<option value="" selected disabled>Choose a plan</option>{options}</select>'
        '<button type="submit">Send inquiry</button>'
        "</form>",
    )


def _sent_page(name: str, plan: str) -> bytes:
    return _page(
        "Inquiry sent - Acme Motors",
        "<h1>Inquiry sent</h1>"
        f"<p>Thank you, {html.escape(name)}! Your inquiry was received.</p>"
        f"<p>Plan: {html.escape(plan)}</p>"
        '<p><a href="/listings">View listings</a></p>',
    )


def _listings_page() -> bytes:
    cards = "".join(
        '<div class="card">'
        f"<p>Make: {html.escape(car['make'])}</p>"
        f"<p>Model: {html.escape(car['model'])}</p>"
        f"<p>Year: {car['year']}</p>"
        f"<p>Price: ${car['price']:,}</p>"
        "</div>"
        for car in LISTINGS
    )
    return _page("Listings - Acme Motors", f'<h1>Listings</h1><div class="grid">{cards}</div>')


INVENTORY: tuple[dict[str, Any], ...] = (
    {"make": "Toyota", "model": "Camry", "year": 2018, "price": 15900, "body": "sedan"},
    {"make": "Honda", "model": "Accord", "year": 2019, "price": 18400, "body": "sedan"},
    {"make": "Ford", "model": "Explorer", "year": 2017, "price": 21750, "body": "suv"},
    {"make": "Mazda", "model": "Tribute", "year": 2016, "price": 8900, "body": "suv"},
    {"make": "Kia", "model": "Sorento", "year": 2020, "price": 23100, "body": "suv"},
    {"make": "Volvo", "model": "Sedona", "year": 2015, "price": 7450, "body": "sedan"},
    {"make": "Jeep", "model": "Cherokee", "year": 2021, "price": 27800, "body": "suv"},
    {"make": "Audi", "model": "Quattro", "year": 2019, "price": 26300, "body": "sedan"},
    {"make": "Buick", "model": "Enclave", "year": 2018, "price": 19950, "body": "suv"},
    {"make": "Skoda", "model": "Octavia", "year": 2022, "price": 22600, "body": "sedan"},
)
PAGE_SIZE = 4
_TABLE_CSS = (
    "<style>table{border-collapse:collapse;margin-bottom:24px}"
    "th,td{text-align:left;padding:8px 40px 8px 0;font-size:20px}"
    "nav a{margin-right:36px}</style>"
)


def inventory_rows(body: str = "") -> list[dict[str, Any]]:
    return [c for c in INVENTORY if not body or c["body"] == body]


def _inventory_page(page: int, body: str) -> bytes:
    cars = inventory_rows(body)
    pages = max(1, -(-len(cars) // PAGE_SIZE))
    page = min(max(page, 1), pages)
    shown = cars[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
    rows = "".join(
        f"<tr><td>{c['make']}</td><td>{c['model']}</td><td>{c['year']}</td>"
        f"<td>${c['price']:,}</td></tr>"
        for c in shown
    )
    q = f"&body={body}" if body else ""
    nxt = f'<a href="/inventory?page={page + 1}{q}">Next</a>' if page < pages else ""
    links = " ".join(
        f'<a href="/cars/{INVENTORY.index(c) + 1}">Details {c["model"]}</a>' for c in shown
    )
    return _page(
        "Inventory - Acme Motors",
        f"{_TABLE_CSS}<h1>Inventory page {page} of {pages}</h1>"
        '<nav><a href="/inventory">All types</a><a href="/inventory?body=suv">SUV only</a>'
        '<a href="/inventory?body=sedan">Sedan only</a></nav>'
        "<table><tr><th>Make</th><th>Model</th><th>Year</th><th>Price</th></tr>"
        f"{rows}</table><p>{nxt}</p><p>{links}</p>",
    )


def _car_page(n: int) -> bytes:
    c = INVENTORY[n - 1]
    return _page(
        f"{c['model']} - Acme Motors",
        f"<h1>{c['make']} {c['model']}</h1><p>Make: {c['make']}</p><p>Model: {c['model']}</p>"
        f"<p>Year: {c['year']}</p><p>Price: ${c['price']:,}</p>",
    )


_LONG = _page(
    "Long page - Acme Motors",
    '<h1>Top of the long page</h1><div style="height:2600px"></div><p>Bottom marker reached</p>',
)
_DRAG = _page(
    "Drag - Acme Motors",
    "<h1>Drag the box</h1>"
    '<div id="box" style="position:absolute;left:120px;top:220px;width:170px;height:60px;'
    "background:#ddeeff;border:2px solid #1f4fbf;font-size:22px;text-align:center;"
    'line-height:60px;cursor:move">Crate</div>'
    '<div id="zone" style="position:absolute;left:700px;top:200px;width:320px;height:160px;'
    'border:3px dashed #555;font-size:22px;text-align:center;line-height:160px">Drop zone</div>'
    "<script>const b=document.getElementById('box'),z=document.getElementById('zone');"
    "let d=null;b.onmousedown=e=>{d=[e.clientX-b.offsetLeft,e.clientY-b.offsetTop];"
    "e.preventDefault()};document.onmousemove=e=>{if(d){b.style.left=(e.clientX-d[0])+'px';"
    "b.style.top=(e.clientY-d[1])+'px'}};document.onmouseup=e=>{if(!d)return;d=null;"
    "const r=z.getBoundingClientRect();if(e.clientX>r.left&&e.clientX<r.right&&"
    "e.clientY>r.top&&e.clientY<r.bottom){z.textContent='Dropped the crate';"
    "b.style.display='none'}}</script>",
)
_PICKER = _page(
    "Picker - Acme Motors",
    "<h1>Pick a colour</h1><p>Colour</p>"
    '<div id="pick" style="width:300px;border:2px solid #555;padding:8px 12px;cursor:pointer">'
    "Choose colour</div>"
    '<div id="list" style="display:none;width:300px;border:1px solid #999">'
    + "".join(
        f'<div class="opt" style="padding:8px 12px;cursor:pointer">{c}</div>'
        for c in ("Crimson", "Emerald", "Sapphire")
    )
    + '</div><p id="out">Nothing chosen</p>'
    "<script>const p=document.getElementById('pick'),l=document.getElementById('list');"
    "p.onclick=()=>{l.style.display='block'};document.querySelectorAll('.opt').forEach(o=>"
    "o.onclick=()=>{p.textContent=o.textContent;l.style.display='none';"
    "document.getElementById('out').textContent='Chosen: '+o.textContent})</script>",
)
_CLICKS = _page(
    "Clicks - Acme Motors",
    "<h1>Click targets</h1>"
    # user-select:none: a double click must not leave a word selected (see docs/steps.md).
    '<p><span id="dbl" style="display:inline-block;border:2px solid #555;padding:8px 16px;'
    'user-select:none">Double click here</span></p>'
    '<p><span id="ctx" style="display:inline-block;border:2px solid #555;padding:8px 16px">'
    "Right click here</span></p>"
    '<p id="out">Waiting for a click</p>'
    "<script>const out=document.getElementById('out');"
    "document.getElementById('dbl').ondblclick=()=>{out.textContent='Double click received'};"
    "document.getElementById('ctx').oncontextmenu=e=>{e.preventDefault();"
    "out.textContent='Context menu opened'}</script>",
)

_STATIC = {"/long": _LONG, "/drag": _DRAG, "/picker": _PICKER, "/clicks": _CLICKS}


_PROFILE_FORM = _page(
    "Profile - Acme Motors",
    "<h1>Your profile</h1>"
    '<form name="profile" method="post" action="/profile-form" onsubmit="return false">'
    '<input type="hidden" name="csrf" value="demo-token">'
    '<label for="display_name">Display name</label>'
    '<input id="display_name" name="display_name" autocomplete="off">'
    '<label>City</label><input name="city" autocomplete="off">'
    '<label for="bio">Bio</label>'
    '<textarea id="bio" name="bio" rows="2" style="display:block;width:420px;font:inherit;'
    'border:2px solid #555555;border-radius:4px;padding:4px 12px;margin:0 0 20px 0">'
    "</textarea>"
    '<label for="team">Team</label><select id="team" name="team">'
    '<option value="" selected disabled>Choose a team</option>'
    + "".join(f'<option value="{t.lower()}">{t}</option>' for t in ("Red", "Green", "Blue"))
    + "</select>"
    '<p><input type="checkbox" id="newsletter" name="newsletter" value="yes" '
    'style="display:inline;width:22px;height:22px;margin:0 10px 0 0">'
    '<label for="newsletter" style="display:inline">Subscribe to newsletter</label></p>'
    '<label for="secret">Password</label>'
    '<input id="secret" name="secret" type="password">'
    "</form>"
    '<div style="height:1600px"></div><p>End of profile page</p>',
)
_STATIC["/profile-form"] = _PROFILE_FORM


class _State:
    """Sessions and submitted inquiries, shared by the handler threads."""

    def __init__(self, open_access: bool) -> None:
        self.open_access = open_access
        self.lock = threading.Lock()
        self.sessions: dict[str, dict[str, str]] = {}


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        pass  # keep test and demo output quiet

    # -- helpers -------------------------------------------------------

    def _send(
        self,
        status: HTTPStatus,
        body: bytes = b"",
        content_type: str = "text/html; charset=utf-8",
        headers: dict[str, str] | None = None,
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _redirect(self, location: str, headers: dict[str, str] | None = None) -> None:
        self._send(HTTPStatus.SEE_OTHER, headers={"Location": location, **(headers or {})})

    def _form(self) -> dict[str, str]:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length).decode("utf-8", "replace") if length else ""
        return {k: v[0] for k, v in parse_qs(raw, keep_blank_values=True).items()}

    def _session(self) -> dict[str, str] | None:
        state = self.server.state
        cookie = SimpleCookie(self.headers.get("Cookie") or "")
        token = cookie[COOKIE_NAME].value if COOKIE_NAME in cookie else ""
        with state.lock:
            session = state.sessions.get(token)
            if session is None and state.open_access:
                session = state.sessions.setdefault("", {})
        return session

    # -- routes --------------------------------------------------------

    def do_HEAD(self) -> None:
        self.do_GET()

    def do_GET(self) -> None:
        path = urlsplit(self.path).path
        if path == "/":
            self._redirect("/login")
        elif path == "/login":
            self._send(HTTPStatus.OK, _login_page())
        elif path == "/inventory":
            q = parse_qs(urlsplit(self.path).query)
            page = int((q.get("page") or ["1"])[0] or 1)
            self._send(HTTPStatus.OK, _inventory_page(page, (q.get("body") or [""])[0]))
        elif (
            path.startswith("/cars/")
            and path[6:].isdigit()
            and 1 <= int(path[6:]) <= len(INVENTORY)
        ):
            self._send(HTTPStatus.OK, _car_page(int(path[6:])))
        elif path in _STATIC:
            self._send(HTTPStatus.OK, _STATIC[path])
        elif path == "/api/listings.json":
            body = json.dumps(list(LISTINGS), indent=2).encode()
            self._send(HTTPStatus.OK, body, "application/json")
        elif path in ("/inquiry", "/inquiry/sent", "/listings"):
            session = self._session()
            if session is None:
                self._redirect("/login")
            elif path == "/inquiry":
                self._send(HTTPStatus.OK, _inquiry_page())
            elif path == "/inquiry/sent":
                if "full_name" not in session:
                    self._redirect("/inquiry")
                else:
                    self._send(HTTPStatus.OK, _sent_page(session["full_name"], session["plan"]))
            else:
                self._send(HTTPStatus.OK, _listings_page())
        else:
            self._send(HTTPStatus.NOT_FOUND, _page("Not found - Acme Motors", "<h1>Not found</h1>"))

    def do_POST(self) -> None:
        path = urlsplit(self.path).path
        form = self._form()
        if path == "/login":
            if (
                form.get("email", "").strip() == DEMO_EMAIL
                and form.get("password") == DEMO_PASSWORD
            ):
                token = secrets.token_urlsafe(24)
                with self.server.state.lock:
                    self.server.state.sessions[token] = {}
                cookie = f"{COOKIE_NAME}={token}; Path=/; HttpOnly; SameSite=Lax"
                self._redirect("/inquiry", {"Set-Cookie": cookie})
            else:
                self._send(HTTPStatus.OK, _login_page("Invalid email or password"))
        elif path == "/inquiry":
            session = self._session()
            if session is None:
                self._redirect("/login")
                return
            with self.server.state.lock:
                session["full_name"] = form.get("full_name", "").strip()
                session["company"] = form.get("company", "").strip()
                session["phone"] = form.get("phone", "").strip()
                plan = form.get("plan", "")
                session["plan"] = plan if plan in PLANS else "none"
            self._redirect("/inquiry/sent")
        else:
            self._send(HTTPStatus.NOT_FOUND, _page("Not found - Acme Motors", "<h1>Not found</h1>"))


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], state: _State) -> None:
        super().__init__(address, _Handler)
        self.state = state


def make_server(host: str = "127.0.0.1", port: int = 0, *, open_access: bool = False) -> _Server:
    """Build the server without starting it.

    ``open_access=True`` is for tests only: pages that need a session are served
    without one (so a headless screenshot can render them without logging in).
    """
    return _Server((host, port), _State(open_access))


def start(port: int = 0, *, open_access: bool = False) -> tuple[ThreadingHTTPServer, str]:
    """Serve in a daemon thread; return the server and its base URL."""
    server = make_server(port=port, open_access=open_access)
    threading.Thread(target=server.serve_forever, name="demo-site", daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Acme Motors demo site for Mantis")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000, help="0 picks a free port")
    args = parser.parse_args(argv)
    server = make_server(args.host, args.port)
    print(f"listening on http://{args.host}:{server.server_address[1]}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
