"""Cases (the consumer's requests) as the consumer follows them: WSS's "Service Request Status"."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import case as sql_case, select
from sqlmodel import Session

from . import clock, config, ids, sla, sms
from .codes import CLOSED_CASE_STATUSES, CaseStatus, Channel
from .errors import NotFound
from .models import COMPLETE, Account, Case, CaseLog, Staff, ToDo

@dataclass(frozen=True)
class CaseLogLine:
    at: datetime
    log_type: str
    details: str


@dataclass(frozen=True)
class RequestStatus:
    request_id: str
    account_id: str
    bill_no: str | None
    request_type: str  # as WSS lists it: "Bill Revision Through WSS"
    request_name: str  # as the consumer chose it: "Bill Correction Request"
    channel: str
    open_date: datetime
    status: str
    is_open: bool
    comments: str
    due_at: datetime | None  # None for an officer's own case: no consumer due date
    closed_at: datetime | None
    log: list[CaseLogLine] = field(default_factory=list)  # oldest first
    # Who has the request: the assignee of its first open To Do (its own, from intake), or of its
    # first To Do once all are complete; None while it waits in a role queue.
    assigned_to: str | None = None
    assigned_to_name: str | None = None
    office_target_at: datetime | None = None  # an officer's own case: the office's target, not a due date


def request_status(session: Session, request_id: str) -> RequestStatus:
    request_id = ids.request_id(request_id)
    case = session.get(Case, request_id)
    if case is None:
        raise NotFound("request", f"no request {request_id}; check the registration number from the SMS")
    known = config.request_types().get(case.request_type)
    log = session.execute(
        select(CaseLog.at, CaseLog.log_type, CaseLog.details)
        .where(CaseLog.case_id == request_id)
        .order_by(CaseLog.at, CaseLog.id)
    ).all()
    holder = session.execute(
        select(ToDo.assigned_to, Staff.name)
        .outerjoin(Staff, Staff.user_id == ToDo.assigned_to)
        .where(ToDo.case_id == request_id)
        .order_by(sql_case((ToDo.status == COMPLETE, 1), else_=0), ToDo.created_at, ToDo.todo_id)
        .limit(1)
    ).first()
    return RequestStatus(
        request_id=case.case_id,
        account_id=case.account_id,
        bill_no=case.bill_no,
        request_type=case.case_type,
        request_name=known.name if known else case.request_type,
        channel=case.channel,
        open_date=case.created_at,
        status=case.status,
        is_open=case.closed_at is None,
        comments=case.comments,
        due_at=case.due_at if sla.consumer_clock(case.channel) else None,
        office_target_at=None if sla.consumer_clock(case.channel) else case.due_at,
        closed_at=case.closed_at,
        log=[CaseLogLine(at=r.at, log_type=r.log_type, details=r.details) for r in log],
        assigned_to=holder.assigned_to if holder else None,
        assigned_to_name=holder.name if holder else None,
    )


# --- status changes (bill revision and closure) ------------------------------------------------

REVISION_REQUIRED = CaseStatus.REVISION_REQUIRED
CASE_COMPLETED = CaseStatus.COMPLETED
CASE_REJECTED = CaseStatus.REJECTED
CLOSED_STATUSES = CLOSED_CASE_STATUSES
OFFICER_CHANNEL = Channel.OFFICER  # an officer's own revision case: no consumer complaint behind it


def change_status(session: Session, case: Case, status: str, *, user_id: str | None, details: str = "") -> bool:
    """Move `case` to `status`, log it, and tell the consumer by SMS, all in the caller's unit of work
    (an officer's own case has no consumer: no SMS, and no "SMS Not Sent" either).

    False (and nothing written) when the case is already in that status.
    """
    if case.status == status:
        return False
    now = clock.now()
    case.status = status
    session.add(case)
    session.add(
        CaseLog(case_id=case.case_id, at=now, log_type="Status Changed", details=f"{status}: {details}" if details else status, user_id=user_id)
    )
    if not sla.consumer_clock(case.channel):  # an officer's own case: no complainant to tell
        return True
    account = session.get(Account, case.account_id)
    if account is not None and account.mobile:
        sms.queue(
            session,
            case_id=case.case_id,
            mobile=account.mobile,
            template="status_changed",
            language=account.language,
            request_id=case.case_id,
            account_id=case.account_id,
            status=status,
        )
    else:
        session.add(
            CaseLog(
                case_id=case.case_id,
                at=now,
                log_type="SMS Not Sent",
                details=f"no registered mobile on the account; tell the consumer the status ({status}) in person",
                user_id=user_id,
            )
        )
    return True
