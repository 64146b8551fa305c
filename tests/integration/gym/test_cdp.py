"""CDP, opt-in: loopback-only debugging port, Page.navigate, current_url, evaluate."""

from __future__ import annotations

from pathlib import Path

import pytest

from mantis.errors import ComputerError
from mantis.gym.base import CdpUnavailable, SessionSpec
from mantis.gym.cdp import devtools_port
from mantis.gym.computer import LocalComputer

pytestmark = [pytest.mark.integration, pytest.mark.anyio]


def _listeners(port: int) -> list[str]:
    """Local addresses (hex, as in /proc/net/tcp*) listening on ``port``."""
    found = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            addr, hex_port = local.split(":")
            if int(hex_port, 16) == port and state == "0A":
                found.append(addr)
    return found


async def test_cdp_session_navigates_reads_url_and_evaluates(needs_x, pages, tmp_path):
    profile = tmp_path / "cdp"
    async with LocalComputer() as computer:
        await computer.open(SessionSpec(profile_dir=str(profile), enable_cdp=True))
        port = await devtools_port(profile)
        assert _listeners(port) and all(
            a in ("0100007F", "00000000000000000000000001000000") for a in _listeners(port)
        ), "the debugging port listens on loopback only"
        await computer.navigate(f"{pages}/input?x=1")
        assert await computer.current_url() == f"{pages}/input?x=1"
        assert await computer.cdp("document.title", "s1") == '"input"'
        assert await computer.cdp("new Promise(r => setTimeout(() => r([1, 2]), 10))", "s2") == (
            "[1, 2]"
        )
        await computer.navigate(f"{pages}/scroll")
        await computer.cdp("scrollTo(0, 480)", "s4")
        assert (await computer.screenshot()).scroll_y == 480
        with pytest.raises(ComputerError, match="threw"):
            await computer.cdp("nosuchname.x", "s3")


async def test_pixel_pure_session_has_no_cdp(computer):
    with pytest.raises(CdpUnavailable):
        await computer.cdp("1", "s")
    assert computer.browser is not None
    assert not any("remote-debugging" in a for a in computer.browser.proc.args)
