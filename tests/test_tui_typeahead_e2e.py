"""Type-ahead in a real 80x24 terminal: the installed `wss tui` in tmux, each burst sent in ONE write
(`send-keys -l` with the whole string, Tab and Enter as the characters \\t and \\r), and the same keys at
a person's pace, one key per write. Every check waits on what the screen shows."""

from __future__ import annotations

import time
from datetime import datetime

from sqlalchemy import delete

from wss_tui.store import db, todos
from wss_tui.store.clock import IST
from wss_tui.store.models import BEING_WORKED_ON, UserFilter
from wss_tui.store.todos import SearchFilter

from .e2e.tmux import POLL, WSS, Terminal, require_tmux_and_wss
from .tui_helpers import CLERK, PASSWORDS

PASSWORD = PASSWORDS["TR-SDC"]
KEY_NAMES = {"\t": "Tab", "\r": "Enter"}


def wss_tui(demo_url: str) -> Terminal:
    return Terminal([str(WSS), "--db", demo_url, "tui"], env={}, width=80, height=24)


PACE = 0.05  # seconds between two keys of a quick typist: the rhythm of the typing, not a wait for the app


def at_a_persons_pace(term: Terminal, text: str) -> None:
    """One key per write, at a quick typist's pace; what they did is then waited for on the screen."""
    for char in text:
        if char in KEY_NAMES:
            term.keys(KEY_NAMES[char])
        else:
            term.type(char)
        time.sleep(PACE)


def wait_never_showing(term: Terminal, wanted: str, never: str, timeout: float = 20.0) -> str:
    """Poll the screen until `wanted` shows; fail at once if `never` ever shows on the way."""
    deadline = time.monotonic() + timeout
    while True:
        shown = term.screen()
        assert never not in shown, f"{never!r} is readable on the screen:\n{shown}"
        if wanted in shown:
            return shown
        if time.monotonic() > deadline:
            raise AssertionError(f"{wanted!r} did not appear within {timeout}s; the screen shows:\n{shown}")
        time.sleep(POLL)


def one_of_mine(engine) -> str:
    with db.read(engine) as session:
        return todos.search(session, CLERK, SearchFilter(status=BEING_WORKED_ON)).rows[0].todo_id


def test_a_burst_login_lands_on_the_search_and_never_shows_the_password(demo_url):
    require_tmux_and_wss()
    term = wss_tui(demo_url)
    try:
        term.wait_for("staff login")
        term.burst(f"{CLERK}\t{PASSWORD}\r")
        shown = wait_never_showing(term, "To Do Search", never=PASSWORD)
        assert CLERK in shown
    finally:
        term.close()


def test_the_same_login_at_a_persons_pace(demo_url):
    require_tmux_and_wss()
    term = wss_tui(demo_url)
    try:
        term.wait_for("staff login")
        at_a_persons_pace(term, f"{CLERK}\t{PASSWORD}\r")
        wait_never_showing(term, "To Do Search", never=PASSWORD)
    finally:
        term.close()


def test_o_id_then_u_note_enter_in_one_write_adds_the_log_entry(demo_url, engine):
    require_tmux_and_wss()
    todo_id = one_of_mine(engine)
    note = "Site visited; meter reads 4512"
    term = wss_tui(demo_url)
    try:
        term.wait_for("staff login")
        term.burst(f"{CLERK}\t{PASSWORD}\r")
        term.wait_for("To Do Search")
        term.burst(f"o{todo_id}\r")
        term.wait_for(f"To Do ID      {todo_id}")
        term.burst(f"u{note}\r")
        term.wait_for(f"User Details  {note[:20]}")
    finally:
        term.close()
    with db.read(engine) as session:
        log = todos.get(session, CLERK, todo_id).log
    assert (log[-1].log_type, log[-1].details, log[-1].user_id) == ("User Details", note, CLERK)


def test_slash_and_a_filter_in_one_write_filter_as_typed_slowly(demo_url, engine):
    """"/" to the filters, Tab over type, user filter, user ID and From to To, a date, Enter: one write
    filters as the same keys do one at a time, to the store's count."""
    require_tmux_and_wss()
    with db.read(engine) as session:
        mine = todos.search(session, CLERK, SearchFilter()).total
        by_end = todos.search(session, CLERK, SearchFilter(end=datetime(2026, 11, 15, 23, 59, 59, tzinfo=IST))).total
    assert by_end != mine, "the demo has open To Dos of the clerk on both sides of 15-11-2026"
    keys = "/\t\t\t\t15-11-2026\r"
    for send in (at_a_persons_pace, Terminal.burst):
        with db.write(engine) as session:  # each run starts from the first screen, not the filter remembered
            session.execute(delete(UserFilter).where(UserFilter.user_id == CLERK))
        term = wss_tui(demo_url)
        try:
            term.wait_for("staff login")
            term.burst(f"{CLERK}\t{PASSWORD}\r")
            term.wait_for(count(mine))
            send(term, keys)
            shown = term.wait_for(count(by_end))
            assert "15-11-2026" in shown
        finally:
            term.close()


def count(total: int) -> str:
    return f"of {total:,}" if total else "0 of 0"


def test_a_login_typed_before_the_app_starts_still_logs_in(demo_url):
    """Typed while the shell is still starting `wss tui` (an SSH login, then the user ID and password at
    once): the terminal is still in line mode and turns Enter into a newline, which the app takes as Enter."""
    require_tmux_and_wss()
    start_late = f"sleep 1; exec {WSS} --db {demo_url} tui"
    term = Terminal(["sh", "-c", start_late], env={}, width=80, height=24)
    try:
        term.burst(f"{CLERK}\t{PASSWORD}\r")  # before `wss` runs: the shell is asleep
        shown = term.wait_for("To Do Search", timeout=30)
        assert CLERK in shown
    finally:
        term.close()
