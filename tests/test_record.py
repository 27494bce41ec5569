"""A complete record: every OTP typed in is logged (never its digits), `wss request history` tells a
complaint's whole life with who and when, and the case and To Do logs cannot be changed or erased."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from wss_tui.store import db, history
from wss_tui.store.models import CaseLog

from ._revision_data import CLERK, SDO, approve, one, propose
from .test_otp import close, code_sent, revised, send, wrong

pytestmark = pytest.mark.usefixtures("queue_routing")


def otp_lines(engine, case_id: str) -> list[tuple[str, str]]:
    with db.read(engine) as s:
        rows = s.execute(select(CaseLog.user_id, CaseLog.details).where(
            CaseLog.case_id == case_id, CaseLog.log_type == "OTP Entered").order_by(CaseLog.id)).all()
    return [(r.user_id, r.details) for r in rows]


def test_every_otp_typed_in_is_logged_with_who_and_what_came_of_it_never_the_code(engine, fixed_clock):
    from datetime import timedelta

    from wss_tui.store import clock

    c = revised(engine)
    send(engine, c)
    code = code_sent(engine, c.case_id)
    # max_tries = 3 (revision.toml): two wrong entries leave 2 and then 1 try; the third spends it.
    for _ in range(3):
        with pytest.raises(Exception):
            close(engine, c, wrong(code))
    with pytest.raises(Exception, match="no OTP is waiting"):  # spent: the right code is now refused too
        close(engine, c, code)
    send(engine, c)  # a new OTP, valid 15 minutes; typed at minute 15 it has expired
    late = code_sent(engine, c.case_id)
    clock.freeze(fixed_clock + timedelta(minutes=15))
    with pytest.raises(Exception, match="expired at"):
        close(engine, c, late)
    send(engine, c)
    close(engine, c, code_sent(engine, c.case_id))
    lines = otp_lines(engine, c.case_id)
    assert [who for who, _ in lines] == [CLERK] * 6
    outcomes = [d.removeprefix(f"OTP typed by {CLERK}: ") for _, d in lines]
    assert outcomes[0].startswith("wrong OTP; 2 more tries") and outcomes[1].startswith("wrong OTP; 1 more try")
    assert outcomes[2].startswith("wrong OTP 3 times; it no longer works")
    assert outcomes[3].startswith("none was waiting")
    assert "expired at" in outcomes[4]
    assert outcomes[5] == "right; the case closes as Case Completed"
    assert all(code not in d and late not in d for _, d in lines)


def test_history_tells_the_whole_life_of_a_complaint_with_who_and_when(engine):
    c = revised(engine)  # the clerk proposed, the SDO approved
    send(engine, c)
    code = code_sent(engine, c.case_id)
    with pytest.raises(Exception):
        close(engine, c, wrong(code))
    close(engine, c, code)
    with db.read(engine) as s:
        h = history.of_case(s, c.case_id)
    kinds = [(e.source, e.kind, e.who) for e in h.events]
    assert ("case", "Created", None) in kinds  # the consumer registered it online: nobody on the staff
    assert ("revision", "Revision Proposed", CLERK) in kinds and ("revision", "Revision Approved", SDO) in kinds
    assert ("todo", "BRAPPROV Completed", SDO) in kinds
    assert ("case", "OTP Entered", CLERK) in kinds
    assert ("closure", "Closed", CLERK) in kinds
    sms = [e for e in h.events if e.source == "sms"]
    assert {e.details.split(" ")[0] for e in sms} >= {"registered", "otp", "status_changed"}
    assert all(code not in e.details for e in h.events)
    assert [e.at for e in h.events] == sorted(e.at for e in h.events)
    assert h.events[0].kind == "Created" and h.events[-1].source in ("sms", "closure", "case", "todo")


def test_wss_request_history_prints_it_and_as_json(engine, demo_url):
    c = revised(engine)
    run = lambda *a: subprocess.run([sys.executable, "-m", "wss_tui", "--db", demo_url, "request", "history", *a],
                                    capture_output=True, text=True, timeout=60)
    shown = run(c.case_id)
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.startswith(f"Request {c.case_id}  A/c {c.account_id}")
    assert any("Revision Approved" in line and SDO in line for line in shown.stdout.splitlines())
    as_json = json.loads(run(c.case_id, "--json").stdout)
    assert as_json["request_id"] == c.case_id
    assert {"at", "source", "kind", "who", "details", "ref"} == set(as_json["events"][0])
    bad = run("12345")
    assert (bad.returncode, bad.stdout) == (1, "")
    assert bad.stderr.startswith("error: request: '12345' is not a request ID") and bad.stderr.count("\n") == 1


@pytest.mark.parametrize("table", ["case_log", "todo_log"])
@pytest.mark.parametrize("statement", ["UPDATE {t} SET details = 'rewritten' WHERE id = :i", "DELETE FROM {t} WHERE id = :i"])
def test_the_logs_refuse_update_and_delete_in_the_database(engine, table, statement):
    row_id, details = one(engine, f"SELECT id, details FROM {table} ORDER BY id LIMIT 1")
    with pytest.raises(DBAPIError, match="append-only"):
        with engine.begin() as conn:
            conn.execute(text(statement.format(t=table)), {"i": row_id})
    assert one(engine, f"SELECT details FROM {table} WHERE id = :i", i=row_id)[0] == details
    with engine.begin() as conn:  # adding rows is what logs are for
        conn.execute(text(f"INSERT INTO {table} ({'case_id' if table == 'case_log' else 'todo_id'}, at, log_type, details) "
                          f"SELECT {'case_id' if table == 'case_log' else 'todo_id'}, at, log_type, 'added' FROM {table} "
                          "WHERE id = :i"), {"i": row_id})
