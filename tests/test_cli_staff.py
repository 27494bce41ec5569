"""`wss staff` as the IT cell runs it: passwords typed at a terminal or piped in.

At a terminal it is the installed command on a pseudo-terminal (the hidden prompt needs one); piped, it
is the command's entry point in this process (tests/_cli.py), the same code from arguments to exit status."""

from __future__ import annotations

import json
import os
import select
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import select as sql_select

from wss_tui.store import auth, db
from wss_tui.store.codes import StaffAction
from wss_tui.store.errors import Denied, LockedOut
from wss_tui.store.models import Staff

from ._cli import wss as run_wss

WSS = Path(sys.executable).parent / "wss"
ADD = ["staff", "add", "INR1-SDC9", "--name", "VERMA,RAM", "--role", "TR-SDC", "--office", "ESD-INR-1"]
PASSWORD = "monsoon-2026"


@pytest.fixture(autouse=True)
def _installed():
    if not WSS.exists():
        pytest.skip(f"the wss command is not installed beside {sys.executable}")


def wss(demo_url, *args, stdin: str | None = None):
    """The command with stdin a pipe (empty unless given): no terminal, as under cron or a script."""
    return run_wss("--db", demo_url, *args, stdin=stdin or "")


def at_terminal(demo_url, *args, typed: list[str]) -> tuple[int, str]:
    """The command on a pseudo-terminal; each of `typed` is entered at the next hidden prompt.

    Typing waits for the prompt: getpass turns echo off with TCSAFLUSH, which drops what came before.
    """
    master, slave = os.openpty()
    proc = subprocess.Popen([str(WSS), "--db", demo_url, *args], stdin=slave, stdout=slave, stderr=slave, start_new_session=True)
    os.close(slave)
    out, typed, deadline = b"", list(typed), time.monotonic() + 60
    try:
        while time.monotonic() < deadline:
            if select.select([master], [], [], 0.1)[0]:
                try:
                    chunk = os.read(master, 4096)
                except OSError:  # the command ended and closed the terminal
                    break
                if not chunk:
                    break
                out += chunk
            elif proc.poll() is not None:
                break
            if typed and out.endswith(b": "):
                os.write(master, typed.pop(0).encode() + b"\n")
                out += b"<typed>"
    finally:
        os.close(master)
    return proc.wait(timeout=30), out.decode().replace("\r\n", "\n")


def refused(result, line: str) -> None:
    """Exit 1, exactly one `error:` line on stderr, no traceback, nothing on stdout."""
    assert result.returncode == 1, (result.stdout, result.stderr)
    assert result.stderr == f"error: {line}\n"
    assert result.stdout == ""


def staff_rows(engine) -> list[tuple]:
    with db.read(engine) as s:
        return [tuple(r) for r in s.execute(sql_select(Staff.__table__).order_by(Staff.user_id))]


def logs_in(engine, user_id, password) -> bool:
    try:
        return auth.attempt_login(engine, user_id, password).user_id == user_id
    except (Denied, LockedOut):
        return False


# --- add -------------------------------------------------------------------------------------------------


def test_add_with_the_password_on_stdin(engine, demo_url):
    result = wss(demo_url, *ADD, "--mobile", "9876543210", "--password-stdin", stdin=PASSWORD + "\n")
    assert (result.returncode, result.stdout, result.stderr) == (0, "added INR1-SDC9 (TR-SDC, ESD-INR-1)\n", "")
    assert logs_in(engine, "INR1-SDC9", PASSWORD)


def test_add_with_the_password_typed_twice_at_a_terminal(engine, demo_url):
    code, shown = at_terminal(demo_url, *ADD, typed=[PASSWORD, PASSWORD])
    assert code == 0, shown
    assert shown == "New password for INR1-SDC9: <typed>\nType it again: <typed>\nadded INR1-SDC9 (TR-SDC, ESD-INR-1)\n"
    assert PASSWORD not in shown  # echo was off
    assert logs_in(engine, "INR1-SDC9", PASSWORD)


