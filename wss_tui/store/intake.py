"""A consumer's request enters the system: the one way, for `wss request new` and the walk-in screen.

Everything is checked before anything is written; then the case, its To Do for the sub-division, the
attachments, the customer contact and the SMS are written in the caller's one unit of work
(`db.write`), so a refusal or a crash leaves no trace.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from . import accounts, attachments, clock, config, ids, offices, pending_days, routing, sla, sms
from . import text as text_rule
from . import codes
from .codes import BillState, IntakeChannel, RequestType
from .attachments import AttachmentIn
from .errors import Denied, Invalid, NotFound
from .models import (
    Account,
    Attachment,
    Bill,
    Case,
    CaseLog,
    CustomerContact,
    Staff,
    ToDo,
    ToDoCharacteristic,
    ToDoLog,
)

CHANNELS = tuple(IntakeChannel)
CHANNEL_LABELS = {c: c.label for c in IntakeChannel}
STAFF_CHANNELS = codes.STAFF_CHANNELS  # where a member of staff keys the request in for the consumer
DISPUTED = BillState.DISPUTED


@dataclass(frozen=True)
class Receipt:
    request_id: str
    todo_id: str
    status: str
    office: str
    role: str
    office_name: str
    due_at: datetime
    sms_mobile: str | None  # None: the account has no registered mobile, so no SMS was queued
    assigned_to: str | None = None  # who the To Do was routed to (store/routing/); None: the role queue
    assigned_to_name: str | None = None


def contact_kind(rtype: config.RequestType, stage: str) -> tuple[str, str]:
    """CC&B's customer-contact class and type for a request at `stage` (Initiate, Complete, Rejected)."""
    if rtype.code == RequestType.BILL_CORRECTION:
        return "Bill Revision", f"Bill Revision {stage}"
    return "Request and Complaint", f"{rtype.name} {stage}"[:60]


def submit_request(
    session: Session,
    *,
    account_id: str,
    bill_no: str | None,
    reason: str,
    request_type: str = RequestType.BILL_CORRECTION,
    channel: str = IntakeChannel.WSS,
    attachments: Sequence[AttachmentIn] = (),
    operator_id: str | None = None,
) -> Receipt:
    """Register one request; returns the registration number the consumer is given."""
    rtype = config.request_type(request_type)
    rules = config.intake_rules()
    if channel not in CHANNELS:
        raise Invalid("channel", f"unknown channel {channel!r}; use one of: {', '.join(CHANNELS)}")
    account_id = accounts.validate_account_id(account_id)
    bill_no = "".join((bill_no or "").split()) or None
    if rtype.needs_bill and bill_no is None:
        raise Invalid("bill", f"a {rtype.name} needs the disputed bill number; give one of the account's bills")
    reason = _check_reason(reason, rules)
    docs = _check_attachments(attachments, rules)
    operator_id = _check_operator_given(channel, operator_id)

    account = accounts.get_account(session, account_id)
    if account.status == accounts.PERMANENTLY_DISCONNECTED:
        raise Invalid(
            "account",
            f"account {account_id} is permanently disconnected; a request cannot be registered on it "
            "(for a final-bill dispute, the consumer applies at the sub-division office)",
        )
    bill = _check_bill(session, account, bill_no) if bill_no else None
    if bill is not None:
        existing = _open_case_on_bill(session, bill.bill_no)
        if existing:
            raise _duplicate(bill.bill_no, existing)
    operator = _check_operator(session, operator_id, account) if operator_id else None

    return _write(session, rtype, channel, account, bill, reason, docs, operator)


def counter_account(session: Session, account_id: str, operator_id: str) -> accounts.AccountContext:
    """The account as the walk-in counter shows it, refused for the reasons `submit_request` would refuse
    this operator on it (the same rule, so the screen and `wss request new` say the same thing).

    Unlike a clerk's look-up, an account of another sub-division is named as such, with where to send
    the consumer: the counter must be able to tell them.
    """
    account = accounts.get_account(session, account_id)
    operator_id = _check_operator_given(IntakeChannel.WALK_IN, operator_id)
    _check_operator(session, operator_id, account)
    return accounts.account_context(session, account.account_id)


