"""Browser state at a pause, and putting it back on resume.

Two ways, chosen per call by what the computer offers:

* **CDP** (the session was opened with ``enable_cdp``): one ``Runtime.evaluate``
  reads the URL, the scroll offsets, the viewport and the unsubmitted form
  values, keyed by a stable CSS selector; on resume another one writes the
  values back (firing ``input`` and ``change``) and scrolls. Password fields,
  fields whose ``autocomplete`` names a secret (one-time codes, card numbers),
  hidden inputs and buttons are never read; a password field that held text is
  listed by selector under ``dropped`` so the resume can say it is empty.
* **Screen** (no CDP): the URL and, when the screenshot reports it, ``scroll_y``;
  resume scrolls back with wheel moves. Form values are not captured.

CDP is used here only to read and restore state, never to choose where to click.
A computer without ``cdp``, or whose ``cdp`` refuses (``CdpUnavailable``, the
403 of a remote plane), or fails, silently gets the screen path.

Saved shapes (``PauseState.browser_state``)::

    screen: {"url": str | None, "scroll_y"?: int}
    cdp:    {"url", "scroll_x", "scroll_y", "viewport": {"width", "height"},
             "form": {selector: str | bool | list[str]}, "dropped": [selector],
             "captured_by": "cdp"}
"""

from __future__ import annotations

import json
import uuid
from typing import Any

import anyio

from mantis.errors import MantisError
from mantis.gym.base import CdpUnavailable, Computer
from mantis.runner.context import StepContext

CDP_TIMEOUT_S = 15.0
"""Longest wait for one capture or restore evaluation before falling back."""
LOAD_WAIT_MS = 10_000
"""How long the restore script waits for ``document.readyState == "complete"``."""
MAX_FIELDS = 500
MAX_VALUE_CHARS = 65_536

# The selector for one field: its #id when unique; else its name scoped by its
# form (#form-id or form[name=...]), with [value=...] for checkboxes and radios,
# when that is unique; else a structural nth-of-type path from the nearest
# ancestor with a unique id (or from <html>).
_SELECTOR_JS = r"""
const esc = s => CSS.escape(s);
const unique = sel => { try { return document.querySelectorAll(sel).length === 1; }
                        catch (e) { return false; } };
const structural = el => {
  const parts = [];
  for (let n = el; n && n !== document.documentElement; n = n.parentElement) {
    if (n !== el && n.id && unique('#' + esc(n.id))) {
      parts.unshift('#' + esc(n.id));
      return parts.join(' > ');
    }
    let i = 1;
    for (let s = n.previousElementSibling; s; s = s.previousElementSibling)
      if (s.localName === n.localName) i++;
    parts.unshift(n.localName + ':nth-of-type(' + i + ')');
  }
  parts.unshift('html');
  return parts.join(' > ');
};
const selectorOf = el => {
  if (el.id && unique('#' + esc(el.id))) return '#' + esc(el.id);
  const name = el.getAttribute('name');
  if (name) {
    const f = el.closest('form');
    let scope = '';
    if (f) {
      const fid = f.getAttribute('id'), fname = f.getAttribute('name');
      if (fid && unique('#' + esc(fid))) scope = '#' + esc(fid) + ' ';
      else if (fname) scope = 'form[name="' + esc(fname) + '"] ';
    }
    let sel = scope + el.localName + '[name="' + esc(name) + '"]';
    const v = el.getAttribute('value');
    if ((el.type === 'checkbox' || el.type === 'radio') && v !== null)
      sel += '[value="' + esc(v) + '"]';
    if (unique(sel)) return sel;
  }
  return structural(el);
};
"""

