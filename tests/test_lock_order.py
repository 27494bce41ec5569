"""Clerks, approvers and the escalation sweep on the same cases at once: nobody dies of a deadlock.

The sweep locks a batch of cases, then their open To Dos, then the MIS's day rows; a clerk's action,
a closing or a decision touches one case, its To Dos and (closing) its day row. On PostgreSQL two units
that take the same rows in different orders deadlock and the server kills one; every unit here takes
them in one order (store/locking.py). Each process is a separate `wss` user as in test_concurrency.py.
"""

from __future__ import annotations

import importlib
import threading
from collections import Counter
from datetime import timedelta

import pytest

from sqlalchemy import func, select, text, update
from sqlalchemy.exc import OperationalError

from wss_tui.store import clock, db, escalation, otp, pending_days, revision, todos
from wss_tui.store.escalation.matrix import matrix
from wss_tui.screens.base import describe_error
from wss_tui.services import todos as todo_service
from wss_tui.store.errors import Busy, Stale
from wss_tui.store.models import APPROVED, COMPLETE, REJECTED, BillRevision, Case, CaseLog, ToDo

from . import _concurrency_workers as work
from . import _revision_data as data
from .test_concurrency import SPAWN, in_processes
from .test_mis_summary import summary_matches_cases

PER_KIND = 3  # complaints closed, decided and churned each
SWEEP_DAYS = (26,)  # past level 3: every open To Do raised to priority 10, the approvals' 20 too


def _free_bills(engine, n: int) -> list[tuple[str, str]]:
    """(account, bill) of `n` accounts outside the test's sub-division, each bill with no open case."""
    with engine.connect() as conn:
        rows = conn.exec_driver_sql(
            """SELECT b.account_id, min(b.bill_no) FROM bill b JOIN account a ON a.account_id = b.account_id
               WHERE a.subdivision_code <> :sub AND a.status = 'ACTIVE'
                 AND NOT EXISTS (SELECT 1 FROM "case" c WHERE c.bill_no = b.bill_no AND c.closed_at IS NULL)
               GROUP BY b.account_id ORDER BY b.account_id""".replace(":sub", f"'{data.SUB}'")
        ).all()
    return [tuple(r) for r in rows[:n]]


def test_clerks_closings_decisions_and_intakes_during_sweeps_never_deadlock(engine, demo_url, queue_routing):
    # The demo's pending cases at the top level already: the sweeps work on the test's complaints alone.
    with engine.begin() as conn:
        conn.execute(update(Case).where(Case.closed_at.is_(None)).values(escalation_level=len(matrix().levels)))
        pending_days.rebuild(conn)
    closing = [data.forward_to(engine, data.complaint(engine), data.EE).todo_id for _ in range(PER_KIND)]
    approvals = []
    for _ in range(PER_KIND):
        c = data.complaint(engine)
        approvals.append(data.propose(engine, c, data.arrear_by(engine, c.bill_no, -50_00)).approval_todo_id)
    churned = [data.complaint(engine).todo_id for _ in range(PER_KIND)]
    finished, started, acting = SPAWN.Value("i", 0), SPAWN.Event(), SPAWN.Event()
    moments = [(clock.now() + timedelta(days=d)).isoformat() for d in SWEEP_DAYS]
    results = in_processes([
        # One host's sweep in one batch, a second host's in batches of 3.
        (work.sweeps, demo_url, moments, finished, started, acting, 100),
        (work.sweeps, demo_url, moments, finished, started, acting, 3),
        (work.close_cases, demo_url, data.EE, closing, started),
        (work.decide, demo_url, data.SDO, approvals[::2], started, acting),
        (work.decide, demo_url, data.SDO, approvals[1::2], started, acting),
        (work.churn, demo_url, data.CLERK, churned, 2, finished, started),
        (work.intakes, demo_url, _free_bills(engine, 3)),
    ])
    values = [value for _, value in results]
    assert values[0] + values[1] > 0  # the sweeps escalated cases while the others worked
    assert len(values[2]) == PER_KIND and len(values[6]) == 3
    decided = values[3] + values[4]
    assert len(decided) == PER_KIND and set(decided) <= {APPROVED, REJECTED}
    with engine.connect() as conn:
        assert set(conn.scalars(select(ToDo.status).where(ToDo.todo_id.in_(closing)))) == {COMPLETE}
        assert conn.scalar(select(func.count()).select_from(Case).where(
            Case.case_id.in_(values[2]), Case.closed_at.is_(None))) == 0
        assert set(conn.scalars(select(BillRevision.status).where(BillRevision.approval_todo_id.in_(approvals)))) <= {
            APPROVED, REJECTED}
        # Each level reached once per case: one escalation To Do and one "Escalated" case entry each.
        todos_per_case = Counter(conn.scalars(select(ToDo.case_id).where(ToDo.todo_type == "ESCLCASE")))
        logs_per_case = Counter(conn.scalars(select(CaseLog.case_id).where(CaseLog.log_type == "Escalated")))
        assert todos_per_case == logs_per_case
        levels = Counter(conn.execute(select(ToDo.case_id, func.substr(ToDo.message, 1, 12))
                                      .where(ToDo.todo_type == "ESCLCASE")).all())
        assert max(levels.values()) == 1
    summary_matches_cases(engine)


# --- one unit against one sweep batch, at the worst moment --------------------------------------------


def _close(engine, c):
    c = data.forward_to(engine, c, data.EE)
    return lambda s: otp.close_without_otp(s, data.EE, c.todo_id, data.version(engine, data.EE, c.todo_id),
                                           "Reject the Case", "Bill found correct on site", "Consumer's phone is out of service")


