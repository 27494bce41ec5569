"""Cases (the consumer's requests) as the consumer follows them: WSS's "Service Request Status"."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlmodel import Session

from . import config
from .errors import Invalid, NotFound
from .models import Case, CaseLog

REQUEST_ID_DIGITS = 10


def validate_request_id(text: str, *, field_name: str = "request") -> str:
    request_id = "".join(text.split())
    if not (len(request_id) == REQUEST_ID_DIGITS and request_id.isascii() and request_id.isdigit()):
        raise Invalid(
            field_name,
            f"{text.strip()!r} is not a request ID; type the {REQUEST_ID_DIGITS} digits of the registration number from the SMS",
        )
    return request_id


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
    due_at: datetime
    closed_at: datetime | None
    log: list[CaseLogLine] = field(default_factory=list)  # oldest first


def request_status(session: Session, request_id: str) -> RequestStatus:
    request_id = validate_request_id(request_id)
    case = session.get(Case, request_id)
    if case is None:
        raise NotFound("request", f"no request {request_id}; check the registration number from the SMS")
    known = config.request_types().get(case.request_type)
    log = session.execute(
        select(CaseLog.at, CaseLog.log_type, CaseLog.details)
        .where(CaseLog.case_id == request_id)
        .order_by(CaseLog.at, CaseLog.id)
    ).all()
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
        due_at=case.due_at,
        closed_at=case.closed_at,
        log=[CaseLogLine(at=r.at, log_type=r.log_type, details=r.details) for r in log],
    )
