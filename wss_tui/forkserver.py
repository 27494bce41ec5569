"""A preloaded fork server for many `wss tui` sessions of one OS user (`wss serve`'s browsers).

    python -m wss_tui.forkserver --socket PATH [--watch-parent]

One process imports what a session uses (Textual, SQLAlchemy and the models with their mappers
configured, every screen, argon2), freezes it out of the garbage collector's reach (`gc.freeze()`,
so a collection in a child does not write to every object's header) and then forks one child per
session. The children share those pages copy-on-write: each pays only for the pages it writes to,
so with 30 open a session costs about 55 MB instead of 75-80 (README, *Measured*).

Who may connect: the socket lives in a directory of this user's alone (0700; the server refuses to
start otherwise) and each connection's peer uid (SO_PEERCRED) must be this process's own, else it is
refused and logged. The child is what `wss <arguments>` would have been for the client: its fds 0-2,
its environment, working directory and umask, the same uid (this one's, checked). Nothing about a
session is decided in the server: no database connection before the fork, and whatever settings the
warm-up read are forgotten in the child, which reads them under the client's environment. A child
that crashes is reaped and logged; the server goes on.
"""

from __future__ import annotations

import argparse
import gc
import importlib
import json
import logging
import os
import signal
import socket
import stat
import sys
import threading
from pathlib import Path

from wss_tui.forkclient import send_frame

log = logging.getLogger("wss.forkserver")

MAX_REQUEST = 1 << 20  # arguments + environment; a real one is a few KB


def preload() -> None:
    """Import what a session imports, before any fork, so the children share it."""
    import pkgutil

    import argon2  # noqa: F401
    import sqlalchemy.dialects.postgresql
    import sqlalchemy.dialects.sqlite  # noqa: F401
    from sqlalchemy.orm import configure_mappers

    import wss_tui.app
    import wss_tui.cli
    import wss_tui.store.models  # noqa: F401

    for package in ("wss_tui.screens", "wss_tui.widgets", "wss_tui.services"):
        pkg = importlib.import_module(package)
        for info in pkgutil.iter_modules(pkg.__path__, package + "."):
            importlib.import_module(info.name)
    try:
        import psycopg  # noqa: F401  (a PostgreSQL office's driver; absent on SQLite-only installs)
    except ImportError:
        pass
    configure_mappers()
    _warm_up()


def _warm_up() -> None:
    """Paint the login screen once, headless, with no database behind it, so that what every session
    computes the same way (Textual's parsed stylesheets, compiled selectors, specialised bytecode) is
    computed here, once, and shared, instead of copied into each child as it writes it."""
    import asyncio

    from sqlalchemy import create_engine

    from wss_tui.app import make_app

    engine = create_engine("sqlite://")

    async def paint() -> None:
        async with make_app(engine).run_test(size=(80, 24)) as pilot:
            await pilot.pause()

    asyncio.run(paint())
    engine.dispose()


def check_socket_dir(path: Path) -> None:
    """The socket's directory must be this user's alone: that, not the socket's own mode, is what keeps
    other users from connecting on every system."""
    info = path.parent.stat()
    if info.st_uid != os.getuid() or stat.S_IMODE(info.st_mode) & 0o077:
        raise SystemExit(f"error: {path.parent} must belong to uid {os.getuid()} with mode 0700 "
                         f"(it is uid {info.st_uid}, mode {stat.S_IMODE(info.st_mode):04o}); "
                         "make it with `install -d -m 0700`")


def peer_uid(conn: socket.socket) -> int:
    creds = conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, 12)
    return int.from_bytes(creds[4:8], sys.byteorder)


def _reap(signum, frame) -> None:
    while True:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        if os.WIFSIGNALED(status):
            log.warning("session %d ended by signal %d", pid, os.WTERMSIG(status))
        else:
            log.info("session %d ended (exit %d)", pid, os.waitstatus_to_exitcode(status))


def serve(path: Path, *, watch_parent: bool = False) -> None:
    check_socket_dir(path)
    preload()
    if path.exists() or path.is_symlink():
        path.unlink()
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(str(path))
    os.chmod(path, 0o600)
    listener.listen(64)
    parent = os.getppid()
    signal.signal(signal.SIGCHLD, _reap)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    gc.collect()
    gc.freeze()
    log.info("fork server ready on %s (pid %d)", path, os.getpid())
    print("ready", flush=True)
    listener.settimeout(1.0 if watch_parent else None)
    try:
        while True:
            if watch_parent and os.getppid() != parent:
                log.info("fork server: its parent is gone; stopping")
                return
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            with conn:
                conn.settimeout(10)
                try:
                    _accept(listener, conn)
                except OSError as exc:  # no memory to fork, a client gone mid-request: that one fails, not the server
                    log.warning("fork server: a session could not start (%s)", exc)
    finally:
        if path.exists():
            path.unlink()


