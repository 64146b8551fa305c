"""The auth-holder against a stand-in provider that requires credentials."""

from __future__ import annotations

import socket

import anyio
import httpx
import pytest

from mantis.gym.providers import ProxyUpstream
from mantis.gym.proxy import AuthHolder, host_allowed
from tests.integration.gym.upstream import upstream_proxy

pytestmark = [pytest.mark.integration, pytest.mark.anyio]


def _upstream(server, password: str = "s3cret") -> ProxyUpstream:
    port = server.server_address[1]
    return ProxyUpstream(
        provider="test", host="127.0.0.1", port=port, username="u", password=password
    )


@pytest.fixture
def provider():
    with upstream_proxy("u", "s3cret") as server:
        yield server


async def _raw_connect(holder: AuthHolder, target: str) -> bytes:
    def go() -> bytes:
        with socket.create_connection(("127.0.0.1", holder.port)) as s:
            s.sendall(f"CONNECT {target} HTTP/1.1\r\nHost: {target}\r\n\r\n".encode())
            return s.recv(4096)

    return await anyio.to_thread.run_sync(go)


async def test_http_through_the_chain_adds_credentials_and_counts_bytes(provider, pages):
    holder = AuthHolder(_upstream(provider))
    await holder.astart()
    try:
        async with httpx.AsyncClient(proxy=holder.url) as client:
            resp = await client.get(f"{pages}/input")
        assert resp.status_code == 200 and "<title>input</title>" in resp.text
        assert provider.seen[-1] == ("GET", f"{pages}/input", True)
        assert holder.bytes_down > len(resp.content) and holder.bytes_up > 0
    finally:
        await holder.aclose()


async def test_connect_outcomes_are_recorded(provider, pages):
    target = pages.removeprefix("http://")
    good = AuthHolder(_upstream(provider))
    bad = AuthHolder(_upstream(provider, password="wrong"))
    await good.astart()
    await bad.astart()
    try:
        assert (await _raw_connect(good, target)).startswith(b"HTTP/1.1 200")
        answer = await _raw_connect(bad, target)
        assert answer.startswith(b"HTTP/1.1 502") and b"407" in answer, "407 never reaches Chromium"
        assert [(r.status, r.via) for r in good.connects] == [(200, "test")]
        assert [r.status for r in bad.connects] == [407]
    finally:
        await good.aclose()
        await bad.aclose()


async def test_unreachable_upstream_is_a_502_and_a_record():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        dead_port = s.getsockname()[1]
    holder = AuthHolder(
        ProxyUpstream(provider="gone", host="127.0.0.1", port=dead_port, username="u", password="p")
    )
    await holder.astart()
    try:
        assert (await _raw_connect(holder, "example.com:443")).startswith(b"HTTP/1.1 502")
        (record,) = holder.connects
        assert record.status == 0 and "upstream 127.0.0.1" in record.error
    finally:
        await holder.aclose()


async def test_disallowed_domain_is_refused_with_an_event(pages):
    holder = AuthHolder(None, allowed_domains=["example.com"])  # direct mode
    await holder.astart()
    try:
        async with httpx.AsyncClient(proxy=holder.url) as client:
            resp = await client.get(f"{pages}/input")
        assert resp.status_code == 403 and "allowed_domains" in resp.text
        assert holder.drain_events() == [
            (
                "proxy_blocked",
                {"host": "127.0.0.1", "port": int(pages.rsplit(":", 1)[1]), "method": "GET"},
            )
        ]
    finally:
        await holder.aclose()


def test_allowed_domains_match_subdomains_only():
    assert host_allowed("www.example.com", ["example.com"])
    assert host_allowed("EXAMPLE.com.", ["example.com"])
    assert not host_allowed("badexample.com", ["example.com"])
    assert host_allowed("anything.org", [])


async def test_chromium_browses_through_the_chain_and_blocked_hosts_emit_events(
    needs_x, provider, pages, tmp_path
):
    from mantis.gym.base import SessionSpec
    from mantis.gym.computer import LocalComputer

    events = []

    async def sink(kind, data):
        events.append((kind, data))

    spec = SessionSpec(
        profile_dir=str(tmp_path / "proxied"),
        viewport=(800, 600),
        allowed_domains=("127.0.0.1",),
        chrome_flags=("--proxy-bypass-list=<-loopback>",),  # let loopback pages use the proxy
    )
    async with LocalComputer(upstream=_upstream(provider), on_event=sink) as computer:
        await computer.open(spec)
        await computer.navigate(f"{pages}/input")
        assert ("GET", f"{pages}/input", True) in provider.seen
        assert computer.proxy is not None and computer.proxy.bytes_down > 0
        port = pages.rsplit(":", 1)[1]
        await computer.navigate(f"http://localhost:{port}/input")
        await computer.settle(0.1, 2.0)
        assert (
            "proxy_blocked",
            {"host": "localhost", "port": int(port), "method": "GET"},
        ) in events
        assert not any("localhost" in target for _, target, _ in provider.seen)


@pytest.mark.parametrize(
    ("password", "dead", "outcome"),
    [
        ("s3cret", False, "ok"),
        ("wrong", False, "upstream_rejected_auth"),
        ("s3cret", True, "cannot_reach_upstream"),
    ],
)
def test_proxy_diagnose_classifies_failures(
    provider, pages, monkeypatch, capsys, password, dead, outcome
):
    from mantis.cli import main

    port = provider.server_address[1]
    if dead:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
    monkeypatch.setenv("PRIVATEPROXY_USERNAME", "u")
    monkeypatch.setenv("PRIVATEPROXY_PASSWORD", password)
    monkeypatch.setenv("PRIVATEPROXY_ENTRYPOINT", f"127.0.0.1:{port}")
    code = main(["proxy", "diagnose", "--ip-url", f"{pages}/ip", "--target", f"{pages}/input"])
    out = capsys.readouterr().out
    assert code == (0 if outcome == "ok" else 1)
    assert f"privateproxy via 127.0.0.1:{port}: {outcome}" in out
    if outcome == "ok":
        assert "egress IP: 203.0.113.7" in out and "-> 200" in out
    assert password not in out or password == "u"


def test_proxy_diagnose_target_refused(provider, pages, monkeypatch, capsys):
    from mantis.cli import main

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed = s.getsockname()[1]
    monkeypatch.setenv("PRIVATEPROXY_USERNAME", "u")
    monkeypatch.setenv("PRIVATEPROXY_PASSWORD", "s3cret")
    monkeypatch.setenv("PRIVATEPROXY_ENTRYPOINT", f"127.0.0.1:{provider.server_address[1]}")
    target = f"http://127.0.0.1:{closed}/"
    assert main(["proxy", "diagnose", "--ip-url", f"{pages}/ip", "--target", target]) == 1
    assert "target_refused_proxy_ip" in capsys.readouterr().out
