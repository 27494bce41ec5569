"""Closing a case: the rules every closure shares, the one write that closes it, and what a To Do
screen needs to know to offer it.

A consumer's complaint closes with the OTP sent to their registered mobile (store/otp.py) or, by an
Executive Engineer only, without it for a recorded reason; an officer's own revision case has no
consumer to confirm and closes on the officer's word. Every closure is a `case_closure` row saying
which, so closures without the consumer's confirmation can be counted.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlmodel import Session

from .. import cases, clock, config, locking, offices, pending_days, timefmt, todos
from .. import text as text_rule
from ..codes import CLOSED_CASE_STATUSES, BillState, ClosureMethod
from ..errors import Denied, Invalid, Stale
from ..ids import mask_mobile
from ..intake import DISPUTED, contact_kind
from ..models import (
    APPROVED,
    PROPOSED,
    Account,
    Bill,
    BillRevision,
    Case,
    CaseClosure,
    CaseLog,
    CustomerContact,
    Staff,
)
from .rules import rules
from .sheet import REVISION_TODO_TYPES, case_of, latest_of_case

OUTCOMES = CLOSED_CASE_STATUSES
BY_OTP, WITHOUT_OTP, BY_OFFICER = ClosureMethod.OTP, ClosureMethod.NO_OTP, ClosureMethod.OFFICER
CASE, APPROVAL, OVERSIGHT, OTHER = "case", "approval", "oversight", "other"
MAX_COMMENT = 1000


@dataclass(frozen=True)
class CaseWork:
    """What a To Do's screen may offer beyond the To Do actions: revise, decide, close the case."""

    todo_id: str
    kind: str  # case (the case's own work) | approval | oversight | other
    case_id: str | None
    case_status: str | None
    case_open: bool
    channel: str | None
    has_bill: bool
    revision_id: int | None
    revision_status: str | None
    needs_otp: bool  # closing it needs the consumer's OTP
    may_skip_otp: bool  # the user is the one role that may close it without
    mobile: str | None  # masked: where the OTP goes
    closed_without_otp: int | None = None  # for the one who may: their offices' count, last 30 days

    @property
    def can_revise(self) -> bool:
        """Something to show on the revision screen: a bill to revise, or a revision to decide or see."""
        if self.kind in (APPROVAL, OVERSIGHT):
            return self.revision_id is not None
        return self.kind == CASE and self.has_bill

    @property
    def closes_case(self) -> bool:
        return self.kind == CASE and self.case_open


@dataclass(frozen=True)
class Closed:
    case_id: str
    status: str
    method: str
    closed_at: datetime


def todo_work(session: Session, actor_id: str, todo_id: str) -> CaseWork:
    detail = todos.get(session, actor_id, todo_id)
    actor = session.get(Staff, actor_id)
    case = case_of(session, detail)
    revision_value = dict(detail.characteristics).get("REVISION")
    if detail.todo_type in REVISION_TODO_TYPES:
        kind = APPROVAL if detail.todo_type == REVISION_TODO_TYPES[0] else OVERSIGHT
        revision_id = int(revision_value) if revision_value and revision_value.isdigit() else None
        rev = session.get(BillRevision, revision_id) if revision_id else None
    else:
        kind = CASE if case is not None else OTHER
        rev = latest_of_case(session, case.case_id) if case is not None else None
    account = session.get(Account, case.account_id) if case is not None else None
    consumer = case is not None and case.channel != cases.OFFICER_CHANNEL
    may_skip = consumer and actor is not None and actor.role == rules().otp.override_role
    return CaseWork(
        todo_id=detail.todo_id,
        kind=kind,
        case_id=case.case_id if case else None,
        case_status=case.status if case else None,
        case_open=case is not None and case.closed_at is None,
        channel=case.channel if case else None,
        has_bill=case is not None and case.bill_no is not None,
        revision_id=rev.revision_id if rev else None,
        revision_status=rev.status if rev else None,
        needs_otp=consumer,
        may_skip_otp=may_skip,
        mobile=(mask_mobile(account.mobile) or None) if account else None,
        closed_without_otp=closures_without_otp(session, actor_id, since=clock.now() - timedelta(days=30))
        if may_skip else None,
    )


def complete_todo(session: Session, actor_id: str, todo_id: str, version: int, comment: str) -> todos.TodoDetail:
    """The plain Complete. Refused where completing means more: a To Do carrying an open case is done by
    closing the case (with the consumer's OTP for a complaint), and an approval by approving or rejecting
    the revision — so no complaint is marked done with nothing recorded for the consumer."""
    work = todo_work(session, actor_id, todo_id)
    if work.closes_case:
        raise Invalid("To Do", f"To Do {todo_id} carries open case {work.case_id}; close the case with c "
                               "(the consumer's OTP confirms a complaint)")
    if work.kind == APPROVAL and work.revision_status == PROPOSED:
        raise Invalid("To Do", f"approve or reject revision {work.revision_id} with v; that completes To Do {todo_id}")
    return todos.complete(session, actor_id, todo_id, version, comment)


def check_comment(comment: str | None) -> str:
    return text_rule.typed("comment", comment, minimum=1, maximum=MAX_COMMENT,
                           too_short="say what was done for the consumer; it cannot be empty")


