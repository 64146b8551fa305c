"""Tiny test pages served over real HTTP; each reports what it saw in its URL hash."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

# Each page reports what it saw by rewriting its own URL hash, which the test reads back
# through LocalComputer.current_url(): no DOM access, no OCR.
_REPORT = "function report(v){history.replaceState(null,'','#'+v)}"

PAGES: dict[str, str] = {
    # Large selectable words: a double click selects one, as a user's would.
    "/words": """<!doctype html><html><head><title>words</title></head>
<body style="margin:0;background:#fff"><p style="font-size:48px;margin:40px">selectme
anotherword</p></body></html>""",
    # A focused input at the top-left; every change is echoed as #typed=<value>.
    "/input": f"""<!doctype html><html><head><title>input</title><script>{_REPORT}</script></head>
<body style="margin:0;background:rgb(0,255,0)">
<input id="i" autofocus style="font-size:20px;width:600px"
  oninput="report('typed='+encodeURIComponent(this.value))">
<script>
document.addEventListener('keydown', e => {{
  if (!(e.ctrlKey && (e.altKey || e.shiftKey))) return;  // leave ctrl+l / ctrl+c to the browser
  e.preventDefault();
  const mods = (e.ctrlKey?'ctrl+':'') + (e.altKey?'alt+':'') + (e.shiftKey?'shift+':'');
  report('key=' + mods + e.key.toLowerCase());
}});
</script></body></html>""",
    # A 200x100 button at page (200, 150); clicks are counted by kind.
    "/click": f"""<!doctype html><html><head><title>click</title><script>{_REPORT}</script></head>
<body style="margin:0;background:rgb(0,0,255)">
<div id="b" style="position:absolute;left:200px;top:150px;width:200px;height:100px;background:rgb(255,255,0)"></div>
<script>
const n = {{click:0, dblclick:0, contextmenu:0}};
const b = document.getElementById('b');
for (const kind of Object.keys(n)) b.addEventListener(kind, e => {{
  e.preventDefault(); n[kind]++;
  report('click='+n.click+'&dblclick='+n.dblclick+'&contextmenu='+n.contextmenu);
}});
let down = null;
document.addEventListener('mousedown', e => {{ down = [e.clientX, e.clientY]; }});
document.addEventListener('mouseup', e => {{
  if (down && (down[0] !== e.clientX || down[1] !== e.clientY))
    report('drag='+down.join(',')+','+e.clientX+','+e.clientY);
}});
</script></body></html>""",
    # A tall page that reports its scroll offset.
    "/scroll": f"""<!doctype html><html><head><title>scroll</title><script>{_REPORT}</script></head>
<body style="margin:0;background:rgb(255,0,0)"><div style="height:6000px"></div>
<script>addEventListener('scroll', () => report('y='+Math.round(scrollY)));</script>
</body></html>""",
    # An egress-IP service, as seen through a proxy.
    "/ip": '{"ip": "203.0.113.7"}',
    # Sets a cookie and localStorage item from ?set=V, and reports both.
    "/cookie": f"""<!doctype html><html><head><title>cookie</title><script>{_REPORT}</script></head>
<body style="margin:0;background:rgb(0,128,128)"><script>
const v = new URLSearchParams(location.search).get('set');
if (v) {{ document.cookie = 'm=' + v + '; max-age=86400; path=/'; localStorage.setItem('m', v); }}
const c = (document.cookie.match(/(?:^|; )m=([^;]*)/) || [null, ''])[1];
report('cookie=' + c + '&ls=' + (localStorage.getItem('m') || ''));
</script></body></html>""",
}


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = PAGES.get(self.path.split("#")[0].split("?")[0])
        if body is None:
            self.send_error(404)
            return
        data = body.encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: object) -> None:
        pass  # keep test output quiet


@contextmanager
def serve_pages() -> Iterator[str]:
    """Base URL (``http://127.0.0.1:<port>``) of a server for ``PAGES``."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
