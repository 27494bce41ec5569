"""End to end: the installed `wss tui` in a real 80x24 terminal (tmux), driven by keys only.

A clerk logs in, narrows the search to a date range, opens a To Do, takes it, adds a log entry and
forwards it to the SDO; then the store is asked what happened. And a complaint resolved end to end:
the clerk proposes a bill revision, the SDO approves it, the consumer's OTP closes it.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from wss_tui.store import config, db, todos
from wss_tui.store.clock import IST
from wss_tui.store.models import OPEN, BillRevision, Case, CaseClosure, SmsOutbox
from wss_tui.store.todos import SearchFilter

from ._sms_capture import otp_sent
from ._revision_data import bill_of, demo_complaint
from .e2e.tmux import WSS, Terminal, require_tmux_and_wss
from .tui_helpers import CLERK, SDO


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
        log_in(term, CLERK, "clerk@123")
        term.wait_for("To Do Search")
        # Filters: "/" to the type; Tab to the user filter, which becomes "Role"; Tab to the user ID
        # (now the role); Tab to From and To.
        # Each key is one write, sent without waiting: the app's type-ahead lands each where it would
        # land typed slowly (tests/test_tui_typeahead_e2e.py types the same at a person's pace).
        term.keys("/", "Tab", "Enter", "Down", "Enter")
        term.wait_for("Role TR-SDC")
        term.keys("Tab", "Tab")
        term.type("01-11-2026")
        term.keys("Tab")
        term.type("30-11-2026")
        term.keys("Enter")
        term.wait_for(f"1–{expected.total} of {expected.total}")
        # A lone Escape is told from the start of an escape sequence by the quiet after it: wait until
        # the list has focus (its footer offers ⏎ Open) before the next key.
        term.keys("Escape")
        term.wait_for("⏎ Open")
        term.keys(*["Down"] * waiting[0], "Enter")
        todo_id = expected.rows[waiting[0]].todo_id
        term.wait_for(f"To Do ID      {todo_id}")
        term.wait_for("Status        Open")
        term.keys("t")
        term.wait_for("Being Worked On")
        term.keys("u")
        term.wait_for("Add log entry")
        term.type("Site visited; meter reads 4512")
        term.keys("Enter")
        term.wait_for("User Details  Site visited")  # the log row, not the dialog title "(User Details)"
        term.keys("f")
        term.wait_for("Forward To Do")
        term.type(SDO)
        term.keys("Tab")
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


def log_in(term: Terminal, user_id: str, password: str) -> None:
    term.wait_for("staff login")
    term.type(user_id)
    term.wait_for(user_id)
    at_user_id = term.cursor()
    term.keys("Enter")
    term.wait_for_cursor_to_leave(at_user_id)  # Enter took the cursor to the password field
    term.type(password)
    term.keys("Enter")


def open_by_id(term: Terminal, todo_id: str) -> None:
    term.keys("o")
    term.wait_for("Open a To Do")
    term.type(todo_id)
    term.keys("Enter")
    term.wait_for(f"To Do ID      {todo_id}")


def wss_tui(demo_url: str) -> Terminal:
    return Terminal([str(WSS), "--db", demo_url, "tui"], env={}, width=80, height=24)


def test_clerk_proposes_sdo_approves_and_the_consumers_otp_closes_it(demo_url, engine):
    """Three sittings at a real 80x24 terminal: the clerk proposes a revision, the SDO approves it,
    the clerk closes the complaint with the OTP the consumer reads out (here: read from the outbox)."""
    require_tmux_and_wss()
    c = demo_complaint(engine)
    reading = bill_of(engine, c.bill_no).curr_reading - 15

    term = wss_tui(demo_url)
    try:
        log_in(term, CLERK, "clerk@123")
        term.wait_for("To Do Search")
        open_by_id(term, c.todo_id)
        term.keys("v")
        term.wait_for("Bill Revision")
        term.wait_for("Enter what was wrong")
        term.type(f"{reading:.0f}")
        # The approver may wrap to the summary's second line at 80 columns, after "approval:".
        shown = term.wait_for("approval:")
        assert "TR-SDO" in shown.split("approval:", 1)[1]
        term.keys(*["Tab"] * 7)  # units, basis, load, category, arrear, digits, remark
        term.type("Meter photo shows 15 units less than billed")
        term.keys("Enter")
        term.wait_for("Propose bill revision")
        term.keys("y")
        term.wait_for("waits for TR-SDO ESD-INR-1")
        term.keys("C-q")
    finally:
        term.close()
    with db.read(engine) as s:
        rev = s.scalars(select(BillRevision).where(BillRevision.case_id == c.case_id)).one()
        approval_todo, revision_id = rev.approval_todo_id, rev.revision_id
        assert (rev.status, rev.maker_id, rev.approver_role) == ("PROPOSED", CLERK, "TR-SDO")

    term = wss_tui(demo_url)
    try:
        log_in(term, SDO, "sdo@123")
        term.wait_for("To Do Search")
        open_by_id(term, approval_todo)
        term.keys("v")
        term.wait_for(f"Revision {revision_id} PROPOSED")
        term.keys("a")
        term.wait_for("Approve bill revision")
        term.keys("y")
        term.wait_for(f"Revision {revision_id} approved: revised bill {c.bill_no}R1")
        term.keys("C-q")
    finally:
        term.close()

    term = wss_tui(demo_url)
    try:
        log_in(term, CLERK, "clerk@123")
        term.wait_for("To Do Search")
        open_by_id(term, c.todo_id)
        term.keys("c")
        term.wait_for(f"Close case {c.case_id}")
        term.type("Bill revised on the actual reading")
        term.keys("Enter")
        term.wait_for(f"OTP for case {c.case_id}")
        term.type("12345")  # one digit short: one line, nothing used up
        term.keys("Enter")
        term.wait_for("OTP: type the 6 digits")
        term.keys("C-u")
        term.type(otp_in_outbox(engine, c.case_id))
        term.keys("Enter")
        term.wait_for(f"Case {c.case_id} closed: Case Completed")
        term.keys("C-q")
    finally:
        term.close()

    with db.read(engine) as s:
        case = s.get(Case, c.case_id)
        assert (case.status, case.closed_at is not None) == ("Case Completed", True)
        assert s.get(BillRevision, revision_id).checker_id == SDO
        assert s.scalars(select(CaseClosure.method).where(CaseClosure.case_id == c.case_id)).one() == "OTP"
        texts = s.execute(select(SmsOutbox.template, SmsOutbox.text).where(SmsOutbox.case_id == c.case_id)
                          .order_by(SmsOutbox.id)).all()
    # The consumer hears of the approved revision (its new amount and due date) before the OTP.
    assert [t for t, _ in texts] == ["registered", "status_changed", "revision_approved", "otp", "status_changed"]
    # The demo consumer's language is Hindi: the statuses are named as data/hindi.toml has them.
    hindi = config.hindi_names()["status"]
    assert hindi["Bill Revision Required"] in texts[1].text and hindi["Case Completed"] in texts[3].text
    assert hindi["Case Completed"] in texts[4].text and all(c.case_id in text for _, text in texts)


def otp_in_outbox(engine, case_id: str) -> str:
    """The code as the consumer's phone shows it: the stored OTP is only a hash, the outbox masks it."""
    return otp_sent(engine, case_id)