def test_mismatched_confirmation_writes_nothing(engine, demo_url):
    before = staff_rows(engine)
    code, shown = at_terminal(demo_url, *ADD, typed=[PASSWORD, PASSWORD + "x"])
    assert code == 1
    assert shown.endswith("Type it again: <typed>\nerror: password: the two passwords typed differ; nothing was changed; run the command again\n")
    assert "Traceback" not in shown and staff_rows(engine) == before


def test_a_short_password_at_the_terminal_is_refused_before_the_second_prompt(engine, demo_url):
    before = staff_rows(engine)
    code, shown = at_terminal(demo_url, *ADD, typed=["short"])
    assert code == 1
    assert shown == "New password for INR1-SDC9: <typed>\nerror: password: too short; use at least 8 characters\n"
    assert staff_rows(engine) == before


def test_a_bad_office_is_refused_before_the_password_is_asked(demo_url):
    code, shown = at_terminal(demo_url, "staff", "add", "INR1-SDC9", "--name", "A", "--role", "TR-SDC", "--office", "EDD-INR", typed=[])
    assert code == 1
    assert shown == "error: office: TR-SDC works at a sub-division; EDD-INR is a division; give a sub-division's code\n"


def _bad():
    """(arguments after `staff add`, stdin, the exact error line)."""
    ok = dict(user_id="INR1-SDC9", name="VERMA,RAM", role="TR-SDC", office="ESD-INR-1")

    def args(mobile=None, **change):
        a = {**ok, **change}
        return [a["user_id"], "--name", a["name"], "--role", a["role"], "--office", a["office"], "--password-stdin",
                *(["--mobile", mobile] if mobile else [])]

    return {
        "duplicate user": (args(user_id="INR1-SDC1"), PASSWORD,
                           "user ID: INR1-SDC1 already exists; choose another, or `wss staff passwd INR1-SDC1`"),
        "malformed user ID": (args(user_id="INR1_SDC9"), PASSWORD,
                              "user ID: 'INR1_SDC9' is not a user ID; use 1-20 letters, digits and hyphens, "
                              "starting with a letter or digit (e.g. INR1-SDC3)"),
        "unknown role": (args(role="TR-XYZ"), PASSWORD,
                         "role: unknown role 'TR-XYZ'; use one of: TR-SDC, TR-SDO, TR-EE, TR-ACC, TR-SE, TR-CE, TR-DIRC, TR-MD, TR-OPR, TR-ADM"),
        "unknown office": (args(office="ESD-NOPE"), PASSWORD, "office: no office 'ESD-NOPE'; use a code from data/offices.toml"),
        "role at the wrong level": (args(role="TR-EE"), PASSWORD,
                                    "office: TR-EE works at a division; ESD-INR-1 is a sub-division; give a division's code"),
        "short password": (args(), "monsoon\n", "password: too short; use at least 8 characters"),
        "password is the user ID": (args(), "inr1-sdc9\n", "password: must not be the user ID; choose another"),
        "nothing on stdin": (args(), "", "password: nothing on stdin; give the password as one line"),
        "bad mobile": (args(mobile="98765"), PASSWORD,
                       "mobile: '98765' is not a 10-digit mobile number starting with 6-9; give one, or leave it out"),
    }


@pytest.mark.parametrize("case", _bad().keys())
def test_bad_input_is_one_error_line_and_nothing_is_written(engine, demo_url, case):
    args, stdin, line = _bad()[case]
    before = staff_rows(engine)
    refused(wss(demo_url, "staff", "add", *args, stdin=stdin), line)
    assert staff_rows(engine) == before


def test_no_terminal_and_no_password_stdin(engine, demo_url):
    before = staff_rows(engine)
    refused(wss(demo_url, *ADD), "password: no terminal to ask on; give it as one line on stdin with --password-stdin")
    assert staff_rows(engine) == before


@pytest.mark.parametrize(
    "args",
    [["staff", "add", "INR1-SDC9", "--role", "TR-SDC", "--office", "ESD-INR-1"],  # no --name
     ["staff", "add"], ["staff", "frobnicate"], ["staff", "list", "--limit", "0"]],
)
def test_usage_errors_keep_exit_status_2(demo_url, args):
    result = wss(demo_url, *args)
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr


# --- passwd, unlock, disable, enable ------------------------------------------------------------------


def _lock(engine, user_id="INR1-SDC1"):
    for _ in range(auth.MAX_FAILURES):
        logs_in(engine, user_id, "wrong-password")


def test_passwd_sets_the_password_and_lifts_the_lock_out(engine, demo_url):
    _lock(engine)
    result = wss(demo_url, "staff", "passwd", "inr1-sdc1", "--password-stdin", stdin=PASSWORD + "\n")
    assert (result.returncode, result.stdout) == (0, "password set for INR1-SDC1 (lock-out lifted)\n"), result.stderr
    assert not logs_in(engine, "INR1-SDC1", "clerk@123")
    assert logs_in(engine, "INR1-SDC1", PASSWORD)


def test_passwd_at_a_terminal_and_for_an_unknown_user(engine, demo_url):
    code, shown = at_terminal(demo_url, "staff", "passwd", "INR1-SDC1", typed=[PASSWORD, PASSWORD])
    assert (code, shown.splitlines()[-1]) == (0, "password set for INR1-SDC1")
    assert logs_in(engine, "INR1-SDC1", PASSWORD)
    # An unknown user is refused before any password is asked for.
    refused(wss(demo_url, "staff", "passwd", "NOBODY"), "user ID: no staff member NOBODY; `wss staff list` shows who there is")


def test_unlock(engine, demo_url):
    _lock(engine)
    result = wss(demo_url, "staff", "unlock", "INR1-SDC1")
    assert (result.returncode, result.stdout) == (0, "unlocked INR1-SDC1\n")
    assert logs_in(engine, "INR1-SDC1", "clerk@123")
    assert wss(demo_url, "staff", "unlock", "INR1-SDC1").stdout == "INR1-SDC1 was not locked; nothing changed\n"


def test_disable_and_enable(engine, demo_url):
    result = wss(demo_url, "staff", "disable", "INR1-SDC1")
    assert (result.returncode, result.stdout) == (0, "disabled INR1-SDC1 (TR-SDC, ESD-INR-1)\nINR1-SDC1 holds 2 open To Dos; "
                                                     "move them with `wss staff reassign INR1-SDC1 --route` (or --to USER_ID)\n")
    assert not logs_in(engine, "INR1-SDC1", "clerk@123")
    assert wss(demo_url, "staff", "disable", "INR1-SDC1").stdout.startswith("INR1-SDC1 was already disabled; nothing changed\nINR1-SDC1 holds 2")
    passwd = wss(demo_url, "staff", "passwd", "INR1-SDC1", "--password-stdin", stdin=PASSWORD + "\n")
    assert passwd.stdout == "password set for INR1-SDC1 (still disabled: `wss staff enable INR1-SDC1` lets them log in)\n"
    assert not logs_in(engine, "INR1-SDC1", PASSWORD)

    result = wss(demo_url, "staff", "enable", "INR1-SDC1")
    assert (result.returncode, result.stdout) == (0, "enabled INR1-SDC1 (TR-SDC, ESD-INR-1)\n")
    assert logs_in(engine, "INR1-SDC1", PASSWORD)
    refused(wss(demo_url, "staff", "enable", "NO-ONE"), "user ID: no staff member NO-ONE; `wss staff list` shows who there is")


# --- list ------------------------------------------------------------------------------------------------


def test_list_of_an_office_fits_80_columns_and_shows_status(engine, demo_url):
    auth.attempt_login(engine, "INR1-SDO", "sdo@123")
    _lock(engine, "INR1-SDC2")
    wss(demo_url, "staff", "disable", "INR1-OPR")
    result = wss(demo_url, "staff", "list", "--office", "ESD-INR-1")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert all(len(line) <= 80 for line in lines), lines
    assert lines[0] == "4 staff"
    assert lines[1].split() == ["User", "ID", "Role", "Office", "Status", "Last", "login", "Name"]
    rows = {line.split()[0]: line for line in lines[2:]}
    assert list(rows) == ["INR1-OPR", "INR1-SDC1", "INR1-SDC2", "INR1-SDO"]
    assert "  disabled  " in rows["INR1-OPR"]
    assert "  locked until 11:15:00AM  never  " in rows["INR1-SDC2"]
    assert "  active  " in rows["INR1-SDO"] and "  28-11-2026  " in rows["INR1-SDO"]