CAPTURE_JS = (
    "(() => {"
    + _SELECTOR_JS
    + r"""
const SKIP = new Set(['hidden', 'submit', 'button', 'reset', 'image', 'file']);
const SECRET = new Set(['current-password', 'new-password', 'one-time-code', 'cc-number',
                        'cc-csc', 'cc-exp']);
const form = {}, dropped = [];
let skipped = 0;
for (const el of document.querySelectorAll('input, textarea, select, [contenteditable]')) {
  const tag = el.localName;
  let value;
  if (tag === 'input') {
    const t = el.type;
    if (SKIP.has(t)) continue;
    const ac = (el.getAttribute('autocomplete') || '').toLowerCase().split(/\s+/);
    if (t === 'password' || ac.some(a => SECRET.has(a))) {
      if (el.value) dropped.push(selectorOf(el));
      continue;
    }
    if (t === 'radio') {
      if (!el.checked || el.defaultChecked) continue;
      value = true;
    } else if (t === 'checkbox') {
      if (el.checked === el.defaultChecked) continue;
      value = el.checked;
    } else {
      if (el.value === el.defaultValue) continue;
      value = el.value;
    }
  } else if (tag === 'textarea') {
    if (el.value === el.defaultValue) continue;
    value = el.value;
  } else if (tag === 'select') {
    const opts = Array.from(el.options);
    if (opts.every(o => o.selected === o.defaultSelected)) continue;
    const chosen = opts.filter(o => o.selected).map(o => o.value);
    value = el.multiple ? chosen : (chosen.length ? chosen[0] : '');
  } else {
    if (!el.isContentEditable || (el.parentElement && el.parentElement.isContentEditable))
      continue;
    value = el.innerText;
    if (!value.trim()) continue;
  }
  if (Object.keys(form).length >= """
    + str(MAX_FIELDS)
    + r""" || (typeof value === 'string' && value.length > """
    + str(MAX_VALUE_CHARS)
    + r""")) {
    skipped++;
    continue;
  }
  form[selectorOf(el)] = value;
}
return {url: location.href, scroll_x: Math.round(scrollX), scroll_y: Math.round(scrollY),
        viewport: {width: innerWidth, height: innerHeight}, form, dropped, skipped};
})()"""
)

_RESTORE_JS = (
    "(async (s) => {"
    + r"""
const deadline = Date.now() + """
    + str(LOAD_WAIT_MS)
    + r""";
while (document.readyState !== 'complete' && Date.now() < deadline)
  await new Promise(r => setTimeout(r, 50));
const here = {url: location.href, viewport: {width: innerWidth, height: innerHeight}};
if (s.url && location.href !== s.url)
  return {...here, wrong_page: true, restored: 0, changed: 0, missing: Object.keys(s.form),
          scroll_x: Math.round(scrollX), scroll_y: Math.round(scrollY)};
const protoOf = el => el instanceof HTMLTextAreaElement ? HTMLTextAreaElement.prototype
  : el instanceof HTMLSelectElement ? HTMLSelectElement.prototype : HTMLInputElement.prototype;
// The prototype's setter, so frameworks that wrap .value on the element see the change.
const put = (el, prop, v) => {
  const d = Object.getOwnPropertyDescriptor(protoOf(el), prop);
  if (d && d.set) d.set.call(el, v); else el[prop] = v;
};
const fire = el => {
  el.dispatchEvent(new Event('input', {bubbles: true}));
  el.dispatchEvent(new Event('change', {bubbles: true}));
};
let restored = 0, changed = 0;
const missing = [];
for (const [sel, v] of Object.entries(s.form)) {
  let el = null;
  try { el = document.querySelector(sel); } catch (e) { el = null; }
  const tag = el ? el.localName : '';
  let same;
  if (!el || (tag === 'input' && (el.type === 'password' || el.type === 'hidden'))) {
    missing.push(sel);
    continue;
  } else if (tag === 'input' && (el.type === 'checkbox' || el.type === 'radio')) {
    same = el.checked === !!v;
    if (!same) put(el, 'checked', !!v);
  } else if (tag === 'select') {
    const want = Array.isArray(v) ? v.map(String) : [String(v)];
    const opts = Array.from(el.options);
    if (!want.every(w => opts.some(o => o.value === w))) { missing.push(sel); continue; }
    same = opts.every(o => o.selected === want.includes(o.value));
    if (!same) {
      if (el.multiple) opts.forEach(o => { o.selected = want.includes(o.value); });
      else put(el, 'value', want[0]);
    }
  } else if (tag === 'input' || tag === 'textarea') {
    same = el.value === String(v);
    if (!same) put(el, 'value', String(v));
  } else if (el.isContentEditable) {
    same = el.innerText === String(v);
    if (!same) el.innerText = String(v);
  } else {
    missing.push(sel);
    continue;
  }
  if (!same) { fire(el); changed++; }
  restored++;
}
scrollTo(s.scroll_x || 0, s.scroll_y || 0);
return {...here, wrong_page: false, restored, changed, missing,
        scroll_x: Math.round(scrollX), scroll_y: Math.round(scrollY)};
})"""
)


