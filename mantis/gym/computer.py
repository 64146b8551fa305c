"""``LocalComputer``: Xvfb + Chromium + XTest in this process.

Pixel-pure by default: navigation types into the address bar, and
``current_url`` reads it back through the X clipboard (``mantis.gym.omnibox``). With ``enable_cdp`` both go through CDP
(``mantis.gym.cdp``) and ``cdp()`` evaluates expressions in the page.

Crash recovery: every public call first checks Xvfb and Chromium; if either
died it is restarted on the same profile (a new Xvfb brings a new Chromium),
the browser returns to the last URL this computer navigated to or read, and
``browser_restarted`` goes to the optional event sink. The call then proceeds.

Proxy: with a provider (``upstream``) or ``allowed_domains``, Chromium goes
through this session's auth-holder (``mantis.gym.proxy``); its
``proxy_blocked`` events reach the sink on the next call.
"""

from __future__ import annotations

import atexit
import json
import logging
import weakref
from pathlib import Path
from types import TracebackType

import anyio
import msgspec

from mantis.brains.actions import (
    Action,
    Back,
    Click,
    Done,
    DoubleClick,
    Drag,
    Key,
    Move,
    Navigate,
    RightClick,
    Scroll,
    ToolCall,
    Type,
    Wait,
)
from mantis.errors import ComputerError
from mantis.gym.base import (
    ActResult,
    CdpUnavailable,
    EventSink,
    Screenshot,
    SessionInfo,
    SessionSpec,
    XdotoolResult,
)
from mantis.gym.browser import Chromium
from mantis.gym.cdp import CdpPage, devtools_port
from mantis.gym.clipboard import Clipboard
from mantis.gym.display import XvfbDisplay
from mantis.gym.omnibox import read_address, type_address
from mantis.gym.probe import PROBE_URL, measure_content_top
from mantis.gym.providers import ProxyUpstream
from mantis.gym.proxy import AuthHolder
from mantis.gym.screen import ScreenCapture
from mantis.gym.xdotool import run_xdotool
from mantis.gym.xinput import XInput

log = logging.getLogger(__name__)


_live: weakref.WeakSet[LocalComputer] = weakref.WeakSet()


@atexit.register
def _kill_leftovers() -> None:
    for computer in list(_live):
        computer.kill_now()


