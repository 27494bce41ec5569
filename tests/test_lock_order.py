"""Clerks, approvers and the escalation sweep on the same cases at once: nobody dies of a deadlock.

The sweep locks a batch of cases, then their open To Dos, then the MIS's day rows; a clerk's action,
a closing or a decision touches one case, its To Dos and (closing) its day row. On PostgreSQL two units
that take the same rows in different orders deadlock and the server kills one; every unit here takes
them in one order (store/locking.py). Each process is a separate `wss` user as in test_concurrency.py.
"""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

from sqlalchemy import func, select, update

from wss_tui.store import clock, pending_days
from wss_tui.store.escalation.matrix import matrix
from wss_tui.store.models import APPROVED, COMPLETE, REJECTED, BillRevision, Case, CaseLog, ToDo

from . import _concurrency_workers as work
from . import _revision_data as data
from .test_concurrency import SPAWN, in_processes
from .test_mis_summary import summary_matches_cases

PER_KIND = 3  # complaints closed, decided and churned each
SWEEP_DAYS = (8, 15, 26)  # one moment past each level of data/escalation.toml


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
    finished = SPAWN.Value("i", 0)
    moments = [(clock.now() + timedelta(days=d)).isoformat() for d in SWEEP_DAYS]
    results = in_processes([
        (work.sweeps, demo_url, moments, finished),
        (work.sweeps, demo_url, moments, finished),
        (work.close_cases, demo_url, data.EE, closing),
        (work.decide, demo_url, data.SDO, approvals),
        (work.churn, demo_url, data.CLERK, churned, 2, finished),
        (work.intakes, demo_url, _free_bills(engine, 4)),
    ])
    values = [value for _, value in results]
    assert values[0] + values[1] > 0  # the sweeps escalated cases while the others worked
    assert len(values[2]) == PER_KIND and len(values[5]) == 4
    assert len(values[3]) == PER_KIND and set(values[3]) <= {APPROVED, REJECTED}
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