def restore_js(saved: dict[str, Any]) -> str:
    """The restore expression for a saved state (values passed as a JSON literal)."""
    payload: dict[str, Any] = {
        # Only a URL read by CDP is compared with location.href (the screen's comes
        # from the address bar and may be spelled differently).
        "url": (saved.get("url") or "") if saved.get("captured_by") == "cdp" else "",
        "scroll_x": _int(saved.get("scroll_x")),
        "scroll_y": _int(saved.get("scroll_y")),
        "form": saved.get("form") if isinstance(saved.get("form"), dict) else {},
    }
    return f"{_RESTORE_JS}({json.dumps(payload)})"


def _int(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


class _NoCdp(Exception):
    """This computer does not offer CDP (expected; not worth a warning)."""


async def _evaluate(computer: Computer, expression: str, purpose: str) -> Any:
    """The parsed JSON value of ``expression``; ``_NoCdp`` when CDP is not offered."""
    cdp = getattr(computer, "cdp", None)
    if not callable(cdp):
        raise _NoCdp
    try:
        with anyio.fail_after(CDP_TIMEOUT_S):
            text = await cdp(expression, f"browser-state-{purpose}-{uuid.uuid4().hex[:12]}")
    except (CdpUnavailable, NotImplementedError) as exc:
        raise _NoCdp from exc
    return json.loads(text)


async def capture(ctx: StepContext) -> dict[str, Any]:
    """The browser state to keep in a ``PauseState`` (CDP when offered, else the screen's).

    Called after the meter stopped: computer calls go direct, not through ``ctx``.
    """
    try:
        got = await _evaluate(ctx.computer, CAPTURE_JS, "capture")
        if not isinstance(got, dict) or not isinstance(got.get("form"), dict):
            raise ValueError(f"unexpected capture result {str(got)[:200]!r}")
    except _NoCdp:
        pass
    except (MantisError, TimeoutError, ValueError) as exc:
        await ctx.emit(
            "warning", {"message": f"browser state via CDP failed, using the screen's: {exc}"}
        )
    else:
        if got.get("skipped"):
            await ctx.emit(
                "warning",
                {"message": f"browser state: {got['skipped']} form field(s) too many or too long"},
            )
        return {
            "url": got.get("url"),
            "scroll_x": _int(got.get("scroll_x")),
            "scroll_y": _int(got.get("scroll_y")),
            "viewport": got.get("viewport") or {},
            "form": got["form"],
            "dropped": [str(s) for s in got.get("dropped") or []],
            "captured_by": "cdp",
        }
    return await _screen_state(ctx)


async def _screen_state(ctx: StepContext) -> dict[str, Any]:
    state: dict[str, Any] = {"url": await final_url(ctx)}
    try:
        shot = await ctx.computer.screenshot()
    except MantisError:
        return state
    if shot.scroll_y is not None:
        state["scroll_y"] = shot.scroll_y
    return state


async def final_url(ctx: StepContext) -> str | None:
    """The browser's URL, or None (with a warning event) when it cannot be read."""
    try:
        return await ctx.computer.current_url()
    except MantisError as exc:  # the URL is informative; missing it must not fail the run
        await ctx.emit("warning", {"message": f"could not read the current URL: {exc}"})
        return None


async def restore(ctx: StepContext, saved: dict[str, Any]) -> dict[str, Any]:
    """Return the browser to ``saved``: the URL, then (CDP) form values and scroll, or
    (screen) the scroll by wheel. Emits and returns a ``browser_state_restored`` report."""
    url = saved.get("url")
    form: dict[str, Any] = saved["form"] if isinstance(saved.get("form"), dict) else {}
    dropped = list(saved.get("dropped") or [])
    report: dict[str, Any] = {
        "url": url,
        "navigated": False,
        "via": "screen",
        "fields_saved": len(form),
        "fields_restored": 0,
        "fields_missing": [],
        "passwords_left_empty": dropped,
    }
    if url:
        if await ctx.current_url() != url:
            await ctx.navigate(url)
            report["navigated"] = True
    try:
        with ctx.meter.bucket("act"):
            done = await _evaluate(ctx.computer, restore_js(saved), "restore")
        if not isinstance(done, dict):
            raise ValueError(f"unexpected restore result {str(done)[:200]!r}")
    except _NoCdp:
        done = None
    except (MantisError, TimeoutError, ValueError) as exc:
        await ctx.emit("warning", {"message": f"restoring browser state via CDP failed: {exc}"})
        done = None
    if done is None:
        scroll_y = saved.get("scroll_y")
        if isinstance(scroll_y, int) and scroll_y > 0:
            report["scroll_restored"] = await restore_scroll(ctx, scroll_y)
        if form:
            report["note"] = (
                f"{len(form)} form value(s) were saved but not restored: "
                "the computer offers no CDP (open the session with enable_cdp)"
            )
        else:
            report["note"] = "URL and scroll only: form values need a computer offering CDP"
    else:
        report["via"] = "cdp"
        report["fields_restored"] = int(done.get("restored") or 0)
        report["fields_changed"] = int(done.get("changed") or 0)
        report["fields_missing"] = list(done.get("missing") or [])
        report["scroll"] = [done.get("scroll_x"), done.get("scroll_y")]
        report["scroll_restored"] = not done.get("wrong_page") and (
            abs(_int(done.get("scroll_y")) - _int(saved.get("scroll_y"))) <= 1
            and abs(_int(done.get("scroll_x")) - _int(saved.get("scroll_x"))) <= 1
        )
        viewport = saved.get("viewport")
        if viewport:
            report["viewport_matches"] = viewport == done.get("viewport")
        if done.get("wrong_page"):
            report["note"] = (
                f"the browser is at {done.get('url')!r}, not the saved URL: "
                "form values and scroll were not restored"
            )
    await ctx.emit("browser_state_restored", report)
    return report


async def restore_scroll(ctx: StepContext, target: int, *, tolerance: int = 40) -> bool:
    """Scroll until the page's ``scroll_y`` is within ``tolerance`` px of ``target``.

    Wheel moves are in clicks whose pixel size the runner does not know, so it
    re-reads ``scroll_y`` after each move and stops when close, when a move made
    no progress, or after ``RunnerConfig.max_scroll_repeats`` moves. False when the
    computer does not report ``scroll_y`` or the target was not reached.
    """
    from mantis.brains.actions import Scroll

    for _ in range(ctx.config.max_scroll_repeats):
        current = (await ctx.shot()).scroll_y
        if current is None:
            return False
        gap = target - current
        if abs(gap) <= tolerance:
            return True
        await ctx.act(Scroll(direction="down" if gap > 0 else "up", amount=3))
        after = (await ctx.shot()).scroll_y
        if after is None or after == current:
            return False
    current = (await ctx.shot()).scroll_y
    return current is not None and abs(target - current) <= tolerance
