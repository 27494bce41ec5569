"""Sessions that end: a session left alone locks (the password again; what was typed is kept), F10 logs
out to the login screen, and both are in the staff log."""

from __future__ import annotations

import os
import subprocess
import sys
import time

from sqlalchemy import select

from wss_tui.screens.lock import LockScreen
from wss_tui.screens.login import LoginScreen
from wss_tui.screens.todo_search import TodoSearchScreen
from wss_tui.store import db, todos
from wss_tui.store.config import LOCK_AFTER_ENV
from wss_tui.store.models import BEING_WORKED_ON, StaffChange, ToDoLog
from wss_tui.store.todos import SearchFilter

from .e2e.tmux import WSS, Terminal, require_tmux_and_wss
from .test_tui_e2e import log_in as log_in_at_terminal
from .test_tui_e2e import open_by_id
from .test_tui_login import log_in
from .tui_helpers import CLERK, PASSWORDS, app_as, settle, text_of


def session_log(engine, user_id: str) -> list[str]:
    with db.read(engine) as s:
        return list(s.scalars(select(StaffChange.action).where(StaffChange.user_id == user_id).order_by(StaffChange.id)))


async def until(pilot, done, timeout: float = 10.0) -> None:
    """Wait on what the app shows, not a fixed time."""
    deadline = time.monotonic() + timeout
    while not done():
        assert time.monotonic() < deadline, "did not happen in time"
        await pilot.pause(0.05)


async def test_f10_logs_out_to_the_login_and_the_staff_log_says_so(engine, monkeypatch):
    monkeypatch.setenv(LOCK_AFTER_ENV, "0")
    app = app_as(engine, None)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await log_in(pilot, CLERK, PASSWORDS["TR-SDC"])
        assert isinstance(app.screen, TodoSearchScreen)
        await pilot.press("enter")  # a To Do open, then out
        await settle(pilot)
        await pilot.press("f10")
        await settle(pilot)
        assert isinstance(app.screen, LoginScreen) and app.who is None
        assert len(app.screen_stack) == 2  # nothing of the session is left beneath the login
        await log_in(pilot, CLERK, PASSWORDS["TR-SDC"])
        assert isinstance(app.screen, TodoSearchScreen)
    assert session_log(engine, CLERK) == ["logout"]


async def test_a_session_left_alone_locks_and_a_wrong_password_keeps_it_locked(engine, monkeypatch):
    monkeypatch.setenv(LOCK_AFTER_ENV, "0.02")  # 1.2 seconds
    app = app_as(engine)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await until(pilot, lambda: isinstance(app.screen, LockScreen))
        await pilot.press(*"not-my-password", "enter")
        await until(pilot, lambda: "wrong" in text_of(app, "#lock-error"))
        assert isinstance(app.screen, LockScreen)
        await pilot.press("escape", "ctrl+p", "f1")
        await settle(pilot)
        assert isinstance(app.screen, LockScreen)  # neither Escape, the palette nor the help uncovers it
        await pilot.press(*PASSWORDS["TR-SDC"], "enter")
        await until(pilot, lambda: isinstance(app.screen, TodoSearchScreen))
    assert session_log(engine, CLERK)[:2] == ["idle-lock", "resume"]


def test_a_bad_lock_time_is_one_error_line(demo_url):
    result = subprocess.run([sys.executable, "-m", "wss_tui", "--db", demo_url, "tui"], capture_output=True,
                            text=True, timeout=60, env={**os.environ, LOCK_AFTER_ENV: "soon"})
    assert result.returncode == 1
    assert result.stderr == f"error: {LOCK_AFTER_ENV}: give minutes from 0 (never lock) to 480, not 'soon'\n"


def test_an_idle_session_locks_in_a_real_terminal_and_keeps_the_open_dialog(demo_url, engine):
    require_tmux_and_wss()
    with db.read(engine) as session:
        todo_id = todos.search(session, CLERK, SearchFilter(status=BEING_WORKED_ON), limit=1).rows[0].todo_id
    note = "Reading taken at the meter: 4512"
    # 15 s: long enough for every step before it to land on a busy machine, short enough to wait for.
    term = Terminal([str(WSS), "--db", demo_url, "tui"], env={LOCK_AFTER_ENV: "0.25"}, width=80, height=24)
    try:
        log_in_at_terminal(term, CLERK, PASSWORDS["TR-SDC"])
        term.wait_for("To Do Search")
        open_by_id(term, todo_id)
        term.keys("u")
        term.wait_for("Add log entry")
        term.type(note)
        locked = term.wait_for("Session locked", timeout=60)
        assert note not in locked and todo_id not in locked  # what was on screen is covered
        term.type(PASSWORDS["TR-SDC"])
        term.keys("Enter")
        term.wait_for(note, timeout=30)  # the dialog again, with what was typed (argon2 first)
        term.keys("Enter")
        term.wait_for("User Details  Reading taken at")
    finally:
        term.close()
    with db.read(engine) as s:
        assert s.scalar(select(ToDoLog.details).where(ToDoLog.todo_id == todo_id, ToDoLog.details == note)) == note
    assert session_log(engine, CLERK)[:2] == ["idle-lock", "resume"]
