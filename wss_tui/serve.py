"""`wss serve`: textual-serve's server with what an office needs in front of it.

- a cap on sessions at once (each about 55 MB forked, 75 on its own): the next browser is told so, in
  its page, instead of every login slowing down;
- the websocket only from the page's own origin (`--public-url`), so another site open in the clerk's
  browser cannot drive a session;
- the page's font from this server (textual-serve ships Roboto Mono), nothing from outside;
- SIGTERM ends every session (each app is asked to quit) and then the server, at once;
- one log line per session opened, closed or refused, with the browser's own address, taken from
  X-Real-IP / X-Forwarded-For only when the request came through the local reverse proxy;
- each session forked from one preloaded process (`wss_tui/forkserver.py`) instead of started afresh, so
  the sessions share the imported libraries' memory (about a third of each one's otherwise); until that
  process is ready, or if it cannot start, a session is its own `wss tui` as before.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import re
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
from pathlib import Path
from urllib.parse import urlsplit

import aiohttp_jinja2
import jinja2
from aiohttp import web
from aiohttp.abc import AbstractAccessLogger
from textual_serve.server import Server

log = logging.getLogger("wss.serve")

READY_TIMEOUT = 60  # seconds for the fork server's imports, on a busy machine

# A stylesheet link to anywhere but this server (textual-serve's page asks Google Fonts for its font).
_OUTSIDE_STYLESHEET = re.compile(r"<link\b[^>]*href=\"https?://[^\"]*\"[^>]*/?>", re.S)
_LOCAL_FONT = """<style>
      @font-face { font-family: "Roboto Mono"; font-weight: 100 700; font-style: normal;
                   src: url("{{ config.static.url }}fonts/RobotoMono-VariableFont_wght.ttf") format("truetype"); }
      @font-face { font-family: "Roboto Mono"; font-weight: 100 700; font-style: italic;
                   src: url("{{ config.static.url }}fonts/RobotoMono-Italic-VariableFont_wght.ttf") format("truetype"); }
    </style>"""

_BUSY_PAGE = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>WSS To Do: all sessions in use</title></head>
<body style="background:#0c181f;color:#eee;font-family:monospace;padding:2em">
<p>All {cap} sessions of this server are in use. Try again in a few minutes, or use the SSH login.</p>
</body></html>"""


def origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


class AccessLog(AbstractAccessLogger):
    """aiohttp's access line, with the browser's address instead of the proxy's."""

    def log(self, request: web.BaseRequest, response: web.StreamResponse, time: float) -> None:
        self.logger.info("%s %s %s %s %.3fs", client_address(request), request.method, request.path,
                         response.status, time)


