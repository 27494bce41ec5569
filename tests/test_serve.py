"""`wss serve`: the To Do app in a browser through textual-serve, behind the same login.

A real `wss serve` process on a loopback port; the test is the browser: it loads the page, opens the
websocket the page would, reads what the app draws, and types the user ID and password.
"""

from __future__ import annotations

import asyncio
import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from wss_tui.store import db
from wss_tui.store.models import Staff

from .conftest import FIXED_NOW
from .tui_helpers import CLERK, PASSWORDS

aiohttp = pytest.importorskip("aiohttp", reason="textual-serve is not installed (pip install 'wss-tui[serve]')")
pytest.importorskip("textual_serve", reason="textual-serve is not installed (pip install 'wss-tui[serve]')")

ANSI = re.compile(rb"\x1b\[[0-9;?<>=]*[ -/]*[@-~]|\x1b[()][0-9A-B]|\x1b[=>]")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_serve(demo_url: str, *args: str, env: dict[str, str] | None = None) -> tuple[subprocess.Popen, str]:
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "wss_tui", "--db", demo_url, "serve", "--port", str(port), *args],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env={**os.environ, **(env or {})})
    deadline = time.monotonic() + 60  # a busy machine: Textual and aiohttp take their time to import
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                raise AssertionError(f"wss serve did not start: {proc.stdout.read().decode(errors='replace')}") from None
            time.sleep(0.2)
    return proc, f"http://127.0.0.1:{port}"


def stop_serve(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(15)
    except subprocess.TimeoutExpired:
        proc.kill()


@pytest.fixture
def server(demo_url):
    proc, url = start_serve(demo_url)
    try:
        yield url
    finally:
        stop_serve(proc)


class Browser:
    """What the served page does: one websocket, the app's output in binary frames, keys as "stdin"."""

    def __init__(self, ws) -> None:
        self.ws, self.seen = ws, b""

    def text(self) -> str:
        return ANSI.sub(b"", self.seen).decode("utf-8", errors="replace")

    async def wait_for(self, wanted: str, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while wanted not in self.text():
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"{wanted!r} was not drawn within {timeout}s; last output: {self.text()[-500:]!r}")
            try:
                msg = await self.ws.receive(timeout=left)
            except asyncio.TimeoutError:
                continue
            if msg.type == aiohttp.WSMsgType.BINARY:
                self.seen += msg.data
            elif msg.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED, aiohttp.WSMsgType.ERROR):
                raise AssertionError(f"the app closed before {wanted!r}: {self.text()[-500:]!r}")

    async def type(self, text: str) -> None:
        for char in text:
            await self.ws.send_json(["stdin", char])
            await asyncio.sleep(0.02)


async def test_a_browser_gets_the_login_and_the_to_do_search(server, engine):
    async with aiohttp.ClientSession() as http:
        async with http.get(server + "/") as page:
            assert page.status == 200
            html = await page.text()
        assert "WSS To Do" in html and f"ws://127.0.0.1:{server.rsplit(':', 1)[1]}/ws" in html
        async with http.ws_connect(server + "/ws?width=80&height=24") as ws:
            browser = Browser(ws)
            await browser.wait_for("staff login")
            await browser.type(CLERK + "\r")
            await asyncio.sleep(0.3)
            await browser.type("wrong-password\r")
            await browser.wait_for("password is wrong; 4 more tries")
            await browser.type(PASSWORDS["TR-SDC"] + "\r")
            await browser.wait_for("To Do Search")
    with db.read(engine) as s:
        last_login, failures = s.execute(select(Staff.last_login_at, Staff.failed_logins).where(Staff.user_id == CLERK)).one()
    assert (last_login, failures) == (FIXED_NOW, 0)


