// Mantis viewer: one script for /ui/login, /ui/ and /ui/runs/{id}.
// Everything a run says (intents, prompts, events) is user data: it reaches the page
// only through textContent and attributes set from encoded values, never as HTML.
"use strict";

const VIEWER_HEADER = { "X-Mantis-Viewer": "1" };
const $ = (id) => document.getElementById(id);
const state = { screen: { width: 1280, height: 800 }, terminal: false, lastSeq: 0 };

function text(el, value) {
  el.textContent = value === null || value === undefined ? "" : String(value);
}

function element(tag, className, value) {
  const el = document.createElement(tag);
  if (className) el.className = className;
  if (value !== undefined) text(el, value);
  return el;
}

async function api(path, options = {}) {
  const init = { credentials: "same-origin", ...options };
  if (init.method === "POST") {
    init.headers = { ...VIEWER_HEADER, "Content-Type": "application/json", ...(init.headers || {}) };
  }
  const response = await fetch(path, init);
  if (response.status === 401 && location.pathname !== "/ui/login") {
    location.assign("/ui/login");
    throw new Error("not logged in");
  }
  let body = null;
  try { body = await response.json(); } catch (_) { body = null; }
  if (!response.ok) {
    const detail = body && body.detail ? body.detail : `HTTP ${response.status}`;
    const error = new Error(detail);
    error.status = response.status;
    throw error;
  }
  return body;
}

function show(id) {
  for (const view of ["login-view", "runs-view", "run-view"]) $(view).hidden = view !== id;
}

async function whoami() {
  const me = await api("/ui/api/me");
  state.screen = me.screen;
  text($("who"), `tenant ${me.tenant_id}`);
  $("logout").hidden = false;
}

// -- login ------------------------------------------------------------------------------

function loginPage() {
  show("login-view");
  $("login-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const token = new FormData(event.target).get("token");
    text($("login-error"), "");
    try {
      await api("/ui/login", { method: "POST", body: JSON.stringify({ token }) });
      location.assign("/ui/");
    } catch (error) {
      text($("login-error"), error.message);
    }
  });
}

// -- runs -------------------------------------------------------------------------------

function runLink(runId) {
  const a = element("a", "", runId);
  a.href = `/ui/runs/${encodeURIComponent(runId)}`;
  return a;
}

async function runsPage() {
  show("runs-view");
  await whoami();
  let cursor = null;
  const more = async () => {
    const query = new URLSearchParams({ limit: "50" });
    if (cursor) query.set("cursor", cursor);
    try {
      const page = await api(`/v1/runs?${query}`);
      for (const run of page.runs) {
        const row = element("tr");
        const idCell = element("td");
        idCell.append(runLink(run.run_id));
        const status = element("span", `badge ${run.status}`, run.status);
        const statusCell = element("td");
        statusCell.append(status);
        row.append(idCell, statusCell, element("td", "", run.phase),
          element("td", "", `${run.step_index}/${run.step_total}`),
          element("td", "", run.created_at ? new Date(run.created_at).toLocaleString() : ""));
        $("runs-body").append(row);
      }
      cursor = page.next_cursor;
      $("runs-more").hidden = !cursor;
    } catch (error) {
      text($("runs-error"), error.message);
    }
  };
  $("runs-more").addEventListener("click", more);
  await more();
}

// -- one run ----------------------------------------------------------------------------

function runIdFromPath() {
  return decodeURIComponent(location.pathname.slice("/ui/runs/".length).replace(/\/$/, ""));
}

function summarize(data) {
  if (!data || typeof data !== "object") return "";
  const parts = [];
  for (const [key, value] of Object.entries(data)) {
    const shown = typeof value === "string" ? value : JSON.stringify(value);
    parts.push(`${key}=${shown}`);
  }
  return parts.join("  ");
}

function addEvent(kind, data, seq) {
  const li = element("li");
  if (seq) li.value = seq;
  li.append(element("span", "kind", kind), element("span", "", summarize(data)));
  $("events").append(li);
  li.scrollIntoView({ block: "nearest" });
}

async function streamEvents(runId) {
  // SSE over fetch: every event kind arrives, and the cookie rides along.
  while (true) {
    try {
      const url = `/v1/runs/${encodeURIComponent(runId)}/events?sse=true&after=${state.lastSeq}`;
      const response = await fetch(url, { credentials: "same-origin" });
      if (!response.ok) throw new Error(`events: HTTP ${response.status}`);
      const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = "";
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += value.replace(/\r\n/g, "\n");
        let cut;
        while ((cut = buffer.indexOf("\n\n")) >= 0) {
          const block = buffer.slice(0, cut);
          buffer = buffer.slice(cut + 2);
          if (handleSse(block)) return;
        }
      }
    } catch (error) {
      text($("run-error"), error.message);
    }
    if (state.terminal) return;
    await new Promise((resolve) => setTimeout(resolve, 2000));
  }
}

function handleSse(block) {
  let kind = "message", id = null;
  const data = [];
  for (const line of block.split("\n")) {
    if (line.startsWith(":")) continue;
    const colon = line.indexOf(":");
    const field = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
    if (field === "event") kind = value;
    else if (field === "id") id = value;
    else if (field === "data") data.push(value);
  }
  if (!data.length) return false;
  let parsed = null;
  try { parsed = JSON.parse(data.join("\n")); } catch (_) { parsed = data.join("\n"); }
  if (kind === "terminal") {
    state.terminal = true;
    return true;
  }
  if (id && /^\d+$/.test(id)) state.lastSeq = Number(id);
  addEvent(kind, parsed && parsed.data !== undefined ? parsed.data : parsed, state.lastSeq);
  return false;
}

