"""The preloaded fork server (wss_tui/forkserver.py) and its thin client (wss_tui/forkclient.py).

A real server process on a socket in a 0700 directory; sessions reach it through the client, as
`wss serve` starts them (tests/test_serve.py goes through it too) or as a terminal would. A session
forked from it is the same `wss` as one started on its own: the same login in tmux, the same output
and exit status; the server serves its own uid only and outlives a session that crashes.
"""

from __future__ import annotations

import grp
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from wss_tui import forkclient

from .e2e.tmux import Terminal, require_tmux_and_wss
from .test_tui_e2e import log_in
from .tui_helpers import CLERK, PASSWORDS

CLIENT = Path(forkclient.__file__)


class Server:
    def __init__(self, tmp_path: Path, *, clerks_group: str | None = None, python: str = sys.executable) -> None:
        self.dir = tmp_path / "run"  # the server's socket directory (0700), of which tmp_path holds nothing else
        self.dir.mkdir(mode=0o700)
        command = [python, "-m", "wss_tui.forkserver", "--socket", str(self.dir / "fork.sock")]
        if clerks_group is not None:  # SSH's: root's and the clerks' group's, as systemd's RuntimeDirectory makes it
            os.chown(self.dir, 0, grp.getgrnam(clerks_group).gr_gid)
            os.chmod(self.dir, 0o750)
            command += ["--clerks-group", clerks_group]
        self.socket = self.dir / "fork.sock"
        self.log = tmp_path / "forkserver.log"
        with self.log.open("wb") as log:
            self.proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=log, stdin=subprocess.DEVNULL)
        ready = self.proc.stdout.readline()  # after its imports; a busy machine takes seconds
        assert ready == b"ready\n", self.log.read_text()

    def client(self, *args: str) -> list[str]:
        return [sys.executable, "-I", "-S", str(CLIENT), "--socket", str(self.socket), *args]

    def children(self) -> list[int]:
        pids = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == self.proc.pid:
                pids.append(int(stat.parent.name))
        return pids

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(15)


@pytest.fixture
def server(tmp_path):
    s = Server(tmp_path)
    try:
        yield s
    finally:
        s.stop()


def in_terminal(command: list[str]) -> Terminal:
    """The command in tmux, then its exit status on the screen."""
    shown = " ".join(map(_quote, command)) + '; echo "EXIT=$?"; sleep 60'
    return Terminal(["sh", "-c", shown], env={}, width=80, height=24)


def _quote(arg: str) -> str:
    import shlex

    return shlex.quote(arg)


def test_a_fork_served_session_logs_in_in_tmux_like_one_started_on_its_own(server, demo_url):
    require_tmux_and_wss()
    term = in_terminal(server.client("--db", demo_url, "tui"))
    try:
        log_in(term, CLERK, PASSWORDS["TR-SDC"])
        term.wait_for("To Do Search")
        assert len(server.children()) == 1  # the session is the server's child, not a process of its own
        term.keys("?")
        term.wait_for("Keys")
        term.keys("Escape")
        term.wait_for("To Do Search")
        term.keys("C-q")
        term.wait_for("EXIT=0")
    finally:
        term.close()
    assert server.proc.poll() is None
    assert "session" in server.log.read_text() and "started" in server.log.read_text()


def test_commands_through_the_fork_server_print_and_exit_as_they_would_alone(server, demo_url):
    for args in (["--db", demo_url, "staff", "list"], ["--db", demo_url, "staff", "list", "--office", "NOPE"],
                 ["staff", "list", "--no-such-option"]):
        alone = subprocess.run([sys.executable, "-m", "wss_tui", *args], check=False, capture_output=True, text=True, timeout=120)
        forked = subprocess.run(server.client(*args), check=False, capture_output=True, text=True, timeout=120)
        assert (forked.returncode, forked.stdout, forked.stderr) == (alone.returncode, alone.stdout, alone.stderr)