def test_serve_refuses_a_database_without_tables(tmp_path):
    (tmp_path / "empty.db").touch()  # a missing file is another error (tests/test_hostile_crashes.py)
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    result = subprocess.run([sys.executable, "-m", "wss_tui", "--db", url, "serve"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert result.stderr == (
        f"error: db: {url} has no tables yet; run `wss db upgrade` (or `wss demo` for demo data), "
        "or point --db / WSS_DATABASE_URL at the database you meant\n"
    )


async def test_the_session_past_the_cap_is_told_so_and_sigterm_ends_the_open_one(demo_url):
    proc, url = start_serve(demo_url, "--max-sessions", "1")
    try:
        async with aiohttp.ClientSession() as http:
            async with http.ws_connect(url + "/ws?width=80&height=24", origin=url) as ws:
                await Browser(ws).wait_for("staff login")
                async with http.get(url + "/") as page:  # the next browser
                    assert page.status == 503
                    assert "All 1 sessions of this server are in use. Try again in a few minutes" in await page.text()
                with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
                    await http.ws_connect(url + "/ws?width=80&height=24", origin=url)
                assert refused.value.status == 503
                proc.terminate()  # systemd's stop, with a session open (aiohttp alone waited 60 s for it)
                assert await asyncio.to_thread(proc.wait, 30) == 0
    finally:
        stop_serve(proc)
    log = proc.stdout.read().decode(errors="replace")
    assert "session opened for 127.0.0.1 (1 of 1)" in log and "session refused to 127.0.0.1: all 1 sessions in use" in log


async def test_a_page_of_another_site_cannot_open_a_session(server):
    async with aiohttp.ClientSession() as http:
        with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
            await http.ws_connect(server + "/ws?width=80&height=24", origin="https://evil.example")
        assert refused.value.status == 403
        async with http.ws_connect(server + "/ws?width=80&height=24", origin=server) as ws:  # its own page may
            await Browser(ws).wait_for("staff login")


async def test_the_page_needs_nothing_from_outside(server):
    async with aiohttp.ClientSession() as http:
        async with http.get(server + "/") as page:
            html = await page.text()
        assert "fonts.googleapis.com" not in html and not re.search(r"(src|href)=\"https?://(?!127\.0\.0\.1)", html)
        font = re.search(r'url\("([^"]+RobotoMono-VariableFont_wght\.ttf)"\)', html).group(1)
        async with http.get(font) as got:
            assert got.status == 200 and len(await got.read()) > 10_000


def test_the_browsers_address_is_believed_only_from_the_local_proxy():
    from unittest import mock

    from aiohttp.test_utils import make_mocked_request

    from wss_tui.serve import client_address

    def request(peer: str, **headers: str):
        transport = mock.Mock()
        transport.get_extra_info.return_value = (peer, 5555)  # what the socket says
        return make_mocked_request("GET", "/ws", headers=headers, transport=transport)

    assert client_address(request("127.0.0.1", **{"X-Real-IP": "10.4.5.6"})) == "10.4.5.6"
    assert client_address(request("127.0.0.1", **{"X-Forwarded-For": "1.2.3.4, 10.4.5.7"})) == "10.4.5.7"
    assert client_address(request("10.9.9.9", **{"X-Real-IP": "10.4.5.6"})) == "10.9.9.9"  # not through the proxy
    assert client_address(request("127.0.0.1", **{"X-Real-IP": "<b>x</b>"})) == "127.0.0.1"  # not an address
    assert client_address(request("127.0.0.1")) == "127.0.0.1"


async def test_a_browser_session_left_alone_locks_and_opens_again_with_the_password(demo_url):
    proc, url = start_serve(demo_url, env={"WSS_LOCK_AFTER_MINUTES": "0.25"})  # 15 s: the login lands first
    try:
        async with aiohttp.ClientSession() as http:
            async with http.ws_connect(url + "/ws?width=80&height=24", origin=url) as ws:
                browser = Browser(ws)
                await browser.wait_for("staff login")
                await browser.type(CLERK + "\r")
                await asyncio.sleep(0.3)
                await browser.type(PASSWORDS["TR-SDC"] + "\r")
                await browser.wait_for("To Do Search")
                browser.seen = b""
                await browser.wait_for("Session locked")
                await browser.type(PASSWORDS["TR-SDC"] + "\r")
                browser.seen = b""
                await browser.wait_for("To Do Search", timeout=60)  # argon2 on a busy machine
    finally:
        stop_serve(proc)


def _children(pid: int) -> list[tuple[int, str]]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == pid:
                cmdline = (stat.parent / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
                found.append((int(stat.parent.name), cmdline))
        except (OSError, ValueError, IndexError):
            continue
    return found


@pytest.mark.parametrize("fork", [True, False], ids=["forked", "alone"])
async def test_each_browser_session_is_forked_from_the_preloaded_process_unless_told_not_to(demo_url, fork):
    proc, url = start_serve(demo_url, *([] if fork else ["--no-fork-server"]))
    try:
        async with aiohttp.ClientSession() as http:
            async with http.ws_connect(url + "/ws?width=80&height=24", origin=url) as ws:
                browser = Browser(ws)
                await browser.wait_for("staff login")
                await browser.type(CLERK + "\r")
                await asyncio.sleep(0.3)
                await browser.type(PASSWORDS["TR-SDC"] + "\r")
                await browser.wait_for("To Do Search")
                started = _children(proc.pid)
                servers = [pid for pid, cmd in started if "wss_tui.forkserver" in cmd]
                if fork:
                    assert len(servers) == 1 and len(_children(servers[0])) == 1  # the session
                    assert [cmd for _, cmd in started if "forkclient.py" in cmd]  # textual-serve's process
                else:
                    assert servers == [] and [cmd for _, cmd in started if "-m wss_tui tui" in cmd]
    finally:
        stop_serve(proc)