function setLive(runId, on) {
  const img = $("live");
  const src = `/v1/runs/${encodeURIComponent(runId)}/live.mjpeg`;
  if (on && !img.getAttribute("src")) {
    img.src = src;
    text($("live-note"), "");
  } else if (!on && img.getAttribute("src")) {
    img.removeAttribute("src");
    text($("live-note"), "No live view: the run has no browser open.");
  }
}

async function poll(runId) {
  let paused = false;
  while (true) {
    let wait = 1000;
    try {
      const run = await api(`/v1/runs/${encodeURIComponent(runId)}`);
      const badge = $("run-status");
      text(badge, run.status);
      badge.className = `badge ${run.status}`;
      text($("run-phase"), run.phase);
      $("run-progress").max = Math.max(1, run.step_total);
      $("run-progress").value = Math.min(run.step_index, run.step_total);
      text($("run-steps"), `step ${run.step_index} of ${run.step_total}`);
      text($("run-error"), "");
      const live = run.status === "running" || run.status === "paused";
      setLive(runId, live);
      $("takeover").disabled = !live;
      if (run.status === "paused" && !paused) {
        const full = await api(`/v1/runs/${encodeURIComponent(runId)}/status`);
        text($("answer-prompt"), full.prompt || full.reason || "input needed");
      }
      paused = run.status === "paused";
      $("answer-form").hidden = !paused;
      if (run.polling_backoff_ms_hint === 0) {
        state.terminal = true;
        setTakeover(false);
        return;
      }
      wait = Math.max(500, Math.min(run.polling_backoff_ms_hint, 5000));
    } catch (error) {
      text($("run-error"), error.message);
      if (error.status === 404) return;
    }
    await new Promise((resolve) => setTimeout(resolve, wait));
  }
}

// -- take over --------------------------------------------------------------------------

function setTakeover(on) {
  const img = $("live");
  $("takeover").setAttribute("aria-pressed", String(on));
  text($("takeover"), on ? "Stop taking over" : "Take over");
  $("takeover-hint").hidden = !on;
  img.classList.toggle("takeover", on);
  if (on) img.focus();
}

const KEY_NAMES = new Set(["Enter", "Escape", "Tab", "Backspace", "Delete", "Insert", "Home",
  "End", "PageUp", "PageDown", "ArrowUp", "ArrowDown", "ArrowLeft", "ArrowRight"]);

function keyAction(event) {
  const mods = [];
  if (event.ctrlKey) mods.push("ctrl");
  if (event.altKey) mods.push("alt");
  if (event.metaKey) mods.push("super");
  const named = KEY_NAMES.has(event.key) || /^F\d{1,2}$/.test(event.key);
  if (!named && event.key.length !== 1) return null; // a lone modifier, dead key, …
  if (!named && !mods.length) return { kind: "type", text: event.key };
  if (event.shiftKey) mods.push("shift");
  const name = event.key === " " ? "space" : event.key.toLowerCase();
  return { kind: "key", keys: [...mods, name].join("+") };
}

function takeoverSetup(runId) {
  const img = $("live");
  const send = async (action) => {
    try {
      await api(`/ui/runs/${encodeURIComponent(runId)}/input`,
        { method: "POST", body: JSON.stringify(action) });
    } catch (error) {
      text($("run-error"), `take over: ${error.message}`);
    }
  };
  const active = () => img.classList.contains("takeover");
  $("takeover").addEventListener("click", () => setTakeover(!active()));
  img.addEventListener("click", (event) => {
    if (!active() || !img.clientWidth || !img.clientHeight) return;
    const box = img.getBoundingClientRect();
    const x = Math.floor(((event.clientX - box.left) / box.width) * state.screen.width);
    const y = Math.floor(((event.clientY - box.top) / box.height) * state.screen.height);
    img.focus();
    send({
      kind: "click",
      x: Math.max(0, Math.min(state.screen.width - 1, x)),
      y: Math.max(0, Math.min(state.screen.height - 1, y)),
    });
  });
  img.addEventListener("keydown", (event) => {
    if (!active()) return;
    const action = keyAction(event);
    if (!action) return;
    event.preventDefault();
    send(action);
  });
}

function answerSetup(runId) {
  $("answer-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const userInput = new FormData(event.target).get("user_input");
    try {
      await api(`/ui/runs/${encodeURIComponent(runId)}/resume`,
        { method: "POST", body: JSON.stringify({ user_input: userInput }) });
      event.target.reset();
      $("answer-form").hidden = true;
    } catch (error) {
      text($("run-error"), `answer: ${error.message}`);
    }
  });
}

async function runPage() {
  show("run-view");
  const runId = runIdFromPath();
  text($("run-id"), runId);
  await whoami();
  $("live").addEventListener("error", () => {
    $("live").removeAttribute("src");
    text($("live-note"), "The live view is not available right now.");
  });
  answerSetup(runId);
  takeoverSetup(runId);
  streamEvents(runId);
  await poll(runId);
}

function main() {
  const path = location.pathname;
  let page = runsPage;
  if (path === "/ui/login") page = loginPage;
  else if (path.startsWith("/ui/runs/")) page = runPage;
  page().catch((error) => console.error(error));
}

main();
