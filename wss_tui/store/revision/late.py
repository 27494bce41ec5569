"""Oversight with teeth: a Director's review or an accountant's audit of an approved revision that is
still open past its due time is escalated by the sweep (`wss escalate`).

A review is due `review.due_days` after approval (bill_revision.review_due_at); an audit
`audit.due_days` after it. Once late, the review or audit To Do goes to the top of its holder's list
(`late.priority`) with an "Escalated" entry in its log, a line in the case log, and a To Do of type
`late.todo_type` for the next authority — for a review, the next role of `late.review_chain` senior to
the review's holder, at the discom; for an audit, `audit.escalate_to` at the division — naming the
revision, so someone above sees it is late. A review held at the chain's end (the Managing Director
reviewing a Director's own approval) has nobody above: it is raised and logged, never sent to the
holder's own role again. The "Escalated" entry is the mark that it was done: a second sweep finds
nothing more to do.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, exists, select
from sqlmodel import Session

from .. import config, locking, money, offices, timefmt, work_todos
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


@dataclass(frozen=True)
class LateReport:
    reviews: int = 0  # late reviews escalated (those at the chain's end included)
    audits: int = 0  # late audits escalated
    reviews_at_top: int = 0  # of `reviews`, held at the review chain's end: raised, reported to nobody

    @property
    def total(self) -> int:
        return self.reviews + self.audits


def escalate_late(session: Session, at: datetime) -> LateReport:
    """Escalate every review and audit To Do past its due time at `at`; how many of each."""
    r, cfg = BillRevision.__table__.c, rules()
    audit_due = at - timedelta(days=cfg.audit_due_days)
    batches = (
        ("review", _late(r.review_todo_id, r.review_due_at < at)),
        ("audit", _late(r.audit_todo_id, r.decided_at < audit_due)),
    )
    done = {"review": 0, "audit": 0, "top": 0}
    late = [(what, rev, todo_id) for what, stmt in batches for rev, todo_id in session.execute(stmt).all()]
    # Locked in To Do ID order before the first is written (store/locking.py): an officer reassigning
    # a marked set of them locks them in that order too.
    locking.todos(session.connection(), [todo_id for _, _, todo_id in late])
    for what, rev, todo_id in late:
        reported = _escalate(session, rev, todo_id, what, at)
        done[what] += 1
        done["top"] += not reported
    return LateReport(reviews=done["review"], audits=done["audit"], reviews_at_top=done["top"])


def next_authority(holder_role: str) -> str | None:
    """Whom a late review held by `holder_role` is reported to: the first role of [late] review_chain
    senior to the holder; None at the chain's end (nobody above, and never the holder's own role)."""
    chain = rules().late_review_chain
    rank = config.rank(holder_role)
    rank = -1 if rank is None else rank
    return next((role for role in chain if (config.rank(role) or -1) > rank), None)


def _escalate(session: Session, rev: BillRevision, todo_id: str, what: str, at: datetime) -> bool:
    """The late review or audit raised and logged, and reported to the next authority; False when it
    is a review already at the chain's end (nobody above to report to)."""
    cfg = rules()
    home = offices.get(session, rev.office_code)
    holder, priority = session.execute(select(ToDo.role, ToDo.priority).where(ToDo.todo_id == todo_id)).one()
    if what == "review":
        due, role, level = rev.review_due_at, next_authority(holder), "discom"
    else:
        due, role, level = rev.decided_at + timedelta(days=cfg.audit_due_days), cfg.audit_escalate_to, "division"
    amount = money.rupees(rev.difference_paise)
    words = f"{what} of bill revision {rev.revision_id} ({amount}) overdue since {timefmt.show(due)}"
    raised = min(priority, cfg.late_priority)
    if role is None:
        work_todos.note(session, todo_id, ESCALATED, f"The {words}: raised to priority {raised}; {holder} is the end of "
                        "the review chain (revision.toml [late] review_chain), so it is reported to nobody above",
                        SWEEP_USER, priority=raised)
        session.add(CaseLog(case_id=rev.case_id, at=at, log_type="Oversight Escalated", user_id=None,
                            details=f"The {words}; {holder} is the last authority, nobody above to report to"))
        return False
    office = offices.ancestor_at(session, home, level)
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
    work_todos.note(session, todo_id, ESCALATED, f"The {words}: raised to priority {raised} "
                    f"and reported to {role} {office.code} (To Do {new_todo})", SWEEP_USER, priority=raised)
    session.add(CaseLog(case_id=rev.case_id, at=at, log_type="Oversight Escalated", user_id=None,
                        details=f"The {words}; reported to {role} {office.code}"))
    return True


__all__ = ["ESCALATED", "REVIEW", "LateReport", "escalate_late", "next_authority"]
