"""Bodies of the ``/computer/...`` wire, shared by the routes and ``RemoteComputer``.

Decoding goes through :func:`decode`, which turns msgspec's
``Expected `int`, got `str` - at `$.viewport[0]``` into a 400 naming the field.
"""

from __future__ import annotations

from typing import Literal, TypeVar

import msgspec

from mantis.brains.actions import Action
from mantis.errors import RequestError

T = TypeVar("T")

SESSION_HEADER = "X-Mantis-Session"
EVENTS_HEADER = "X-Mantis-Events"  # JSON list of {kind, data} the computer reported

# Flags a caller may not pass: they would reach another profile or the file system,
# run commands, open the debugging port without enable_cdp, or route around the
# auth-holder (and so around allowed_domains).
_FORBIDDEN_FLAGS = (
    "--user-data-dir",
    "--profile-directory",
    "--remote-debugging",
    "--remote-allow-origins",
    "--proxy",
    "--no-proxy-server",
    "--host-resolver-rules",
    "--load-extension",
    "--disable-extensions-except",
    "--renderer-cmd-prefix",
    "--utility-cmd-prefix",
    "--gpu-launcher",
    "--browser-subprocess-path",
    "--disk-cache-dir",
    "--crash-dumps-dir",
    "--log-file",
    "--enable-logging",
    "--user-agent",
)
WireFormat = Literal["png", "jpeg", "webp"]


class SessionInit(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    profile_id: str
    run_id: str
    proxy_server: str | None = None
    proxy_disabled: bool = False
    allowed_domains: list[str] = []
    chrome_flags: list[str] = []
    enable_cdp: bool = False
    viewport: tuple[int, int] | None = None
    start_url: str | None = None

    def __post_init__(self) -> None:
        for i, flag in enumerate(self.chrome_flags):
            name = flag.split("=", 1)[0].lower()
            if not name.startswith("--") or name.startswith(_FORBIDDEN_FLAGS):
                raise ValueError(
                    f"chrome_flags[{i}]: expected a --flag that leaves profile, proxy, "
                    f"debugging port, user agent and file system alone, got {flag!r}"
                )
        if self.viewport is not None and not (
            320 <= self.viewport[0] <= 7680 and 240 <= self.viewport[1] <= 4320
        ):
            raise ValueError(f"viewport: expected 320x240..7680x4320, got {list(self.viewport)}")


class SessionOpened(msgspec.Struct, frozen=True, kw_only=True):
    session_token: str
    chrome_pid: int
    xvfb_display: str
    width: int
    height: int
    content_top: int


class ScreenshotRequest(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    format: WireFormat | None = None  # None: as named by Accept, else png
    quality: int = 80

    def __post_init__(self) -> None:
        if not 1 <= self.quality <= 100:
            raise ValueError(f"quality: expected 1..100, got {self.quality}")


class ScreenshotBody(msgspec.Struct, frozen=True, kw_only=True):
    image_b64: str
    width: int
    height: int
    scroll_y: int | None
    captured_at_ms: int
    format: WireFormat = "png"


class ActionRequest(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    action: Action
    step_id: str


class ActionBody(msgspec.Struct, frozen=True, kw_only=True):
    ok: bool
    detail: str = ""
    deduplicated: bool = False


class XdotoolRequest(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    argv: list[str]
    step_id: str
    timeout_ms: int = 30_000


class CdpRequest(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    expression: str
    step_id: str
    await_promise: bool = False


class CdpBody(msgspec.Struct, frozen=True, kw_only=True):
    result_json: str
    returncode: int = 0
    deduplicated: bool = False


class SettleRequest(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    floor_s: float = 0.15
    ceiling_s: float = 3.0


class SettleBody(msgspec.Struct, frozen=True, kw_only=True):
    seconds: float


class UrlBody(msgspec.Struct, frozen=True, kw_only=True):
    url: str


def decode(raw: bytes, kind: type[T]) -> T:
    """Decode a request body; a bad one raises ``RequestError`` naming the field."""
    try:
        return msgspec.json.decode(raw or b"{}", type=kind)
    except msgspec.ValidationError as exc:
        msg = str(exc)
        field = msg.rsplit("`$.", 1)[-1].rstrip("`") if "`$." in msg else ""
        if not field and ": expected" in msg:
            field = msg.split(":", 1)[0]  # raised by a __post_init__ check
        raise RequestError(f"{field or 'body'}: {msg}", extra={"field": field}) from None
    except msgspec.DecodeError as exc:
        raise RequestError(f"body: not valid JSON ({exc})", extra={"field": "body"}) from None
