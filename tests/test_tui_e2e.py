"""End to end: the installed `wss tui` in a real 80x24 terminal (tmux), driven by keys only.

A clerk logs in, narrows the search to a date range, opens a To Do, takes it, adds a log entry and
forwards it to the SDO; then the store is asked what happened.
"""

from __future__ import annotations

import time
from datetime import datetime

from wss_tui.store import db, todos
from wss_tui.store.clock import IST
from wss_tui.store.models import OPEN
from wss_tui.store.todos import SearchFilter

from .e2e.tmux import WSS, Terminal, require_tmux_and_wss
from .tui_helpers import CLERK, SDO


def at_a_persons_pace(term: Terminal, *keys: str) -> None:
    """Keys that move focus, each given time to land: text typed at once after a Tab can otherwise
    reach the field being left."""
    for key in keys:
        term.keys(key)
        time.sleep(0.4)


def test_a_clerks_morning_in_a_real_terminal(demo_url, engine):
    require_tmux_and_wss()
    november = SearchFilter(user_filter="role", status="open", start=datetime(2026, 11, 1, tzinfo=IST),
                            end=datetime(2026, 11, 30, 23, 59, 59, tzinfo=IST))
    with db.read(engine) as session:
        expected = todos.search(session, CLERK, november)
    waiting = [n for n, row in enumerate(expected.rows) if row.status == OPEN]
    assert waiting, "the demo has an Open clerk To Do in November"
    term = Terminal([str(WSS), "--db", demo_url, "tui"], env={}, width=80, height=24)
    try:
        term.wait_for("staff login")
        term.type(CLERK)
        at_a_persons_pace(term, "Enter")
        term.type("clerk@123")
        term.keys("Enter")
        term.wait_for("To Do Search")
        # Filters: "/" to the type; Tab to the user filter, which becomes "Role"; Tab to the user ID
        # (now the role); Tab to From and To.
        at_a_persons_pace(term, "/", "Tab", "Enter", "Down", "Enter")
        term.wait_for("Role TR-SDC")
        at_a_persons_pace(term, "Tab", "Tab")
        term.type("01-11-2026")
        at_a_persons_pace(term, "Tab")
        term.type("30-11-2026")
        term.keys("Enter")
        term.wait_for(f"1–{expected.total} of {expected.total}")
        # A lone Escape is told from the start of an escape sequence by the pause after it.
        at_a_persons_pace(term, "Escape", *["Down"] * waiting[0], "Enter")
        todo_id = expected.rows[waiting[0]].todo_id
        term.wait_for(f"To Do ID      {todo_id}")
        term.wait_for("Status        Open")
        term.keys("t")
        term.wait_for("Being Worked On")
        term.keys("u")
        term.wait_for("Add log entry")
        term.type("Site visited; meter reads 4512")
        term.keys("Enter")
        term.wait_for("User Details")
        term.keys("f")
        term.wait_for("Forward To Do")
        term.type(SDO)
        at_a_persons_pace(term, "Tab")
        term.type("Reading confirmed on site; please approve")
        term.keys("Enter")
        term.wait_for(f"({SDO})")
    finally:
        term.close()
    with db.read(engine) as session:
        detail = todos.get(session, SDO, todo_id)
    assert detail.assigned_to == SDO and detail.sent_by == CLERK
    assert [e.log_type for e in detail.log][-3:] == ["Assigned", "User Details", "Forwarded"]
    assert detail.log[-2].details == "Site visited; meter reads 4512"
    assert detail.log[-2].user_id == CLERK
