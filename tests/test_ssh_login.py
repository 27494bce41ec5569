"""`wss tui --ssh-user`: the Unix account decides who logs in; only the password is asked.

The real sshd run is in test_ssh_e2e.py; here the mapping rule, the locked login screen, and the
command's refusals without a terminal.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

from wss_tui.screens.login import LoginScreen
from wss_tui.screens.todo_search import TodoSearchScreen
from wss_tui.store import ssh_login
from wss_tui.store.errors import Denied, Invalid

from .tui_helpers import CLERK, CLERK2, PASSWORDS, app_as, settle, text_of

# --- the mapping ---------------------------------------------------------------------------------


def test_an_unlisted_account_logs_in_as_its_name_upper_cased():
    login = ssh_login.resolve("inr1-sdc1", None, environ={"SSH_CONNECTION": "10.1.2.3 50022 10.1.2.1 22"})
    assert (login.user_id, login.unix_account, login.client) == ("INR1-SDC1", "inr1-sdc1", "10.1.2.3")


def test_the_mapping_file_names_accounts_whose_names_differ(tmp_path):
    mapping = tmp_path / "ssh_users.toml"
    mapping.write_text('[users]\nramesh = " inr1-sdc2 "\n')
    assert ssh_login.resolve("ramesh", mapping, environ={}).user_id == CLERK2
    assert ssh_login.resolve("inr1-sdc1", mapping, environ={}).user_id == CLERK
    assert ssh_login.resolve("ramesh", mapping, environ={}).client is None


def test_refuse_lets_only_listed_accounts_in(tmp_path):
    mapping = tmp_path / "ssh_users.toml"
    mapping.write_text('unlisted = "refuse"\n[users]\nramesh = "INR1-SDC2"\n')
    assert ssh_login.resolve("ramesh", mapping).user_id == CLERK2
    with pytest.raises(Denied, match=f"ssh user: the account inr1-sdc1 is not given a staff user ID in {mapping}"):
        ssh_login.resolve("inr1-sdc1", mapping)


@pytest.mark.parametrize(
    "text, message",
    [
        ("[users\n", "fix the file"),
        ('unlisted = "maybe"\n', "use \"upper\" or \"refuse\""),
        ('users = "ramesh"\n', "[users] must be a table"),
        ('[users]\nramesh = ""\n', "give a staff user ID of 1-20 characters"),
        ('[users]\nramesh = "X" \nsita = 7\n', "sita = 7"),
    ],
)
def test_a_bad_mapping_file_is_one_line_naming_it(tmp_path, text, message):
    mapping = tmp_path / "ssh_users.toml"
    mapping.write_text(text)
    with pytest.raises(Invalid) as err:
        ssh_login.resolve("ramesh", mapping)
    assert str(err.value).startswith(f"ssh users: {mapping}") and message in str(err.value)


def test_the_account_is_the_processes_own_not_the_environment(monkeypatch):
    import pwd
    import os

    monkeypatch.setenv("USER", "inr1-sdo")
    monkeypatch.setenv("LOGNAME", "inr1-sdo")
    assert ssh_login.unix_account() == pwd.getpwuid(os.getuid()).pw_name


# --- the login screen ----------------------------------------------------------------------------


async def test_the_user_id_is_shown_locked_and_only_the_password_is_asked(engine):
    app = app_as(engine, None, login_as=CLERK)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, LoginScreen)
        user_id = app.screen.query_one("#user-id")
        assert (user_id.value, user_id.disabled) == (CLERK, True)
        assert app.focused.id == "password"
        await pilot.press("shift+tab")  # the locked field cannot be reached to change it
        assert app.focused is None or app.focused.id != "user-id"
        app.screen.query_one("#password").focus()
        await pilot.press(*"wrong", "enter")
        await settle(pilot)
        assert "4 more tries" in text_of(app, "#login-error")
        assert text_of(app, "#user-id") == CLERK
        await pilot.press(*PASSWORDS["TR-SDC"], "enter")
        await settle(pilot)
        assert isinstance(app.screen, TodoSearchScreen)
        assert app.who.user_id == CLERK


async def test_a_colleagues_password_does_not_open_the_account(engine):
    """The fixed user ID is the one checked, whatever the field might have been made to hold."""
    app = app_as(engine, None, login_as=CLERK2)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.screen.query_one("#user-id").value = "INR1-SDO"
        await pilot.press(*PASSWORDS["TR-SDO"], "enter")
        await settle(pilot)
        assert isinstance(app.screen, LoginScreen) and app.who is None
        assert "user ID or password is wrong" in text_of(app, "#login-error")


# --- the command ---------------------------------------------------------------------------------


def wss(*args, **kw):
    return subprocess.run([sys.executable, "-m", "wss_tui", *args], capture_output=True, text=True, timeout=60, **kw)


def test_without_a_terminal_it_refuses_in_one_line(demo_url):
    """scp, sftp and `ssh host cmd` land in the forced command without a terminal."""
    result = wss("--db", demo_url, "tui", "--ssh-user", stdin=subprocess.DEVNULL)
    assert result.returncode == 1
    assert result.stderr == "error: tui: needs a terminal; connect with `ssh -t` (scp, sftp and commands are not offered here)\n"


def test_a_missing_mapping_file_is_refused(demo_url, tmp_path):
    result = wss("--db", demo_url, "tui", "--ssh-users", str(tmp_path / "none.toml"), "--help")
    assert result.returncode == 0  # --help never reads it
    script = (
        "import os, pty, sys\n"
        "pid, fd = pty.fork()\n"
        "if pid == 0:\n"
        f"    os.execv(sys.executable, [sys.executable, '-m', 'wss_tui', '--db', {demo_url!r}, 'tui', '--ssh-user', '--ssh-users', {str(tmp_path / 'none.toml')!r}])\n"
        "out = b''\n"
        "while True:\n"
        "    try:\n"
        "        chunk = os.read(fd, 4096)\n"
        "    except OSError:\n"
        "        break\n"
        "    if not chunk:\n"
        "        break\n"
        "    out += chunk\n"
        "_, status = os.waitpid(pid, 0)\n"
        "print(os.waitstatus_to_exitcode(status)); print(out.decode())\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    code, _, shown = result.stdout.partition("\n")
    assert code == "1"
    assert f"error: ssh users: {tmp_path / 'none.toml'} does not exist" in shown