def _decision(approving: bool):
    def prepared(engine, c):
        todo_id = data.propose(engine, c, data.arrear_by(engine, c.bill_no, -50_00)).approval_todo_id
        version = data.version(engine, data.SDO, todo_id)
        if approving:
            return lambda s: revision.approve(s, data.SDO, todo_id, version)
        return lambda s: revision.reject(s, data.SDO, todo_id, version, "The arrear was adjusted last month")
    return prepared


def _propose(engine, c):
    correction = data.arrear_by(engine, c.bill_no, -50_00)
    return lambda s: revision.propose(s, data.CLERK, c.todo_id, c.version, correction)


def _note(engine, c):
    return lambda s: todos.add_log(s, data.CLERK, c.todo_id, c.version, "Meter photo asked for")


sweep_module = importlib.import_module("wss_tui.store.escalation.sweep")  # the package names its function `sweep`

UNITS = {"close": _close, "approve": _decision(True), "reject": _decision(False), "propose": _propose, "note": _note}


@pytest.mark.parametrize("unit", sorted(UNITS))
def test_a_unit_on_a_case_the_sweep_has_locked_waits_and_both_finish(engine, queue_routing, monkeypatch, unit):
    """The sweep has locked the case and is deciding its escalation when an officer acts on the case;
    the sweep then raises the case's To Dos. The officer's unit waits for the sweep, then goes on (or
    is told the To Do changed meanwhile): never a deadlock (before the lock order, approve and reject
    deadlocked every time on PostgreSQL)."""
    c = data.complaint(engine)
    act = UNITS[unit](engine, c)
    locked, go = threading.Event(), threading.Event()
    real_decide = sweep_module._decide

    def decide_slowly(*args):
        locked.set()  # the batch's cases are locked (PostgreSQL) or the write lock held (SQLite)
        assert go.wait(30)
        return real_decide(*args)

    monkeypatch.setattr(sweep_module, "_decide", decide_slowly)
    pids, failed = [], []

    def sweeping():
        try:
            with db.write(engine) as s:
                escalation.escalate(s, clock.now() + timedelta(days=40), [c.case_id])
        except Exception as exc:  # noqa: BLE001 — reported below
            failed.append(f"sweep: {exc!r}")
        finally:
            go.set()

    def officer():
        try:
            with db.write(engine) as s:
                if s.connection().dialect.name == "postgresql":
                    pids.append(s.connection().exec_driver_sql("SELECT pg_backend_pid()").scalar())
                act(s)
        except Stale:
            pass  # the sweep raised the To Do meanwhile: the officer is told, and looks again
        except Exception as exc:  # noqa: BLE001
            failed.append(f"{unit}: {exc!r}")
        finally:
            pids.append(None)

    sweeper = threading.Thread(target=sweeping)
    sweeper.start()
    assert locked.wait(30)
    worker = threading.Thread(target=officer)
    worker.start()
    # The officer's unit runs until it waits for a row the sweep holds (PostgreSQL), then the sweep goes on.
    if engine.dialect.name == "postgresql":
        with engine.connect() as watch:
            while worker.is_alive() and not go.is_set():
                pid = next((p for p in pids if p is not None), None)
                waiting = pid is not None and watch.execute(
                    text("SELECT wait_event_type = 'Lock' FROM pg_stat_activity WHERE pid = :pid"), {"pid": pid}).scalar()
                if waiting:
                    break
                watch.rollback()
                worker.join(0.02)
    go.set()
    sweeper.join(60)
    worker.join(60)
    assert not failed, failed
    with engine.connect() as conn:
        assert conn.scalar(select(Case.escalation_level).where(Case.case_id == c.case_id)) == len(matrix().levels)
    summary_matches_cases(engine)


# --- what a user sees when the database gives up on a unit anyway ---------------------------------------


def _deadlock() -> OperationalError:
    import psycopg.errors

    return OperationalError("UPDATE todo SET …", {}, psycopg.errors.DeadlockDetected("deadlock detected"))


def test_a_to_do_action_the_database_gave_up_on_is_tried_once_more_and_done_once(engine, monkeypatch):
    c = data.demo_complaint(engine)
    real, calls = todos.add_log, []

    def add_log_losing_the_first_race(session, *args):
        calls.append(args)
        if len(calls) == 1:
            session.connection()  # the unit has begun, as when a statement of its own is the one killed
            raise _deadlock()
        return real(session, *args)

    monkeypatch.setattr(todos, "add_log", add_log_losing_the_first_race)
    acted = todo_service.add_log(engine, data.CLERK, c.todo_id, c.version, "Meter photo asked for")
    assert len(calls) == 2 and not acted.stale
    assert [e.details for e in acted.detail.log].count("Meter photo asked for") == 1


def test_a_unit_the_database_gives_up_on_twice_says_in_one_line_to_try_again(engine, monkeypatch):
    c = data.demo_complaint(engine)

    def always_losing(session, *args):
        session.connection()
        raise _deadlock()

    monkeypatch.setattr(todos, "add_log", always_losing)
    with pytest.raises(Busy) as raised:
        todo_service.add_log(engine, data.CLERK, c.todo_id, c.version, "Meter photo asked for")
    line = str(raised.value)
    assert "\n" not in line and "deadlock" not in line.lower()
    assert "nothing was changed" in line and "Try again" in line
    assert describe_error(raised.value) == line  # what a screen shows
    assert str(db.explain(_deadlock())) == line  # what `wss` prints
    assert data.version(engine, data.CLERK, c.todo_id) == c.version
