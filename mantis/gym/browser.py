"""Chromium, headed, on one X display, owning the whole screen.

The browser is started in its own session (``start_new_session``) so that the
browser, its zygotes, renderers and crashpad handler can all be found and
killed together on close. Before launch the profile is made quiet: stale
``Singleton*`` files are removed and the previous exit is marked clean so no
"restore pages?" bubble appears; translate and password-save prompts are off
in the profile's preferences and by flag.

Closing asks the browser window to close (``WM_DELETE_WINDOW``, as a user
would), so cookies and local storage reach the profile; SIGTERM and then
SIGKILL of the whole session follow if it lingers.

``--test-type`` is what removes the "unsupported command-line flag:
--no-sandbox" info bar on this Chromium (``--disable-infobars`` does not).
"""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import tempfile
import time
from functools import partial
from pathlib import Path
from typing import Any

import anyio

from mantis.config import child_environment
from mantis.errors import ComputerError

log = logging.getLogger(__name__)

_WINDOW_DEADLINE_S = 30.0
_TERM_GRACE_S = 5.0
_POLL_S = 0.05

_DISABLED_FEATURES = (
    "Translate",
    "TranslateUI",
    "MediaRouter",
    "OptimizationHints",
    "AutofillServerCommunication",
    "PasswordLeakDetection",
    "PrivacySandboxSettings4",
    "InterestFeedContentSuggestions",
    "DownloadBubble",
    "HttpsUpgrades",
)


def chromium_argv(
    chromium_path: str,
    profile_dir: Path,
    size: tuple[int, int],
    *,
    start_url: str = "about:blank",
    proxy_server: str | None = None,
    extra_flags: tuple[str, ...] = (),
    as_root: bool | None = None,
) -> list[str]:
    """The command line for a full-screen, prompt-free Chromium on ``profile_dir``."""
    width, height = size
    argv = [
        chromium_path,
        f"--user-data-dir={profile_dir}",
        "--ozone-platform=x11",
        "--window-position=0,0",
        f"--window-size={width},{height}",
        "--no-first-run",
        "--no-default-browser-check",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-default-apps",
        "--disable-client-side-phishing-detection",
        "--disable-breakpad",
        "--disable-dev-shm-usage",
        "--disable-session-crashed-bubble",
        "--hide-crash-restore-bubble",
        "--noerrdialogs",
        "--password-store=basic",
        "--test-type",  # removes the "--no-sandbox is unsupported" info bar
        # GPU work (SwiftShader on Xvfb) in the browser process: one helper process and
        # ~60 MiB RSS fewer; pages see the same renderer and WebGL.
        "--in-process-gpu",
        f"--disable-features={','.join(_DISABLED_FEATURES)}",
    ]
    if as_root if as_root is not None else os.geteuid() == 0:
        argv.append("--no-sandbox")  # Chromium refuses to start sandboxed as root
    if proxy_server:
        argv.append(f"--proxy-server={proxy_server}")
    argv.extend(extra_flags)
    argv.append(start_url)
    return argv


def prepare_profile(profile_dir: Path) -> None:
    """Make a profile directory ready for a quiet launch (create it if missing)."""
    profile_dir.mkdir(parents=True, exist_ok=True)
    for stale in profile_dir.glob("Singleton*"):
        stale.unlink(missing_ok=True)  # left by a crashed browser; our flock protects the dir
    prefs_path = profile_dir / "Default" / "Preferences"
    prefs: dict = {}
    if prefs_path.exists():
        try:
            prefs = json.loads(prefs_path.read_text(encoding="utf-8"))
        except (ValueError, UnicodeDecodeError):
            log.warning("unreadable Chromium Preferences in %s; starting them afresh", profile_dir)
            prefs = {}
    profile = prefs.setdefault("profile", {})
    profile["exit_type"] = "Normal"
    profile["exited_cleanly"] = True
    profile["password_manager_enabled"] = False
    prefs["credentials_enable_service"] = False
    prefs.setdefault("translate", {})["enabled"] = False
    prefs.setdefault("browser", {})["has_seen_welcome_page"] = True
    prefs_path.parent.mkdir(parents=True, exist_ok=True)
    prefs_path.write_text(json.dumps(prefs), encoding="utf-8")


def session_pids(sid: int) -> list[int]:
    """Pids of live processes whose session id is ``sid`` (a /proc scan)."""
    pids = []
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as f:
                stat = f.read()
        except OSError:
            continue
        # Fields after the parenthesised command: state ppid pgrp session ...
        fields = stat[stat.rfind(b")") + 2 :].split()
        if len(fields) > 3 and int(fields[3]) == sid and fields[0] != b"Z":
            pids.append(int(entry.name))
    return pids