def check_outcome(outcome: str) -> str:
    if outcome not in OUTCOMES:
        raise Invalid("outcome", f"close the case as '{OUTCOMES[0]}' or '{OUTCOMES[1]}'")
    return outcome


def held_case(session: Session, actor_id: str, todo_id: str, version: int, *,
              lock: bool = True) -> tuple[Staff, todos.TodoDetail, Case]:
    """The open case of a To Do the actor is working, at the version they saw; the case locked
    (`lock`, for a unit that goes on to write: store/locking.py) before it is read."""
    detail = todos.get(session, actor_id, todo_id)
    if detail.version != version:
        raise Stale("", f"To Do {detail.todo_id} was changed since you opened it; reloaded — look again and retry")
    if detail.todo_type in REVISION_TODO_TYPES:
        raise Invalid("To Do", f"To Do {detail.todo_id} is about a revision; close the case from its own To Do")
    if lock:
        locking.cases(session.connection(), [dict(detail.keys).get("Case ID")])
    case = case_of(session, detail)
    if case is None:
        raise Invalid("To Do", f"To Do {detail.todo_id} has no case to close; complete the To Do instead")
    if case.closed_at is not None:
        raise Invalid("case", f"case {case.case_id} was closed on {timefmt.show(case.closed_at)} ({case.status})")
    refusal = todos.holder_refusal(detail, actor_id, "closes the case")
    if refusal is not None:
        raise refusal
    return session.get(Staff, actor_id), detail, case


def check_closable(session: Session, case: Case, outcome: str) -> None:
    """No revision waiting; and a bill complaint is Completed only by an approved revision."""
    rev = latest_of_case(session, case.case_id)
    if rev is not None and rev.status == PROPOSED:
        raise Invalid(
            "revision",
            f"revision {rev.revision_id} waits for approval by {rev.approver_role} {rev.approver_office}; "
            "close the case after the decision",
        )
    if outcome == cases.CASE_COMPLETED and case.bill_no is not None and not (rev is not None and rev.status == APPROVED):
        raise Invalid(
            "outcome",
            f"no revision of bill {case.bill_no} has been approved; propose one (v), or close as "
            f"'{cases.CASE_REJECTED}' if the bill was right",
        )


def close(session: Session, *, actor: Staff, detail: todos.TodoDetail, case: Case, outcome: str, comment: str,
          method: str, otp_id: int | None = None, reason: str = "") -> Closed:
    """Close the case in the caller's unit of work: status and SMS, closure record, To Do completed,
    customer contact; the disputed bill of a rejected complaint stands again as issued."""
    now = clock.now()
    cases.change_status(session, case, outcome, user_id=actor.user_id, details=comment)
    case.closed_at = now
    case.comments = comment
    session.add(case)
    if case.bill_no and outcome == cases.CASE_REJECTED:
        bill = session.get(Bill, case.bill_no)
        if bill.state == DISPUTED:
            bill.state = BillState.ISSUED
            session.add(bill)
    account = session.get(Account, case.account_id)
    session.add(
        CaseClosure(case_id=case.case_id, office_code=account.subdivision_code, outcome=outcome, method=method,
                    otp_id=otp_id, reason=reason, comment=comment, closed_by=actor.user_id, closed_at=now)
    )
    if method == WITHOUT_OTP:
        session.add(CaseLog(case_id=case.case_id, at=now, log_type="Closed Without OTP", details=reason, user_id=actor.user_id))
    todos.complete(session, actor.user_id, detail.todo_id, detail.version, comment)
    stage = "Complete" if outcome == cases.CASE_COMPLETED else "Rejected"
    rtype = config.request_types().get(case.request_type)
    contact_class, contact_type = contact_kind(rtype, stage) if rtype else ("Bill Revision", f"Bill Revision {stage}")
    session.add(CustomerContact(account_id=case.account_id, at=now, contact_class=contact_class,
                                contact_type=contact_type, user_id=actor.user_id))
    session.flush()
    pending_days.closed(session.connection(), case)  # the MIS's counts, from the rows just written
    return Closed(case.case_id, outcome, method, now)


def close_officer_case(session: Session, actor_id: str, todo_id: str, version: int, outcome: str, comment: str) -> Closed:
    """An officer's own revision case: no consumer complaint, so no OTP to ask for."""
    outcome, comment = check_outcome(outcome), check_comment(comment)
    actor, detail, case = held_case(session, actor_id, todo_id, version)
    if case.channel != cases.OFFICER_CHANNEL:
        raise Invalid("OTP", f"case {case.case_id} is a consumer's complaint: close it with the OTP sent to the consumer")
    check_closable(session, case, outcome)
    return close(session, actor=actor, detail=detail, case=case, outcome=outcome, comment=comment, method=BY_OFFICER)


def closures_without_otp(session: Session, actor_id: str, since: datetime | None = None) -> int:
    """Complaints closed without the consumer's OTP in the actor's offices (since `since`)."""
    staff = session.get(Staff, actor_id)
    if staff is None or not staff.active:
        raise Denied("user", f"{actor_id} is not an active staff member; log in again")
    query = (
        select(func.count())
        .select_from(CaseClosure)
        .where(CaseClosure.method == WITHOUT_OTP,
               CaseClosure.office_code.in_(offices.subtree_codes(offices.scope_path(session, staff))))
    )
    if since is not None:
        query = query.where(CaseClosure.closed_at >= since)
    return session.scalar(query) or 0
