"""Profiles: two sessions side by side see neither each other's input nor cookies, and a
profile's cookies and localStorage survive to its next session."""

from __future__ import annotations

import urllib.parse

import anyio
import pytest

from mantis.brains.actions import Type
from mantis.gym.base import SessionSpec
from mantis.gym.computer import LocalComputer

pytestmark = [pytest.mark.integration, pytest.mark.anyio]


async def _hash(computer: LocalComputer) -> str:
    await computer.settle(0.1, 2.0)
    return urllib.parse.unquote((await computer.current_url()).partition("#")[2])


async def _open_both(a: LocalComputer, b: LocalComputer, tmp_path) -> None:
    async with anyio.create_task_group() as tg:
        for c, name in ((a, "alice"), (b, "bob")):
            spec = SessionSpec(profile_dir=str(tmp_path / name), viewport=(800, 600))
            tg.start_soon(c.open, spec)


async def test_parallel_profiles_are_isolated_and_cookies_persist(needs_x, pages, tmp_path):
    async with LocalComputer() as a, LocalComputer() as b:
        await _open_both(a, b, tmp_path)
        await a.navigate(f"{pages}/cookie?set=alpha")
        await b.navigate(f"{pages}/cookie")
        assert await _hash(a) == "cookie=alpha&ls=alpha"
        assert await _hash(b) == "cookie=&ls=", "bob's profile sees none of alice's state"
        await b.navigate(f"{pages}/cookie?set=beta")
        assert await _hash(b) == "cookie=beta&ls=beta"

        await a.navigate(f"{pages}/input")
        await b.navigate(f"{pages}/input")
        await a.act(Type(text="only alice"))
        assert await _hash(a) == "typed=only alice"
        assert await _hash(b) == "", "input on one display never reaches the other"

    async with LocalComputer() as again:
        spec = SessionSpec(profile_dir=str(tmp_path / "alice"), viewport=(800, 600))
        await again.open(spec)
        await again.navigate(f"{pages}/cookie")
        assert await _hash(again) == "cookie=alpha&ls=alpha", "alice's state survived the restart"