def _check_reason(reason: str, rules: config.IntakeRules) -> str:
    if not (reason or "").strip():
        raise Invalid("reason", "give the reason for the request: what is wrong with the bill")
    # One line, as the walk-in screen's field takes it.
    return text_rule.typed("reason", reason, minimum=rules.min_reason_chars, maximum=rules.max_reason_chars,
                           too_short="the reason is {length} characters; write at least {minimum} saying what is wrong",
                           too_long="the reason is {length} characters; shorten it to {maximum} and attach the details")


def _check_attachments(docs: Sequence[AttachmentIn], rules: config.IntakeRules) -> list[AttachmentIn]:
    if len(docs) > rules.max_attachments:
        raise Invalid("attach", f"{len(docs)} documents attached; attach at most {rules.max_attachments}")
    # Judged again from the bytes: a caller's own AttachmentIn cannot claim a type, size or hash.
    return [attachments.judge(doc.filename, doc.content) for doc in docs]


def _check_operator_given(channel: str, operator_id: str | None) -> str | None:
    operator_id = (operator_id or "").strip().upper() or None
    if channel == IntakeChannel.WALK_IN and operator_id is None:
        raise Invalid("operator", "a walk-in request is entered by a counter operator; give the operator's user ID")
    if channel == IntakeChannel.WSS and operator_id is not None:
        raise Invalid("operator", "a WSS request comes from the consumer; drop the operator or choose the walk-in channel")
    return operator_id


def _check_bill(session: Session, account: Account, bill_no: str) -> Bill:
    bill = session.get(Bill, bill_no)
    if bill is None or bill.account_id != account.account_id:
        raise Invalid(
            "bill",
            f"bill {bill_no} is not a bill of account {account.account_id}; give the bill number printed on its bill",
        )
    if bill.state == BillState.HELD:
        raise Invalid("bill", f"bill {bill_no} is on hold and was never issued; the office corrects and releases it "
                              "(a complaint is registered on the bill once it is released)")
    return bill


def _open_case_on_bill(session: Session, bill_no: str) -> str | None:
    return session.scalar(select(Case.case_id).where(Case.bill_no == bill_no, Case.closed_at.is_(None)))


def _duplicate(bill_no: str, existing: str) -> Invalid:
    return Invalid(
        "bill",
        f"bill {bill_no} already has an open complaint, request ID {existing}; follow that request instead of a new one",
    )


def _check_operator(session: Session, operator_id: str, account: Account) -> Staff:
    staff = session.get(Staff, operator_id)
    if staff is None or not staff.active:
        raise NotFound("operator", f"{operator_id} is not an active staff member; give your own user ID")
    role = config.roles().get(staff.role)
    if role is None or not role.counter:
        counters = ", ".join(code for code, r in config.roles().items() if r.counter)
        raise Denied("operator", f"{operator_id} is {staff.role}, not a counter role ({counters}); the request is entered by the counter operator")
    if not offices.in_scope(session, staff, account.subdivision_code):
        raise Denied(
            "operator",
            f"account {account.account_id} belongs to {account.subdivision_code}, outside {operator_id}'s office "
            f"{staff.office_code}; send the consumer to that sub-division",
        )
    return staff


