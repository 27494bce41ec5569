"""Oversight with teeth: a Director's review or an accountant's audit of an approved revision that is
still open past its due time is escalated by the sweep (`wss escalate`).

A review is due `review.due_days` after approval (bill_revision.review_due_at); an audit
`audit.due_days` after it. Once late, the review or audit To Do goes to the top of its holder's list
(`late.priority`) with an "Escalated" entry in its log, a line in the case log, and a To Do of type
`late.todo_type` for the next authority — the review's `review.next_role` at the discom, the audit's
`audit.escalate_to` at the division — naming the revision, so someone above sees it is late. The
"Escalated" entry is the mark that it was done: a second sweep finds nothing more to do.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import and_, exists, select
from sqlmodel import Session

from .. import money, offices, timefmt, work_todos
from ..models import APPROVED, COMPLETE, BillRevision, CaseLog, ToDo, ToDoLog
from .rules import REVIEW, rules

ESCALATED = "Overdue Escalated"  # not the case sweep's "Escalated", which it writes on every open To Do of a case
SWEEP_USER = None  # the sweep writes as nobody on the staff, as the case escalation does


def _late(todo_column, due_condition):
    r = BillRevision.__table__.c
    t, log = ToDo.__table__.c, ToDoLog.__table__.c
    return (
        select(BillRevision, todo_column.label("late_todo_id"))
        .where(
            r.status == APPROVED,
            todo_column.is_not(None),
            due_condition,
            exists().where(t.todo_id == todo_column, t.status != COMPLETE),
            ~exists().where(and_(log.todo_id == todo_column, log.log_type == ESCALATED)),
        )
        .order_by(r.revision_id)
    )


def escalate_late(session: Session, at: datetime) -> int:
    """Escalate every review and audit To Do past its due time at `at`; how many were escalated."""
    r, cfg = BillRevision.__table__.c, rules()
    audit_due = at - timedelta(days=cfg.audit_due_days)
    batches = (
        ("review", _late(r.review_todo_id, r.review_due_at < at)),
        ("audit", _late(r.audit_todo_id, r.decided_at < audit_due)),
    )
    done = 0
    for what, stmt in batches:
        for rev, todo_id in session.execute(stmt).all():
            _escalate(session, rev, todo_id, what, at)
            done += 1
    return done


def _escalate(session: Session, rev: BillRevision, todo_id: str, what: str, at: datetime) -> None:
    cfg = rules()
    home = offices.get(session, rev.office_code)
    if what == "review":
        due, role, level = rev.review_due_at, cfg.review_next_role, "discom"
    else:
        due, role, level = rev.decided_at + timedelta(days=cfg.audit_due_days), cfg.audit_escalate_to, "division"
    office = offices.ancestor_at(session, home, level)
    amount = money.rupees(rev.difference_paise)
    words = f"{what} of bill revision {rev.revision_id} ({amount}) overdue since {timefmt.show(due)}"
    new_todo = work_todos.create(
        session,
        todo_type=cfg.late_todo_type,
        role=role,
        office_code=office.code,
        message=f"Overdue {words} (A/c {rev.account_id}); To Do {todo_id}",
        priority=cfg.late_priority,
        case_id=rev.case_id,
        account_id=rev.account_id,
        chars=[("CASE", rev.case_id), ("ACCOUNT", rev.account_id), ("BILL", rev.bill_no),
               ("REVISION", str(rev.revision_id)), ("TODO", todo_id)],
        user_id=SWEEP_USER,
    )
    priority = session.scalar(select(ToDo.priority).where(ToDo.todo_id == todo_id))
    work_todos.note(session, todo_id, ESCALATED, f"The {words}: raised to priority {min(priority, cfg.late_priority)} "
                    f"and reported to {role} {office.code} (To Do {new_todo})", SWEEP_USER,
                    priority=min(priority, cfg.late_priority))
    session.add(CaseLog(case_id=rev.case_id, at=at, log_type="Oversight Escalated", user_id=None,
                        details=f"The {words}; reported to {role} {office.code}"))


__all__ = ["ESCALATED", "REVIEW", "escalate_late"]