def _accept(listener: socket.socket, conn: socket.socket) -> None:
    uid = peer_uid(conn)
    if uid != os.getuid():
        log.warning("fork server: connection from uid %d refused (only uid %d)", uid, os.getuid())
        send_frame(conn, {"refused": f"this fork server serves uid {os.getuid()} only"})
        return
    try:
        request, fds = _request(conn)
    except (OSError, ValueError) as exc:
        log.warning("fork server: a bad request (%s)", exc)
        return
    try:
        if len(fds) != 3:
            send_frame(conn, {"refused": "a request must carry fds 0, 1 and 2"})
            return
        pid = os.fork()
        if pid == 0:
            try:
                listener.close()
                _child(conn, request, fds)
            except BaseException:  # noqa: BLE001 — before the session ran: a defect of this server, shown where it happened
                import traceback

                traceback.print_exc()
            finally:
                os._exit(70)
        log.info("session %d started", pid)  # not its arguments: a --db URL may hold a password
    finally:
        for fd in fds:
            os.close(fd)


def _request(conn: socket.socket) -> tuple[dict, list[int]]:
    data, fds, _flags, _addr = socket.recv_fds(conn, 65536, 3)
    try:
        while len(data) < 4 or len(data) < 4 + int.from_bytes(data[:4], "big"):
            if len(data) > MAX_REQUEST:
                raise ValueError("request too large")
            chunk = conn.recv(65536)
            if not chunk:
                raise ValueError("connection closed mid-request")
            data += chunk
        return json.loads(data[4:4 + int.from_bytes(data[:4], "big")]), fds
    except BaseException:
        for fd in fds:
            os.close(fd)
        raise


def _child(conn: socket.socket, request: dict, fds: list[int]) -> None:
    """In the forked child: become the client's `wss <argv>` and run it."""
    # Not gc.unfreeze(): the preloaded objects stay out of the collector's walks, which would write to
    # every one of them and so copy every shared page into this child.
    for sig in (signal.SIGCHLD, signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(sig, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    os.setsid()  # out of the server's process group: a signal to it is not one to every session
    for target, fd in enumerate(fds):
        os.dup2(fd, target)
        os.close(fd)
    os.environ.clear()
    os.environ.update(request["env"])
    os.chdir(request["cwd"])
    os.umask(int(request["umask"]))
    _fresh_stdio()
    # What was read from the environment at import time is read again from the client's.
    import textual.constants

    importlib.reload(textual.constants)
    _forget_cached()
    logging.getLogger().handlers.clear()
    conn.settimeout(None)
    send_frame(conn, {"pid": os.getpid()})
    # The client gone (its terminal closed, killed): end as a terminal's hang-up would.
    threading.Thread(target=_hang_up_when_closed, args=(conn,), daemon=True).start()
    sys.argv = ["wss", *request["argv"]]
    code = 0
    try:
        from wss_tui.cli import main

        main(list(request["argv"]))
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    finally:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except (OSError, ValueError):
                pass
        try:
            send_frame(conn, {"exit": code})
        except OSError:
            pass
        os._exit(code)


def _forget_cached() -> None:
    """Every functools cache of this package emptied: what the server read (the warm-up's settings, a file
    under its own working directory or WSS_DATA_DIR) is read again under the client's."""
    for name, module in list(sys.modules.items()):
        if name == "wss_tui" or name.startswith("wss_tui."):
            for value in list(vars(module).values()):
                if callable(getattr(value, "cache_clear", None)) and getattr(value, "__module__", None) == name:
                    value.cache_clear()


def _fresh_stdio() -> None:
    """sys.stdin/stdout/stderr as Python makes them for a process started on these fds."""
    # They live as long as the process, as the interpreter's own do.
    sys.stdin = sys.__stdin__ = open(0, encoding="utf-8", closefd=False)  # noqa: SIM115
    sys.stdout = sys.__stdout__ = open(1, "w", buffering=1 if os.isatty(1) else -1, encoding="utf-8",  # noqa: SIM115
                                       closefd=False)
    sys.stderr = sys.__stderr__ = open(2, "w", buffering=1, encoding="utf-8", errors="backslashreplace",  # noqa: SIM115
                                       closefd=False)


def _hang_up_when_closed(conn: socket.socket) -> None:
    try:
        while conn.recv(1024):
            pass
    except OSError:
        pass
    os.kill(os.getpid(), signal.SIGHUP)


def main() -> None:
    ap = argparse.ArgumentParser(prog="python -m wss_tui.forkserver", description=__doc__.split("\n\n")[0])
    ap.add_argument("--socket", required=True, type=Path, help="the UNIX socket to listen on (its directory 0700)")
    ap.add_argument("--watch-parent", action="store_true", help="stop when the process that started it ends")
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    serve(args.socket.absolute(), watch_parent=args.watch_parent)


if __name__ == "__main__":
    main()
