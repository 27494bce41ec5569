"""The database (or the pooler in front of it) goes away and comes back during a session.

The clerk sees one line and tries again; what was typed in the open dialog is still there; the
session carries on when the database is back (no connection is kept between actions, so the next
action simply opens a new one). The outage is a private PgBouncer stopped and started: never the
machine's PostgreSQL, which other runs share.
"""

from __future__ import annotations

import subprocess
import sys

import pytest
from sqlalchemy import func, select, text

from wss_tui.store import db, todos
from wss_tui.store.errors import Unavailable
from wss_tui.store.models import BEING_WORKED_ON, ToDoLog
from wss_tui.store.todos import SearchFilter

from .e2e.pgbouncer import PgBouncer
from .e2e.sshd import free_port
from .e2e.tmux import WSS, Terminal, require_tmux_and_wss
from .test_tui_e2e import log_in, open_by_id
from .tui_helpers import CLERK, PASSWORDS


def _nobody_listening() -> str:
    return f"postgresql+psycopg://wss@127.0.0.1:{free_port()}/wss"


def test_a_refused_connection_is_one_line_saying_nothing_changed():
    engine = db.make_engine(_nobody_listening())
    with pytest.raises(Unavailable) as refused:
        with db.write(engine) as session:
            session.execute(text("SELECT 1"))
    line = str(refused.value)
    assert line.startswith("db: cannot reach the database (Connection refused); nothing was changed. Try again")
    assert "\n" not in line


def test_wss_with_the_database_down_is_one_error_line():
    result = subprocess.run([sys.executable, "-m", "wss_tui", "--db", _nobody_listening(), "staff", "list"],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 1 and result.stdout == ""
    assert result.stderr.startswith("error: db: cannot reach the database (Connection refused)")
    assert result.stderr.count("\n") == 1


def test_the_pooler_restarted_mid_dialog_keeps_what_was_typed_and_the_session(demo_url, engine, pg_run):
    if pg_run is None:
        pytest.skip("a database server to lose: PostgreSQL (WSS_TEST_DATABASE_URL)")
    require_tmux_and_wss()
    with db.read(engine) as session:
        mine = todos.search(session, CLERK, SearchFilter(status=BEING_WORKED_ON), limit=1).rows
    assert mine, "the demo has a To Do the clerk is working"
    todo_id = mine[0].todo_id
    note = "Meter photographed at site; reading 4512"
    bouncer = PgBouncer(demo_url, pg_run.schema)
    term = None
    try:
        bouncer.start()
        term = Terminal([str(WSS), "--db", bouncer.url, "tui"], env={}, width=80, height=24)
        log_in(term, CLERK, PASSWORDS["TR-SDC"])
        term.wait_for("To Do Search")
        open_by_id(term, todo_id)
        term.keys("u")
        term.wait_for("Add log entry")
        term.type(note)

        bouncer.stop()  # the database "restarts" while the clerk is typing
        term.keys("Enter")
        shown = term.wait_for("cannot reach the database")
        assert note in shown  # the dialog is open again, with what was typed
        assert "Traceback" not in shown

        bouncer.start()
        term.keys("Enter")  # the same key again: the retry
        term.wait_for("User Details  Meter photographed at")  # the log row (its column cuts the rest)
    finally:
        if term is not None:
            term.close()
        bouncer.close()
    with db.read(engine) as session:
        saved = session.scalar(select(func.count()).select_from(ToDoLog).where(
            ToDoLog.todo_id == todo_id, ToDoLog.details == note))
    assert saved == 1