def _write(session, rtype, channel, account, bill, reason, docs, operator) -> Receipt:
    now = clock.now()
    user_id = operator.user_id if operator else None
    case_id = ids.new_case_id(session)
    case = Case(
        case_id=case_id,
        request_type=rtype.code,
        case_type=rtype.case_type,
        channel=channel,
        account_id=account.account_id,
        bill_no=bill.bill_no if bill else None,
        reason=reason,
        status=rtype.initial_status,
        created_at=now,
        created_by=user_id,
        due_at=sla.due_at(now, rtype.code),
        office_code=account.subdivision_code,
    )
    # The case goes in first, in a savepoint: if another clerk's complaint on this bill committed
    # since our check, the partial unique index refuses it and we can still say which request won.
    try:
        with session.begin_nested():
            session.add(case)
    except IntegrityError as exc:
        about_bill = "uq_case_open_bill" in str(exc.orig) or "case.bill_no" in str(exc.orig)
        if bill is None or not about_bill:
            raise
        existing = _open_case_on_bill(session, bill.bill_no)
        raise _duplicate(bill.bill_no, existing or "(just registered by someone else)") from None
    pending_days.opened(session.connection(), case)

    received = f"{rtype.name} received through {CHANNEL_LABELS[channel]}"
    if operator:
        received += f", entered by {operator.user_id}"
    log = [CaseLog(case_id=case_id, at=now, log_type="Created", details=received, user_id=user_id)]

    if bill is not None and rtype.needs_bill:
        # Conditional: a paid bill stays PAID, and a bill put on hold since it was read is not disputed.
        session.execute(update(Bill).where(Bill.bill_no == bill.bill_no, Bill.state == BillState.ISSUED)
                        .values(state=DISPUTED))
        session.refresh(bill, ["state"])
        if bill.state == BillState.HELD:
            raise Invalid("bill", f"bill {bill.bill_no} was put on hold just now; the office corrects and releases it")

    todo_id = ids.new_todo_id(session)
    routed = routing.pick(session, routing.Target(rtype.role, account.subdivision_code))
    related = f"{account.account_id}, {bill.bill_no}" if bill else account.account_id
    session.add(
        ToDo(
            todo_id=todo_id,
            todo_type=rtype.todo_type,
            role=rtype.role,
            office_code=account.subdivision_code,
            message=f"{rtype.message} ({related})",
            priority=rtype.priority,
            created_at=now,
            case_id=case_id,
            **routing.assignment(routed, now),
            account_id=account.account_id,
        )
    )
    session.flush()  # the To Do row must exist before its characteristics and log point at it
    chars = [("CASE", case_id), ("ACCOUNT", account.account_id)] + ([("BILL", bill.bill_no)] if bill else [])
    session.add_all(ToDoCharacteristic(todo_id=todo_id, char_type=t, value=v) for t, v in chars)
    session.add(ToDoLog(todo_id=todo_id, at=now, log_type="Created", details=routing.queue_note(routed), user_id=user_id))
    session.flush()  # "Created" before "Assigned"
    routing.log_pick(session, todo_id, routed, now)

    session.add_all(
        Attachment(
            case_id=case_id,
            filename=d.filename,
            content_type=d.content_type,
            size=d.size,
            sha256=d.sha256,
            content=d.content,
            created_at=now,
        )
        for d in docs
    )
    if docs:
        names = ", ".join(f"{d.filename} ({d.content_type}, {d.size:,} bytes)" for d in docs)
        log.append(CaseLog(case_id=case_id, at=now, log_type="Attachment", details=names, user_id=user_id))

    contact_class, contact_type = contact_kind(rtype, "Initiate")
    session.add(
        CustomerContact(
            account_id=account.account_id,
            at=now,
            contact_class=contact_class,
            contact_type=contact_type,
            user_id=user_id,
        )
    )

    if account.mobile:
        sms.queue(
            session,
            case_id=case_id,
            mobile=account.mobile,
            template="registered",
            language=account.language,
            request_name=rtype.name,
            account_id=account.account_id,
            request_id=case_id,
        )
    else:
        log.append(
            CaseLog(
                case_id=case_id,
                at=now,
                log_type="SMS Not Sent",
                details="no registered mobile on the account; give the consumer the request ID in person",
                user_id=user_id,
            )
        )
    session.add_all(log)
    session.flush()
    return Receipt(
        request_id=case_id,
        todo_id=todo_id,
        status=case.status,
        office=account.subdivision_code,
        role=rtype.role,
        office_name=offices.get(session, account.subdivision_code).name,
        due_at=case.due_at,
        sms_mobile=account.mobile,
        assigned_to=routed.user_id,
        assigned_to_name=routed.name,
    )
