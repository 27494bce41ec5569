"""End to end over SSH: a clerk connects with the OpenSSH client (in tmux, 80x24) to a real sshd whose
forced command — the shipped deploy/sshd_config.d/wss.conf — is the installed `wss tui --ssh-user`.

The account decides the user ID; the clerk types only the password, opens a To Do by ID and takes it;
the store shows it taken. Then the clerk starts forwarding it and the line drops (the ssh client is
killed) before the forward is sent: the app on the server goes away with the session, the To Do is as
the take left it, and nothing holds it.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.engine import make_url

from wss_tui.store import db, todos
from wss_tui.store.models import BEING_WORKED_ON, OPEN, ToDo

from .conftest import FIXED_NOW
from .e2e.sshd import Office, require_sshd, ssh_command
from .e2e.tmux import WSS, Terminal, require_tmux_and_wss
from .test_forkserver import CLIENT, Server
from .tui_helpers import CLERK, PASSWORDS, SDO


def open_clerk_todo(url: str) -> str:
    engine = db.make_engine(url)
    try:
        with db.read(engine) as s:
            todo_id = s.scalars(
                select(ToDo.todo_id)
                .where(ToDo.office_code == "ESD-INR-1", ToDo.role == "TR-SDC", ToDo.status == OPEN)
                .order_by(ToDo.priority, ToDo.created_at, ToDo.todo_id)
            ).first()
    finally:
        engine.dispose()
    assert todo_id, "the demo has an Open clerk To Do in ESD-INR-1"
    return todo_id


def ssh_client_pid(term: Terminal) -> int:
    out = subprocess.run(["tmux", "-L", term.socket, "display-message", "-p", "-t", "main", "#{pane_pid}"],
                         capture_output=True, text=True, env=term.env, check=True)
    pane = int(out.stdout.strip())
    if Path(f"/proc/{pane}/comm").read_text().strip() == "ssh":
        return pane
    children = subprocess.run(["pgrep", "-P", str(pane), "-x", "ssh"], capture_output=True, text=True).stdout.split()
    assert children, "no ssh client under the tmux pane"
    return int(children[0])


@pytest.fixture
def office():
    sshd = require_sshd()
    require_tmux_and_wss()
    office = Office()
    try:
        office.create_account()
        yield sshd, office
    finally:
        office.close()


def forked_sessions(office: Office, wss: Path) -> tuple[Server, str]:
    """The SSH sessions' fork server for the office's clerks' group (as deploy/systemd/wss-ssh-sessions.service
    runs it), and the ForceCommand that reaches it (the snippet's commented-out line).

    A session reads what it has not imported yet as the clerk, so the server runs the Python behind the
    `wss` the clerk can run (as /opt/wss/bin/python is in an office)."""
    python = sys.executable if wss == WSS else str(wss.parent / "python")
    if not office.runs("test", "-r", str(CLIENT)):
        pytest.skip(f"the clerk's account cannot read {CLIENT}")
    home = office.shared / "fork"  # the socket's directory must be reachable by the clerk
    home.mkdir(mode=0o755)
    server = Server(home, clerks_group=office.group, python=python)
    return server, f"{python} -I -S {CLIENT} --socket {server.socket} tui --ssh-user"


def uid_of(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("Uid:"):
            return int(line.split()[1])
    raise AssertionError(f"no Uid line for {pid}")


@pytest.mark.parametrize("started", ["on its own", "forked"])
def test_a_clerk_over_ssh_takes_a_to_do_and_a_dropped_line_leaves_nothing_half_done(office, demo_url, tmp_path, started):
    sshd, office = office
    todo_id = open_clerk_todo(demo_url)
    url = demo_url
    if make_url(demo_url).get_backend_name() == "sqlite":
        # The clerk's process opens the file (and its -wal, -shm) itself: it must be the clerk's.
        folder = office.shared / "db"
        folder.mkdir()
        shutil.copyfile(make_url(demo_url).database, folder / "wss.db")
        office.give(folder)
        office.give(folder / "wss.db")
        url = f"sqlite:///{folder / 'wss.db'}"
    mapping = office.shared / "ssh_users.toml"
    mapping.write_text(f'unlisted = "refuse"\n[users]\n{office.user} = "{CLERK.lower()}"\n')
    mapping.chmod(0o644)
    wss = office.runnable_wss()
    server, force_command = forked_sessions(office, wss) if started == "forked" else (None, None)
    key = tmp_path / "client_key"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key)], check=True)
    port = office.start_sshd(
        sshd, tmp_path, wss=wss, client_key=key, force_command=force_command,
        env={"WSS_DATABASE_URL": url, "WSS_SSH_USERS": str(mapping), "WSS_NOW": FIXED_NOW.isoformat()},
    )

    term = Terminal(ssh_command(port, key, office.user), env={}, width=80, height=24)
    engine = db.make_engine(url)
    try:
        term.wait_for("staff login", timeout=30)
        shown = term.wait_for(CLERK)
        # The user ID is the account's, filled in and locked (not the empty field's "e.g." hint).
        assert CLERK in shown and f"e.g. {CLERK}" not in shown
        term.type(PASSWORDS["TR-SDC"])
        term.keys("Enter")
        term.wait_for("To Do Search")
        term.keys("o")
        term.wait_for("Open a To Do")
        term.type(todo_id)
        term.keys("Enter")
        term.wait_for(f"To Do ID      {todo_id}")
        term.wait_for("Status        Open")
        term.keys("t")
        term.wait_for("Being Worked On")
        with db.read(engine) as s:
            taken = todos.get(s, CLERK, todo_id)
        assert (taken.status, taken.assigned_to) == (BEING_WORKED_ON, CLERK)
        assert (taken.log[-1].log_type, taken.log[-1].user_id) == ("Assigned", CLERK)

        # Half a forward, then the line drops.
        term.keys("f")
        term.wait_for("Forward To Do")
        term.type(SDO)
        term.keys("Tab")  # the app's type-ahead lands the note in the next field, however fast it comes
        term.type("Reading confirmed on site; please approve")
        term.wait_for("please approve")
        running = office.processes()
        assert running, "the forced wss runs as the clerk's account"
        if server is not None:  # the session is the server's child, dropped to the clerk's account
            (session,) = server.children()
            assert uid_of(session) == office.uid
            assert f"session {session} started for {office.user}" in server.log.read_text()
        os.kill(ssh_client_pid(term), signal.SIGKILL)
        left = office.wait_until_no_processes()
        assert not left, f"processes of the clerk outlived the session: {left}"
        if server is not None:
            deadline = time.monotonic() + 15
            while server.children() and time.monotonic() < deadline:
                time.sleep(0.2)
            assert server.children() == [], "the forked session outlived the line"
    finally:
        term.close()
        if server is not None:
            server.stop()

    with db.read(engine) as s:
        after = todos.get(s, CLERK, todo_id)
    assert (after.status, after.assigned_to, after.version) == (BEING_WORKED_ON, CLERK, taken.version)
    assert after.log == taken.log  # no Forwarded entry, nothing half-written
    # Nothing holds the To Do either: the clerk forwards it from another session at once.
    with db.write(engine) as s:
        done = todos.forward(s, CLERK, todo_id, after.version, to_user=SDO, note="Forwarded after the line dropped")
    assert (done.assigned_to, done.log[-1].log_type) == (SDO, "Forwarded")
    engine.dispose()
    log = office.log.read_text()
    assert f"Accepted publickey for {office.user} from 127.0.0.1" in log