def test_the_environment_and_directory_are_the_clients(server, tmp_path):
    work = tmp_path / "elsewhere"
    work.mkdir()
    env = {**os.environ, "WSS_DATABASE_URL": f"sqlite:///{work / 'none.db'}"}
    forked = subprocess.run(server.client("staff", "list"), check=False, capture_output=True, text=True, cwd=work, env=env,
                            timeout=120)
    alone = subprocess.run([sys.executable, "-m", "wss_tui", "staff", "list"], check=False, capture_output=True, text=True,
                           cwd=work, env=env, timeout=120)
    assert forked.returncode == alone.returncode == 1
    assert forked.stderr == alone.stderr and str(work / "none.db") in forked.stderr
    # The server read its settings once (its warm-up); a client's own WSS_DATA_DIR is read afresh.
    env["WSS_DATA_DIR"] = str(work)
    forked = subprocess.run(server.client("config", "check"), check=False, capture_output=True, text=True, cwd=work,
                            env=env, timeout=120)
    alone = subprocess.run([sys.executable, "-m", "wss_tui", "config", "check"], check=False, capture_output=True,
                           text=True, cwd=work, env=env, timeout=120)
    assert forked.returncode == alone.returncode == 1
    assert (forked.stdout, forked.stderr) == (alone.stdout, alone.stderr) and str(work) in forked.stdout + forked.stderr


def test_the_server_outlives_a_session_that_crashes(server, demo_url):
    require_tmux_and_wss()
    term = in_terminal(server.client("--db", demo_url, "tui"))
    try:
        term.wait_for("staff login")
        (child,) = server.children()
        os.kill(child, signal.SIGSEGV)
        term.wait_for("error: the session ended unexpectedly; log in again")
        term.wait_for("EXIT=1")
    finally:
        term.close()
    again = subprocess.run(server.client("--db", demo_url, "staff", "list"), check=False, capture_output=True, text=True,
                           timeout=120)
    assert again.returncode == 0 and CLERK in again.stdout
    assert server.proc.poll() is None
    deadline = time.monotonic() + 10
    while "ended by signal 11" not in server.log.read_text() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert f"session {child} ended by signal 11" in server.log.read_text()


def test_a_session_whose_client_goes_away_ends(server, demo_url):
    require_tmux_and_wss()
    term = in_terminal(server.client("--db", demo_url, "tui"))
    try:
        term.wait_for("staff login")
        (child,) = server.children()
        clients = [pid for pid in _pids() if str(CLIENT) in _cmdline(pid) and str(server.socket) in _cmdline(pid)]
        assert len(clients) == 1
        for pid in clients:
            os.kill(pid, signal.SIGKILL)  # the line dropped and took the client with it
        deadline = time.monotonic() + 15
        while child in server.children() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert child not in server.children()
    finally:
        term.close()


def _pids() -> list[int]:
    return [int(p.name) for p in Path("/proc").iterdir() if p.name.isdigit()]


def _cmdline(pid: int) -> list[str]:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace").split("\0")[:-1]
    except OSError:
        return []


@pytest.fixture
def server_nobody_can_walk_to():
    """A server whose socket directory's parents let anyone through (pytest's own tmp_path is 0700)."""
    import shutil
    import tempfile

    base = Path(tempfile.mkdtemp(prefix="wss-forkserver-test-"))
    os.chmod(base, 0o755)
    s = Server(base)
    try:
        yield s
    finally:
        s.stop()
        shutil.rmtree(base, ignore_errors=True)


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to connect as another uid")
def test_another_uid_cannot_reach_the_socket_and_is_refused_if_it_could(server_nobody_can_walk_to):
    server = server_nobody_can_walk_to
    assert _connect_as(65534, server.socket) == "PermissionError"  # the 0700 directory
    os.chmod(server.dir, 0o755)  # a careless administrator: the directory and socket opened to all
    os.chmod(server.socket, 0o777)
    assert _connect_as(65534, server.socket) == "refused: this fork server serves uid 0 only"
    assert "connection from uid 65534 refused (only uid 0)" in server.log.read_text()
    assert server.children() == []


def _connect_as(uid: int, path: Path) -> str:
    """Connect from a process of another uid and send what a client sends; what happened, in words."""
    import socket

    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover — the child reports through the pipe
        outcome = "?"
        try:
            os.setgid(65534)
            os.setuid(uid)
            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
                sock.connect(str(path))
                try:
                    forkclient.send_frame(sock, {"argv": ["staff", "list"], "env": {}, "cwd": "/", "umask": 0o22},
                                          [0, 1, 2])
                except BrokenPipeError:  # refused before the request was read; the answer is waiting
                    pass
                answer = forkclient.read_frame(sock) or {}
                outcome = f"refused: {answer['refused']}" if "refused" in answer else f"answered: {answer}"
        except OSError as exc:
            outcome = exc.__class__.__name__
        finally:
            os.write(write, outcome.encode())
            os._exit(0)
    os.close(write)
    os.waitpid(pid, 0)
    with os.fdopen(read, "rb") as got:
        return got.read().decode()