def test_list_filters_by_office_and_role_and_pages(demo_url):
    clerks = wss(demo_url, "staff", "list", "--office", "EDD-INR", "--role", "TR-SDC")
    assert [line.split()[0] for line in clerks.stdout.splitlines()[2:]] == ["INR1-SDC1", "INR1-SDC2", "INR2-SDC1", "INR2-SDC2"]
    first = wss(demo_url, "staff", "list", "--office", "EDD-INR", "--role", "TR-SDC", "--limit", "3").stdout.splitlines()
    assert first[0] == "4 staff; 3 shown" and first[-1] == "Next page: --after INR2-SDC1"
    rest = wss(demo_url, "staff", "list", "--office", "EDD-INR", "--role", "TR-SDC", "--after", "INR2-SDC1").stdout.splitlines()
    assert [line.split()[0] for line in rest[2:]] == ["INR2-SDC2"]
    refused(wss(demo_url, "staff", "list", "--office", "NOPE"), "office: no office 'NOPE'; use a code from data/offices.toml")


def test_list_json(engine, demo_url):
    _lock(engine, "INR1-SDC2")
    result = wss(demo_url, "staff", "list", "--office", "ESD-INR-1", "--json")
    assert result.returncode == 0, result.stderr
    payload = json.loads(result.stdout)
    assert set(payload) == {"total", "staff", "next_after"}
    assert (payload["total"], payload["next_after"]) == (4, None)
    by_id = {m["user_id"]: m for m in payload["staff"]}
    assert list(by_id) == ["INR1-OPR", "INR1-SDC1", "INR1-SDC2", "INR1-SDO"]
    assert set(by_id["INR1-SDC1"]) == {
        "user_id", "name", "role", "office_code", "mobile", "active", "failed_logins", "locked_until", "last_login_at", "status"}
    assert (by_id["INR1-SDC1"]["status"], by_id["INR1-SDC1"]["locked_until"]) == ("active", None)
    assert by_id["INR1-SDC2"]["status"] == "locked" and by_id["INR1-SDC2"]["locked_until"].startswith("2026-11-28 05:45:00")
    assert "password_hash" not in result.stdout
    paged = json.loads(wss(demo_url, "staff", "list", "--role", "TR-EE", "--limit", "2", "--json").stdout)
    assert len(paged["staff"]) == 2 and paged["next_after"] == paged["staff"][-1]["user_id"] and paged["total"] > 2


# --- the log of changes -----------------------------------------------------------------------------------


def test_session_events_line_up_with_the_changes_within_80_columns(engine, demo_url):
    from wss_tui.store import staff_admin

    assert wss(demo_url, "staff", "unlock", "INR1-SDC1", "--by", "x" * 60).returncode in (0, 1)
    assert wss(demo_url, "staff", "disable", "INR1-SDC2", "--by", "IT cell").returncode == 0
    staff_admin.record_session(engine, "INR-EE", "idle-lock", minutes="15 minutes")
    staff_admin.record_session(engine, "INR-EE", "resume")
    staff_admin.record_session(engine, "LKOC1-SE", "logout")
    lines = wss(demo_url, "staff", "log").stdout.splitlines()
    heads = [line for line in lines if line[:1] != " "]  # each entry's first line; its details follow indented
    assert [h.split()[3] for h in heads][:4] == ["logout", "resume", "idle-lock", "disable"]
    # The user ID starts in the same column whatever the action, "idle-lock" (9) included.
    assert len({h.index(user) for h, user in zip(heads, ("LKOC1-SE", "INR-EE", "INR-EE", "INR1-SDC2"))}) == 1
    assert heads[2].split("  ")[2] == "idle-lock" and "the session locked after 15 minutes" in lines[lines.index(heads[2]) + 1]
    assert all(len(line) <= 80 for line in heads)
    assert set(staff_admin.SESSION_EVENTS) <= set(StaffAction)


