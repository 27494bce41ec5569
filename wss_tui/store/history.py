"""A complaint's whole life, for `wss request history`: who did what and when, from every record that
names the case — its case log, the logs of every To Do it raised (its own, approvals, reviews, audits,
escalations), each revision proposed and decided, how it was closed, and each SMS sent about it; for a
bill-on-hold case, who put its bill on hold, when and why, and the release.

Each source is read by the case's ID through its index, and one case's records are a few dozen rows, so
they are merged here in time order. The SMS text is shown as queued; an OTP's code never is (the
outbox holds a placeholder until the gateway takes it, store/sms/).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlmodel import Session

from . import ids, money
from .errors import NotFound
from .models import BillRevision, Case, CaseClosure, CaseLog, SmsOutbox, ToDo, ToDoLog
from .revision import hold, run

CASE_LOG, TODO_LOG, REVISION, CLOSURE, SMS, HOLD = "case", "todo", "revision", "closure", "sms", "hold"
HOLD_KINDS = {"HOLD": "Bill Held", "RELEASE": "Bill Released"}


@dataclass(frozen=True)
class Event:
    at: datetime
    source: str  # case | todo | revision | closure | sms | hold
    kind: str  # the log type, or what happened ("Proposed", "Approved", "Closed", "SMS SENT")
    who: str | None  # the user ID that did it; None for the consumer or the system
    details: str
    ref: str = ""  # the To Do ID, revision ID or SMS ID the line is about


@dataclass(frozen=True)
class History:
    request_id: str
    account_id: str
    request_type: str
    channel: str
    status: str
    opened_at: datetime
    closed_at: datetime | None
    events: list[Event]


def of_case(session: Session, request_id: str) -> History:
    request_id = ids.request_id(request_id)
    case = session.get(Case, request_id)
    if case is None:
        raise NotFound("request", f"no request {request_id}; check the 10-digit request ID")
    events: list[Event] = []
    for r in session.execute(select(CaseLog).where(CaseLog.case_id == request_id).order_by(CaseLog.id)).scalars():
        events.append(Event(r.at, CASE_LOG, r.log_type, r.user_id, r.details))
    todo_logs = (
        select(ToDoLog, ToDo.todo_type)
        .join(ToDo, ToDo.todo_id == ToDoLog.todo_id)
        .where(ToDo.case_id == request_id)
        .order_by(ToDoLog.id)
    )
    for log, todo_type in session.execute(todo_logs):
        to = f" (assigned to {log.assigned_to})" if log.assigned_to else ""
        events.append(Event(log.at, TODO_LOG, f"{todo_type} {log.log_type}", log.user_id, log.details + to, log.todo_id))
    revisions = select(BillRevision).where(BillRevision.case_id == request_id).order_by(BillRevision.revision_id)
    for rev in session.execute(revisions).scalars():
        amount = money.rupees(rev.difference_paise)
        events.append(Event(rev.proposed_at, REVISION, "Revision Proposed", rev.maker_id,
                            f"revision {rev.revision_id} of {run.bills_text(session, rev)}: {amount}, "
                            f"to {rev.approver_role} {rev.approver_office}", str(rev.revision_id)))
        if rev.decided_at is not None:
            note = f": {rev.decision_note}" if rev.decision_note else ""
            events.append(Event(rev.decided_at, REVISION, f"Revision {rev.status.title()}", rev.checker_id,
                                f"revision {rev.revision_id} ({amount}){note}", str(rev.revision_id)))
    closure = session.scalar(select(CaseClosure).where(CaseClosure.case_id == request_id))
    if closure is not None:
        why = f"; reason: {closure.reason}" if closure.reason else ""
        events.append(Event(closure.closed_at, CLOSURE, "Closed", closure.closed_by,
                            f"{closure.outcome}, method {closure.method}{why}; {closure.comment}".rstrip("; ")))
    for sms in session.execute(select(SmsOutbox).where(SmsOutbox.case_id == request_id).order_by(SmsOutbox.id)).scalars():
        when = sms.sent_at or sms.created_at
        events.append(Event(when, SMS, f"SMS {sms.status}", None,
                            f"{sms.template} ({sms.language}) to {_mask(sms.mobile)}: {sms.text}", str(sms.id)))
    for step in hold.of_case(session, case):
        posted = f"; {money.rupees(step.balance_paise)} posted to the account"
        events.append(Event(step.at, HOLD, HOLD_KINDS[step.action], step.user_id,
                            f"bill {step.bill_no}: {step.reason}{posted}", step.bill_no))
    events.sort(key=lambda e: e.at)  # stable: each source keeps its own order within a moment
    return History(request_id=case.case_id, account_id=case.account_id, request_type=case.case_type,
                   channel=case.channel, status=case.status, opened_at=case.created_at, closed_at=case.closed_at,
                   events=events)


def _mask(mobile: str) -> str:
    return "*" * (len(mobile) - 4) + mobile[-4:] if mobile else ""
