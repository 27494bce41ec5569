"""A preloaded fork server for many `wss tui` sessions: of one OS user (`wss serve`'s browsers), or of
the clerks who log in over SSH, each session dropped to its clerk's own account.

    python -m wss_tui.forkserver --socket PATH [--watch-parent]
    python -m wss_tui.forkserver --socket PATH --clerks-group wss-clerks      (as root, for SSH)

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

For SSH (`--clerks-group`): each clerk has a Unix account of their own, and sshd's ForceCommand runs
the thin client as that account. The server runs as root, its socket directory is root's and the
group's (0750), and a connection is served when its peer uid is a member of the group and not root.
The child drops to the peer's account (its groups, gid and uid) before it touches anything the client
sent, so the session is exactly the process `wss tui --ssh-user` would have been under that account —
the same files, the same user ID — while the pages of code it shares with the server are not copied.
"""

from __future__ import annotations

import argparse
import gc
import grp
import importlib
import json
import logging
import os
import pwd
import signal
import socket
import stat
import sys
import threading
from dataclasses import dataclass
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


@dataclass(frozen=True)
class Clerks:
    """Whom a root server forks sessions for: members of one Unix group, each as their own account."""

    group: str
    gid: int

    @classmethod
    def named(cls, group: str) -> Clerks:
        if os.geteuid() != 0:
            raise SystemExit("error: --clerks-group needs root: each session is dropped to its clerk's own "
                             "account, which only root can do; run it as the systemd unit "
                             "deploy/systemd/wss-ssh-sessions.service does")
        try:
            return cls(group, grp.getgrnam(group).gr_gid)
        except KeyError:
            raise SystemExit(f"error: there is no Unix group {group!r}; make it with `groupadd {group}`") from None

    def account(self, uid: int) -> pwd.struct_passwd | str:
        """The account to run a session as for a peer of this uid, or why it is refused."""
        if uid == 0:
            return "sessions are not run as root"
        try:
            account = pwd.getpwuid(uid)
        except KeyError:
            return f"uid {uid} has no account"
        if self.gid not in os.getgrouplist(account.pw_name, account.pw_gid):
            return f"{account.pw_name} is not in the group {self.group}"
        return account


def check_socket_dir(path: Path, clerks: Clerks | None = None) -> None:
    """The socket's directory must be this user's alone (or root's and the clerks' group's, unwritable
    by the group): that, not the socket's own mode, is what keeps other users from connecting on every
    system."""
    info = path.parent.stat()
    mode = stat.S_IMODE(info.st_mode)
    if clerks is None:
        if info.st_uid != os.getuid() or mode & 0o077:
            raise SystemExit(f"error: {path.parent} must belong to uid {os.getuid()} with mode 0700 "
                             f"(it is uid {info.st_uid}, mode {mode:04o}); make it with `install -d -m 0700`")
    elif info.st_uid != 0 or info.st_gid != clerks.gid or mode & 0o027 or not mode & 0o010:
        raise SystemExit(f"error: {path.parent} must belong to root and the group {clerks.group} with mode 0750 "
                         f"(it is uid {info.st_uid}, gid {info.st_gid}, mode {mode:04o}); "
                         f"make it with `install -d -m 0750 -g {clerks.group}`")


def peer_uid(conn: socket.socket) -> int:
    creds = conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, 12)
    return int.from_bytes(creds[4:8], sys.byteorder)


def drop_to(account: pwd.struct_passwd) -> None:
    """Become `account` for good: its groups, gid and uid, with no way back to root."""
    os.setgroups(os.getgrouplist(account.pw_name, account.pw_gid))
    os.setgid(account.pw_gid)
    os.setuid(account.pw_uid)
    if os.getuid() != account.pw_uid or os.geteuid() != account.pw_uid or os.getegid() != account.pw_gid:
        raise SystemExit(f"could not become {account.pw_name}")
    try:
        os.setuid(0)
    except PermissionError:
        return
    raise SystemExit(f"still able to become root after dropping to {account.pw_name}")


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


def serve(path: Path, *, watch_parent: bool = False, clerks: Clerks | None = None) -> None:
    check_socket_dir(path, clerks)
    preload()
    if path.exists() or path.is_symlink():
        path.unlink()
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(str(path))
    if clerks is None:
        os.chmod(path, 0o600)
    else:  # connecting needs write permission on the socket
        os.chown(path, 0, clerks.gid)
        os.chmod(path, 0o660)
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
                    _accept(listener, conn, clerks)
                except OSError as exc:  # no memory to fork, a client gone mid-request: that one fails, not the server
                    log.warning("fork server: a session could not start (%s)", exc)
    finally:
        if path.exists():
            path.unlink()


def _accept(listener: socket.socket, conn: socket.socket, clerks: Clerks | None = None) -> None:
    uid = peer_uid(conn)
    account = None
    if clerks is None and uid != os.getuid():
        log.warning("fork server: connection from uid %d refused (only uid %d)", uid, os.getuid())
        send_frame(conn, {"refused": f"this fork server serves uid {os.getuid()} only"})
        return
    if clerks is not None:
        account = clerks.account(uid)
        if isinstance(account, str):
            log.warning("fork server: connection from uid %d refused (%s)", uid, account)
            send_frame(conn, {"refused": f"{account}; this fork server serves the group {clerks.group}"})
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
                if account is not None:
                    drop_to(account)
                _child(conn, request, fds)
            except BaseException:  # noqa: BLE001 — before the session ran: a defect of this server, shown where it happened
                import traceback

                traceback.print_exc()
            finally:
                os._exit(70)
        # Not its arguments: a --db URL may hold a password.
        log.info("session %d started%s", pid, "" if account is None else f" for {account.pw_name}")
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
    ap.add_argument("--clerks-group", metavar="GROUP",
                    help="as root: serve the members of GROUP (SSH clerks), each session as their own account")
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    clerks = Clerks.named(args.clerks_group) if args.clerks_group else None
    serve(args.socket.absolute(), watch_parent=args.watch_parent, clerks=clerks)


if __name__ == "__main__":
    main()
