"""The address bar, driven by keys alone: pixel-pure navigation and URL reading.

Navigation focuses the omnibox, types the URL and presses Return. Reading
selects the omnibox text and copies it through the X clipboard
(``mantis.gym.clipboard``), then hands focus back to the page.
"""

from __future__ import annotations

import re

from mantis.gym.clipboard import Clipboard
from mantis.gym.xinput import XInput

# What a copy of the whole omnibox text looks like: a scheme and no spaces
# (http://…, https://…, about:blank, chrome://…, data:…, file://…).
_ADDRESS = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:\S*$")


async def copy_address(xin: XInput, clipboard: Clipboard) -> str | None:
    """Focus the address bar, select and copy its text; None when nothing was copied.

    Chromium focuses and selects the omnibox a moment after ctrl+l, so ctrl+c is
    repeated until the clipboard changes hands: that is also the signal that the
    omnibox has focus with its whole text selected. A page can swallow ctrl+l
    (preventDefault on keydown), so alt+d, the other address-bar shortcut, is
    tried next. A ctrl+c that lands before the omnibox has focus copies the page's
    own selection (a double-clicked word, say): a copy that is not an address is
    discarded and the copy repeated, so neither reading nor typing trusts it.
    """
    for focus_key in ("ctrl+l", "alt+d"):
        await clipboard.clear()
        await xin.key(focus_key)
        for _ in range(6):
            await xin.key("ctrl+c")
            if await clipboard.wait_for_copy(0.08):
                text = await clipboard.read()
                if _ADDRESS.match(text.strip()):
                    return text
                await clipboard.clear()
    return None


async def focus_page(xin: XInput) -> None:
    # shift+F6 rotates pane focus from the toolbar straight back to the page (F6 goes
    # to the tab strip first; Escape first makes it flaky), restoring the page's
    # previously focused element.
    await xin.key("shift+F6")


async def type_address(xin: XInput, clipboard: Clipboard, url: str) -> None:
    """Focus the address bar (and know it is so), type ``url``, press Return."""
    await copy_address(xin, clipboard)
    await xin.type(url)
    await xin.key("Return")


async def read_address(xin: XInput, clipboard: Clipboard) -> str:
    """The address bar's text; page focus is restored afterwards."""
    try:
        text = await copy_address(xin, clipboard)
    finally:
        await focus_page(xin)
    return (text or "").strip()