class Chromium:
    """A running Chromium. Create it with :meth:`launch`; stop it with :meth:`close`."""

    def __init__(self, proc: subprocess.Popen[Any], display_name: str, log_file):
        self.proc = proc
        self.display_name = display_name
        self.window: int | None = None
        self._log_file = log_file

    @property
    def pid(self) -> int:
        return self.proc.pid

    @property
    def alive(self) -> bool:
        return self.proc.poll() is None

    def log_tail(self, limit: int = 800) -> str:
        try:
            self._log_file.seek(0)
            return self._log_file.read().decode(errors="replace")[-limit:].strip()
        except (OSError, ValueError):
            return ""

    @classmethod
    async def launch(
        cls,
        display_name: str,
        profile_dir: Path,
        size: tuple[int, int],
        *,
        chromium_path: str = "chromium",
        start_url: str = "about:blank",
        proxy_server: str | None = None,
        extra_flags: tuple[str, ...] = (),
    ) -> Chromium:
        """Start Chromium and wait until its browser window is mapped."""
        await anyio.to_thread.run_sync(prepare_profile, profile_dir)
        argv = chromium_argv(
            chromium_path,
            profile_dir,
            size,
            start_url=start_url,
            proxy_server=proxy_server,
            extra_flags=extra_flags,
        )
        env = {
            k: v
            for k, v in child_environment(DISPLAY=display_name).items()
            if k not in {"WAYLAND_DISPLAY", "CHROME_DEVEL_SANDBOX"}
        }
        log_file = tempfile.TemporaryFile(prefix="mantis-chromium-")
        try:
            # fork+exec can stall on a large process; keep it off the event loop
            proc = await anyio.to_thread.run_sync(
                partial(
                    subprocess.Popen,
                    argv,
                    stdin=subprocess.DEVNULL,
                    stdout=log_file,
                    stderr=subprocess.STDOUT,
                    env=env,
                    start_new_session=True,
                )
            )
        except FileNotFoundError as exc:
            log_file.close()
            raise ComputerError(f"Chromium not found at {chromium_path!r}") from exc
        browser = cls(proc, display_name, log_file)
        try:
            browser.window = await browser._wait_for_window()
        except BaseException:
            with anyio.CancelScope(shield=True):
                await browser.close()
            raise
        return browser

    async def _wait_for_window(self) -> int:
        from Xlib import display as xdisplay

        conn = await anyio.to_thread.run_sync(xdisplay.Display, self.display_name)
        try:
            deadline = time.monotonic() + _WINDOW_DEADLINE_S
            while time.monotonic() < deadline:
                if not self.alive:
                    raise ComputerError(
                        f"Chromium exited at start (code {self.proc.returncode}): {self.log_tail()}"
                    )
                window = await anyio.to_thread.run_sync(_find_browser_window, conn)
                if window is not None:
                    return window
                await anyio.sleep(_POLL_S)
        finally:
            conn.close()
        raise ComputerError(f"Chromium window did not appear within {_WINDOW_DEADLINE_S}s")

    async def close(self) -> None:
        """Kill the browser and every process of its session. Idempotent."""
        await anyio.to_thread.run_sync(self.kill_now)
        if not self._log_file.closed:
            self._log_file.close()

    def kill_now(self) -> None:
        """Blocking stop of the whole browser session: TERM, a short grace, then KILL."""
        sid = self.proc.pid
        if self.alive and self.window is not None and _ask_to_close(self.display_name, self.window):
            # As if the user closed the window: Chromium shuts down in order and writes
            # cookies and local storage to the profile.
            try:
                self.proc.wait(_TERM_GRACE_S)
            except subprocess.TimeoutExpired:
                log.warning("Chromium pid %d did not close its window; terminating it", sid)
        if self.alive:
            # TERM to the browser process alone: it then shuts its helpers down in order and
            # the network service flushes cookies to the profile. TERM to the whole group
            # kills the network service before it writes them.
            self.proc.terminate()
            try:
                self.proc.wait(_TERM_GRACE_S)
            except subprocess.TimeoutExpired:
                log.warning("Chromium pid %d ignored SIGTERM; killing its group", sid)
        _signal_group(sid, signal.SIGKILL)
        if self.alive:
            self.proc.wait(3.0)
        # Helpers that left the process group still share the session id.
        deadline = time.monotonic() + 3.0
        while (rest := session_pids(sid)) and time.monotonic() < deadline:
            for pid in rest:
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass  # exited between the scan and the kill
            time.sleep(0.02)


def _signal_group(pgid: int, sig: int) -> None:
    try:
        os.killpg(pgid, sig)
    except ProcessLookupError:
        pass  # the whole group is already gone


def _ask_to_close(display_name: str, window: int) -> bool:
    """Send WM_DELETE_WINDOW to ``window``; False when the display cannot be reached."""
    from Xlib import X
    from Xlib import display as xdisplay
    from Xlib.error import ConnectionClosedError, DisplayError
    from Xlib.protocol import event

    try:
        conn = xdisplay.Display(display_name)
    except (DisplayError, ConnectionError, OSError):
        return False
    try:
        target = conn.create_resource_object("window", window)
        message = event.ClientMessage(
            window=target,
            client_type=conn.intern_atom("WM_PROTOCOLS"),
            data=(32, [conn.intern_atom("WM_DELETE_WINDOW"), X.CurrentTime, 0, 0, 0]),
        )
        target.send_event(message, event_mask=X.NoEventMask)
        conn.sync()
        return True
    except (ConnectionClosedError, ConnectionError, OSError):
        return False
    finally:
        try:
            conn.close()
        except (ConnectionClosedError, ConnectionError, OSError):
            pass  # the server went away meanwhile; the socket is gone either way


def _find_browser_window(conn) -> int | None:
    """A viewable top-level window whose WM_CLASS says Chromium, or None."""
    from Xlib import X
    from Xlib.error import BadWindow

    root = conn.screen().root
    for child in root.query_tree().children:
        try:
            attrs = child.get_attributes()
            if attrs.map_state != X.IsViewable:
                continue
            wm_class = child.get_wm_class()
        except BadWindow:
            continue  # destroyed while we looked
        if wm_class and any("chrom" in part.lower() for part in wm_class):
            geometry = child.get_geometry()
            if geometry.width > 100 and geometry.height > 100:
                return child.id
    return None