class LocalComputer:
    """A headed Chromium on a private Xvfb, driven by XTest. Implements ``Computer``.

    The screen size is the spec's ``viewport``; ``display_size`` is used only when a
    spec leaves it empty.
    """

    def __init__(
        self,
        chromium_path: str = "chromium",
        display_size: tuple[int, int] = (1280, 720),
        *,
        on_event: EventSink | None = None,
        upstream: ProxyUpstream | None = None,
    ):
        self.chromium_path = chromium_path
        self.display_size = display_size
        self.restarts = 0
        self._on_event = on_event
        self._spec: SessionSpec | None = None
        self._last_url = ""
        self._recovering = anyio.Lock()
        self._cdp: CdpPage | None = None
        self.upstream = upstream  # the configured provider, unless a spec says otherwise
        self.proxy: AuthHolder | None = None
        self.display: XvfbDisplay | None = None
        self.browser: Chromium | None = None
        self.info: SessionInfo | None = None
        self._input: XInput | None = None
        self._screen: ScreenCapture | None = None
        self._clipboard: Clipboard | None = None

    # -- lifecycle ------------------------------------------------------------------------

    async def open(self, spec: SessionSpec) -> SessionInfo:
        if self.display is not None:
            raise ComputerError("this LocalComputer is already open; close it first")
        self._spec = spec
        _live.add(self)
        try:
            await self._start()
            await self.navigate(spec.start_url or "about:blank")
        except BaseException:
            with anyio.CancelScope(shield=True):
                await self.close()
            raise
        assert self.info is not None
        return self.info

    async def _start(self) -> None:
        """Start whatever is not running: the display (and its connections), then Chromium."""
        spec = self._spec
        assert spec is not None
        size = (spec.viewport[0], spec.viewport[1]) if spec.viewport else self.display_size
        if self.display is None:
            self.display = await XvfbDisplay.start(size)
            name = self.display.name
            self._input = XInput(name)
            self._screen = ScreenCapture(name)
            self._clipboard = Clipboard(name)
        if self.proxy is None and not spec.proxy_server:
            upstream = None if spec.proxy_disabled else (spec.upstream or self.upstream)
            if upstream is not None or spec.allowed_domains:
                self.proxy = AuthHolder(upstream, spec.allowed_domains)
                await self.proxy.astart()
        if self.browser is None:
            assert self._input is not None
            profile = Path(spec.profile_dir)
            flags = spec.chrome_flags
            if spec.enable_cdp:
                # Port 0: Chromium picks a free loopback port and writes it to the profile.
                (profile / "DevToolsActivePort").unlink(missing_ok=True)
                flags = (*flags, "--remote-debugging-port=0")
            self.browser = await Chromium.launch(
                self.display.name,
                profile,
                size,
                chromium_path=self.chromium_path,
                start_url=PROBE_URL,
                proxy_server=self.proxy.url if self.proxy else spec.proxy_server,
                extra_flags=flags,
            )
            if spec.enable_cdp:
                self._cdp = await CdpPage.attach(await devtools_port(profile))
            if self.browser.window is not None:
                await self._input.focus_window(self.browser.window)
            self.info = SessionInfo(
                display=self.display.name,
                chrome_pid=self.browser.pid,
                width=size[0],
                height=size[1],
                content_top=await measure_content_top(self._parts()[1]),
            )

    async def _stop_display(self) -> None:
        for part in (self._clipboard, self._input, self._screen):
            if part is not None:
                part.close()
        self._clipboard = self._input = self._screen = None
        if self.display is not None:
            await self.display.stop()
            self.display = None

    async def _drop_cdp(self) -> None:
        if self._cdp is not None:
            cdp, self._cdp = self._cdp, None
            await cdp.aclose()

    async def _recover(self) -> None:
        """Restart a dead Xvfb or Chromium on the same profile and return to the last URL.

        A no-op while both are alive. Emits ``browser_restarted`` with what died.
        """
        if self.display is None or self._spec is None:
            raise ComputerError("the computer is not open")
        if self.proxy is not None and self.proxy.events and self._on_event is not None:
            for kind, data in self.proxy.drain_events():
                await self._on_event(kind, data)
        display_dead = not self.display.alive
        if not display_dead and self.browser is not None and self.browser.alive:
            return
        async with self._recovering:
            if self.display is None:
                raise ComputerError("the computer was closed during recovery")
            display_dead = not self.display.alive
            if not display_dead and self.browser is not None and self.browser.alive:
                return  # another task recovered it while we waited
            what = "xvfb" if display_dead else "chromium"
            log.warning("%s died; restarting it on the same profile", what)
            with anyio.CancelScope(shield=True):
                await self._drop_cdp()
                if self.browser is not None:
                    await self.browser.close()  # reaps helpers left in its session
                    self.browser = None
                if display_dead:
                    await self._stop_display()
            await self._start()
            if self._last_url:
                await self.navigate(self._last_url)
            self.restarts += 1
            if self._on_event is not None:
                await self._on_event(
                    "browser_restarted",
                    {"what": what, "url": self._last_url, "restarts": self.restarts},
                )

    async def close(self) -> None:
        """Stop the browser and the display. Idempotent; safe from a cancelled task."""
        with anyio.CancelScope(shield=True):
            await self._drop_cdp()
            if self.browser is not None:
                await self.browser.close()
                self.browser = None
            await self._stop_display()
            if self.proxy is not None:
                await self.proxy.aclose()
                self.proxy = None
            _live.discard(self)

    def kill_now(self) -> None:
        """Synchronous best-effort kill, for interpreter exit and garbage collection."""
        if self.browser is not None:
            self.browser.kill_now()
        if self.display is not None:
            self.display.kill_now()

    def __del__(self) -> None:
        if self.browser is not None or self.display is not None:
            log.warning("LocalComputer collected while open; killing its processes")
            self.kill_now()

    async def __aenter__(self) -> LocalComputer:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    # -- parts ----------------------------------------------------------------------------

    @property
    def input(self) -> XInput:
        return self._parts()[0]

    def _parts(self) -> tuple[XInput, ScreenCapture]:
        if self._input is None or self._screen is None or self.display is None:
            raise ComputerError("the computer is not open")
        self.display.check_alive()
        if self.browser is not None and not self.browser.alive:
            raise ComputerError(f"Chromium exited (code {self.browser.proc.returncode})")
        return self._input, self._screen

    # -- Computer ------------------------------------------------------------------------

    async def screenshot(self) -> Screenshot:
        """The whole screen, raw; with CDP also the page's ``scroll_y``."""
        await self._recover()
        _, screen = self._parts()
        shot = await screen.grab()
        if self._cdp is not None:
            scroll = await self._cdp.evaluate("Math.round(scrollY)", await_promise=False)
            shot = msgspec.structs.replace(shot, scroll_y=int(json.loads(scroll)))
        return shot

    async def settle(self, floor_s: float = 0.15, ceiling_s: float = 3.0) -> float:
        await self._recover()
        _, screen = self._parts()
        return await screen.settle(floor_s, ceiling_s)

    async def navigate(self, url: str) -> None:
        """Focus the address bar, type the URL, press Return, then wait for the page.

        With CDP: ``Page.navigate`` instead of typing."""
        await self._recover()
        xin, screen = self._parts()
        if self._cdp is not None:
            await self._cdp.navigate(url)
            await screen.settle(0.3, 10.0)
            self._last_url = url
            return
        assert self._clipboard is not None
        await type_address(xin, self._clipboard, url)
        await screen.settle(0.3, 10.0)  # floor: let the load spinner start
        self._last_url = url

    async def current_url(self) -> str:
        """The address bar's URL, read through the X clipboard; page focus is restored.

        With CDP: the page's ``location.href``."""
        await self._recover()
        if self._cdp is not None:
            self._last_url = await self._cdp.url()
            return self._last_url
        xin, _ = self._parts()
        assert self._clipboard is not None
        url = await read_address(xin, self._clipboard)
        if url:
            self._last_url = url  # where a restarted browser returns to
        return url

    async def xdotool(self, argv: list[str], step_id: str = "") -> XdotoolResult:
        """Run an xdotool argv over XTest (``step_id`` dedup is the wire's job)."""
        await self._recover()
        xin, _ = self._parts()
        return await run_xdotool(xin, argv)

    async def cdp(self, expression: str, step_id: str = "") -> str:
        """JSON of ``expression`` evaluated in the page (promises awaited)."""
        if self._spec is None or not self._spec.enable_cdp:
            raise CdpUnavailable("cdp: this session did not enable CDP (enable_cdp: false)")
        await self._recover()
        assert self._cdp is not None
        return await self._cdp.evaluate(expression)

    async def act(self, action: Action) -> ActResult:
        """Perform one action. Model mistakes (off-screen points, bad keys) come back as data."""
        await self._recover()
        xin, _ = self._parts()
        try:
            match action:
                case Click(x=x, y=y, button=button):
                    await xin.click(x, y, button)
                case DoubleClick(x=x, y=y):
                    await xin.double_click(x, y)
                case RightClick(x=x, y=y):
                    await xin.click(x, y, "right")
                case Drag(x1=x1, y1=y1, x2=x2, y2=y2):
                    await xin.drag(x1, y1, x2, y2)
                case Move(x=x, y=y):
                    await xin.move(x, y)
                case Type(text=text):
                    await xin.type(text)
                case Key(keys=keys):
                    await xin.key(keys)
                case Scroll(direction=direction, amount=amount, x=x, y=y):
                    await xin.scroll(direction, amount, x, y)
                case Wait(seconds=seconds):
                    await anyio.sleep(max(0.0, seconds))
                case Navigate(url=url):
                    await self.navigate(url)
                case Back():
                    await xin.key("alt+Left")
                case Done() | ToolCall():
                    pass
                case _:
                    return ActResult(ok=False, detail=f"unsupported action {type(action).__name__}")
        except ComputerError as exc:
            self._parts()  # a dead display or browser is a real failure, not a model mistake
            return ActResult(ok=False, detail=exc.message)
        return ActResult(ok=True)