def test_the_server_will_not_start_on_a_directory_others_can_enter(tmp_path):
    shared = tmp_path / "shared"
    shared.mkdir(mode=0o755)
    os.chmod(shared, 0o755)
    result = subprocess.run([sys.executable, "-m", "wss_tui.forkserver", "--socket", str(shared / "fork.sock")],
                            check=False, capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert result.stderr.strip() == (f"error: {shared} must belong to uid {os.getuid()} with mode 0700 (it is uid "
                                     f"{os.getuid()}, mode 0755); make it with `install -d -m 0700`")


@pytest.fixture
def clerks_server():
    """The SSH sessions' server (--clerks-group, as root) for a throwaway group with one clerk in it."""
    from .e2e.sshd import Office

    if os.geteuid() != 0:
        pytest.skip("needs root: the SSH sessions' server drops each session to its clerk's account")
    office = Office()
    try:
        office.create_account()
        s = Server(office.shared, clerks_group=office.group)
        try:
            yield s, office
        finally:
            s.stop()
    finally:
        office.close()


def test_the_ssh_sessions_server_serves_its_group_and_never_root(clerks_server):
    server, office = clerks_server
    assert _connect_as(65534, server.socket) == "PermissionError"  # the 0750 directory: the group's only
    os.chmod(server.dir, 0o755)  # a careless administrator
    os.chmod(server.socket, 0o666)
    assert _connect_as(65534, server.socket) == (
        f"refused: nobody is not in the group {office.group}; this fork server serves the group {office.group}")
    assert _connect_as(0, server.socket) == (
        f"refused: sessions are not run as root; this fork server serves the group {office.group}")
    log = server.log.read_text()
    assert f"connection from uid 65534 refused (nobody is not in the group {office.group})" in log
    assert "connection from uid 0 refused (sessions are not run as root)" in log
    assert server.children() == []


def test_the_ssh_sessions_server_will_not_start_on_a_directory_the_group_can_write(clerks_server):
    server, office = clerks_server
    run = office.shared / "loose"
    run.mkdir()
    os.chmod(run, 0o770)
    result = subprocess.run([sys.executable, "-m", "wss_tui.forkserver", "--socket", str(run / "fork.sock"),
                             "--clerks-group", office.group], check=False, capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert result.stderr.strip() == (
        f"error: {run} must belong to root and the group {office.group} with mode 0750 (it is uid 0, gid 0, "
        f"mode 0770); make it with `install -d -m 0750 -g {office.group}`")
    result = subprocess.run([sys.executable, "-m", "wss_tui.forkserver", "--socket", str(run / "fork.sock"),
                             "--clerks-group", "wss-no-such-group"], check=False, capture_output=True, text=True,
                            timeout=60)
    assert (result.returncode, result.stderr.strip()) == (
        1, "error: there is no Unix group 'wss-no-such-group'; make it with `groupadd wss-no-such-group`")


def test_the_ssh_sessions_unit_and_the_sshd_snippet_agree():
    """The shipped unit serves the group the snippet matches, on the socket its ForceCommand names."""
    import re

    repo = Path(__file__).resolve().parents[1]
    unit = (repo / "deploy" / "systemd" / "wss-ssh-sessions.service").read_text()
    snippet = (repo / "deploy" / "sshd_config.d" / "wss.conf").read_text()
    (start,) = re.findall(r"^ExecStart=(.*)$", unit, re.M)
    assert start.split()[1:] == ["-m", "wss_tui.forkserver", "--socket", "/run/wss-ssh/fork.sock",
                                 "--clerks-group", "wss-clerks"]
    assert "\nRuntimeDirectory=wss-ssh\n" in unit and "\nRuntimeDirectoryMode=0750\n" in unit
    assert "\nGroup=wss-clerks\n" in unit and "\nKillMode=process\n" in unit  # a restart leaves sessions open
    (forked,) = re.findall(r"^\s*# ForceCommand (.*forkclient\.py.*)$", snippet, re.M)
    assert forked.split()[1:3] == ["-I", "-S"] and forked.split()[4:] == [
        "--socket", "/run/wss-ssh/fork.sock", "tui", "--ssh-user"]
    assert "Match Group wss-clerks" in snippet