def test_every_change_is_logged_with_who_made_it_newest_first(engine, demo_url):
    import pwd

    me = pwd.getpwuid(os.getuid()).pw_name
    assert wss(demo_url, "staff", "log").stdout == "No staff changes recorded.\n"
    assert wss(demo_url, *ADD, "--password-stdin", "--by", "INR-EE  (Sharma)", stdin=PASSWORD + "\n").returncode == 0
    _lock(engine)
    assert wss(demo_url, "staff", "unlock", "INR1-SDC1").returncode == 0
    assert wss(demo_url, "staff", "unlock", "INR1-SDC1").stdout.endswith("nothing changed\n")  # not a change: not logged
    assert wss(demo_url, "staff", "passwd", "INR1-SDC9", "--password-stdin", "--by", "IT cell", stdin=PASSWORD + "x\n").returncode == 0
    assert wss(demo_url, "staff", "disable", "INR1-SDC9").returncode == 0
    assert wss(demo_url, "staff", "enable", "INR1-SDC9", "--by", "Gupta").returncode == 0

    shown = wss(demo_url, "staff", "log")
    assert shown.returncode == 0 and shown.stderr == ""
    lines = shown.stdout.splitlines()
    heads = [line.split("  ")[2:] for line in lines[0::2]]
    assert [h[0].strip() for h in heads] == ["enable", "disable", "passwd", "unlock", "add"]
    pad = max(len(a) for a in StaffAction) + 2  # the action column: the longest name ("idle-lock"), then two spaces
    assert lines[0].endswith(f"{'enable':<{pad}}INR1-SDC9  by Gupta") and f"(OS user {me})" in lines[1]
    assert lines[2].endswith(f"{'disable':<{pad}}INR1-SDC9  by {me}") and "OS user" not in lines[3]
    assert lines[4].endswith(f"{'passwd':<{pad}}INR1-SDC9  by IT cell")
    assert lines[6].endswith(f"{'unlock':<{pad}}INR1-SDC1  by {me}") and lines[7].strip().startswith("lock-out lifted")
    assert lines[8].endswith(f"{'add':<{pad}}INR1-SDC9  by INR-EE (Sharma)")
    assert lines[9].strip() == f"VERMA,RAM, TR-SDC, ESD-INR-1 (OS user {me})"
    assert "28-11-2026 11:00:00AM" in lines[0]  # the fixed clock, in IST as CC&B shows it
    assert all(len(line) <= 80 for line in lines)

    page = wss(demo_url, "staff", "log", "--limit", "2")
    assert page.stdout.splitlines()[-1].startswith("Next page: --before ")
    after = page.stdout.splitlines()[-1].split()[-1]
    rest = wss(demo_url, "staff", "log", "--before", after, "--json")
    assert [e["action"] for e in json.loads(rest.stdout)] == ["passwd", "unlock", "add"]
    mine = json.loads(wss(demo_url, "staff", "log", "--user", "inr1-sdc1", "--json").stdout)
    assert [(e["action"], e["user_id"], e["by"], e["os_user"]) for e in mine] == [("unlock", "INR1-SDC1", me, me)]


@pytest.mark.parametrize("by", ["INR-EE\x1b]0;owned\x07", "Sharma\u202e", "a\nb", "\udcff"])
def test_a_control_character_in_by_is_refused_before_anything(engine, demo_url, by):
    before = staff_rows(engine)
    result = wss(demo_url, *ADD, "--password-stdin", "--by", by, stdin=PASSWORD + "\n")
    assert result.returncode == 1 and result.stdout == "" and result.stderr.startswith(("error: by: has ", "error: --by: has "))  # --by for what `wss` refuses before any command
    assert len(result.stderr.splitlines()) == 1 and "Traceback" not in result.stderr
    assert staff_rows(engine) == before
    assert wss(demo_url, "staff", "log").stdout == "No staff changes recorded.\n"