class ForkServer:
    """The preloaded process sessions are forked from: started with the server, stopped with it, in a
    private directory (0700) that holds its socket."""

    def __init__(self) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="wss-serve-"))
        self.socket = self.dir / "fork.sock"
        self.ready = threading.Event()
        self.proc = subprocess.Popen([sys.executable, "-m", "wss_tui.forkserver", "--socket", str(self.socket),
                                      "--watch-parent"], stdout=subprocess.PIPE, stdin=subprocess.DEVNULL)
        threading.Thread(target=self._wait_ready, daemon=True).start()

    def _wait_ready(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            if line.strip() == b"ready":
                self.ready.set()
        if not self.ready.is_set():
            log.warning("the fork server did not start (exit %s); each session starts on its own", self.proc.wait())

    def command(self, args: str) -> str:
        """The command textual-serve runs per browser: the thin client, a few MB, handing its pipes over."""
        client = Path(__file__).with_name("forkclient.py")
        return f"{shlex.quote(sys.executable)} -I -S {shlex.quote(str(client))} --socket {shlex.quote(str(self.socket))} {args}"

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        shutil.rmtree(self.dir, ignore_errors=True)


class WssServer(Server):
    def __init__(self, command: str, *, max_sessions: int, fork_server: bool = True, **kwargs) -> None:
        super().__init__(command, **kwargs)
        self.plain_command = command
        self.max_sessions = max_sessions
        self.origin = origin_of(self.public_url)
        self.sessions: dict[asyncio.Task, str] = {}
        self.use_fork_server = fork_server
        self.fork: ForkServer | None = None

    def serve(self, debug: bool = False) -> None:
        """textual-serve's own `serve`, with the access log above and SIGTERM/SIGINT as a clean stop."""
        self.debug = debug
        self.initialize_logging()
        if self.use_fork_server:
            self.fork = ForkServer()
            # Listen once sessions can be forked: the first browsers would otherwise each start a whole
            # process, at the moment the server itself is busiest importing.
            if not self.fork.ready.wait(READY_TIMEOUT):
                log.warning("the fork server is not ready after %d s; sessions start on their own until it is",
                            READY_TIMEOUT)
        try:
            self._serve()
        finally:
            if self.fork is not None:
                self.fork.stop()

    def _serve(self) -> None:
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, self.request_exit)
        web.run_app(self._make_app(), host=self.host, port=self.port, handle_signals=False, loop=loop,
                    print=lambda *args: None, access_log_class=AccessLog, shutdown_timeout=20)

    async def _make_app(self) -> web.Application:
        app = await super()._make_app()
        page = (Path(self.templates_path) / "app_index.html").read_text(encoding="utf-8")
        page = _OUTSIDE_STYLESHEET.sub(_LOCAL_FONT, page, count=1)
        page = _OUTSIDE_STYLESHEET.sub("", page)
        aiohttp_jinja2.setup(app, loader=jinja2.DictLoader({"app_index.html": page}))
        return app

    async def on_startup(self, app: web.Application) -> None:
        log.info("wss serve on %s: at most %d sessions at once; pages from %s only",
                 self.public_url, self.max_sessions, self.origin)

    async def on_shutdown(self, app: web.Application) -> None:
        """SIGTERM: each session's handler is cancelled; textual-serve then closes its websocket and asks
        its app to quit. Without this the server waited for every browser to leave."""
        if self.sessions:
            log.info("stopping: ending %d open sessions", len(self.sessions))
        for task in list(self.sessions):
            task.cancel()
        if self.sessions:
            await asyncio.wait(list(self.sessions), timeout=20)

    async def handle_index(self, request: web.Request):
        if len(self.sessions) >= self.max_sessions:
            log.warning("page refused to %s: all %d sessions in use", client_address(request), self.max_sessions)
            return web.Response(status=503, text=_BUSY_PAGE.format(cap=self.max_sessions), content_type="text/html",
                                headers={"Retry-After": "120"})
        return await super().handle_index(request)

    async def handle_websocket(self, request: web.Request) -> web.StreamResponse:
        client = client_address(request)
        origin = request.headers.get("Origin")
        # Browsers always send Origin on a websocket; a page of another site would send its own.
        if origin is not None and origin.lower() != self.origin:
            log.warning("session refused to %s: page origin %r is not %s", client, origin, self.origin)
            return web.Response(status=403, text=f"websocket refused: the page must come from {self.origin}\n")
        if len(self.sessions) >= self.max_sessions:
            log.warning("session refused to %s: all %d sessions in use", client, self.max_sessions)
            return web.Response(status=503, text=f"all {self.max_sessions} sessions of this server are in use; "
                                                 "try again in a few minutes\n", headers={"Retry-After": "120"})
        task = asyncio.current_task()
        assert task is not None
        # textual-serve reads self.command when it starts this session's process.
        forked = self.fork is not None and self.fork.ready.is_set() and self.fork.proc.poll() is None
        self.command = self.fork.command("tui") if forked else self.plain_command
        self.sessions[task] = client
        log.info("session opened for %s (%d of %d)", client, len(self.sessions), self.max_sessions)
        try:
            return await super().handle_websocket(request)
        finally:
            self.sessions.pop(task, None)
            log.info("session closed for %s (%d open)", client, len(self.sessions))


def client_address(request: web.Request) -> str:
    """The browser's address: the reverse proxy's X-Real-IP (or the last X-Forwarded-For hop, the one
    it added) when the connection comes from this machine, else the peer itself. A header from any
    other peer is not believed: anyone can send one."""
    peer = request.remote or "?"
    try:
        local = ipaddress.ip_address(peer).is_loopback
    except ValueError:
        local = False
    if local:
        real = request.headers.get("X-Real-IP", "").strip()
        forwarded = [hop.strip() for hop in request.headers.get("X-Forwarded-For", "").split(",") if hop.strip()]
        for candidate in (real, forwarded[-1] if forwarded else ""):
            try:
                return str(ipaddress.ip_address(candidate))
            except ValueError:
                continue
    return peer
