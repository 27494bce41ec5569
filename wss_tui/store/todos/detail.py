"""One To Do as To Do Entry shows it: fields, characteristics, log, Keys/Values, due time and SLA."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Connection, bindparam, case, select
from sqlmodel import Session

from .. import clock, escalation, ids, sla
from ..errors import NotFound
from ..numbers import size_text
from ..models import (
    COMPLETE,
)
from .common import (
    _CHAR_ORDER,
    Actor,
    _account,
    _attachment,
    _case,
    _chars,
    _log,
    _names,
    _office,
    _role_description,
    _staff,
    _todo,
    _type_description,
    load_actor,
)


@dataclass(frozen=True)
class LogEntry:
    at: datetime
    log_type: str
    details: str
    user_id: str | None
    user_name: str | None
    assigned_to: str | None


@dataclass(frozen=True)
class TodoDetail:
    todo_id: str
    todo_type: str
    todo_type_description: str
    role: str
    role_description: str
    office_code: str
    office_name: str
    message: str
    status: str
    priority: int
    assigned_to: str | None
    assigned_to_name: str | None
    sent_by: str | None
    sent_by_name: str | None
    comment: str
    created_at: datetime
    last_assigned_at: datetime | None
    completed_at: datetime | None
    version: int
    characteristics: list[tuple[str, str]] = field(default_factory=list)  # (CASE, 7335070529) …
    log: list[LogEntry] = field(default_factory=list)  # oldest first
    # Keys/Values pane: ("Account ID", "4952790000"), ("Case ID", …), ("Bill Number", …),
    # ("Person", name), ("Premise", address), ("Attachment", "meter.png (image/png, 69 bytes)") …
    keys: list[tuple[str, str]] = field(default_factory=list)
    # The case the To Do carries (its case ID or CASE characteristic): due time, escalation level,
    # warnings, and the SLA compensation accrued so far. None when it carries no case.
    due: escalation.DueInfo | None = None
    compensation: sla.Compensation | None = None


_DUE_COLUMNS = (_case.c.case_id, _case.c.request_type, _case.c.created_at, _case.c.due_at, _case.c.closed_at,
                _case.c.escalation_level, _case.c.channel)


# --- one To Do -----------------------------------------------------------------------------------


def get(session: Session, actor_id: str, todo_id: str) -> TodoDetail:
    actor = load_actor(session, actor_id)
    conn = session.connection()
    return _detail(conn, _load(conn, actor, todo_id))


def resolve(session: Session, actor_id: str, typed: str) -> str:
    """The To Do ID that `typed` means: a 14-digit To Do ID as it is, or — what a consumer quotes on
    the phone — a 10-digit request ID, for which the To Do of that case in the actor's offices that is
    most theirs to work: assigned to them first, open before complete, then in page order."""
    actor = load_actor(session, actor_id)
    conn = session.connection()
    kind, typed = ids.todo_or_request_id(typed)
    if kind == "todo":
        return _load(conn, actor, typed).todo_id
    t = _todo.c
    found = conn.scalar(
        select(t.todo_id)
        .select_from(_todo.join(_office, _office.c.code == t.office_code))
        .where(t.case_id == typed, _office.c.path.startswith(actor.scope, autoescape=True))
        .order_by(case((t.assigned_to == actor.user_id, 0), else_=1), case((t.status == COMPLETE, 1), else_=0),
                  t.priority, t.created_at, t.todo_id)
        .limit(1)
    )
    if found is None:
        raise NotFound("request ID", f"no To Do of request {typed} in your offices; check the request ID")
    return found


# The statements of one To Do Entry, built once: on a small statement SQLAlchemy spends more time
# building and keying the construct than the database spends running it.
_LOAD = (
    select(_todo, _office.c.path, _office.c.name.label("office_name"))
    .select_from(_todo.join(_office, _office.c.code == _todo.c.office_code))
    .where(_todo.c.todo_id == bindparam("todo_id"))
)
_CHARS = select(_chars.c.char_type, _chars.c.value).where(_chars.c.todo_id == bindparam("todo_id"))
_LOG = (
    select(_log.c.at, _log.c.log_type, _log.c.details, _log.c.user_id, _staff.c.name, _log.c.assigned_to)
    .select_from(_log.outerjoin(_staff, _staff.c.user_id == _log.c.user_id))
    .where(_log.c.todo_id == bindparam("todo_id"))
    .order_by(_log.c.at, _log.c.id)
)
_CASE_DUE = select(*_DUE_COLUMNS, _case.c.bill_no).where(_case.c.case_id == bindparam("case_id"))
_ACCOUNT_KEYS = select(_account.c.person_name, _account.c.premise_address).where(_account.c.account_id == bindparam("account_id"))
_ATTACHMENTS = (
    select(_attachment.c.filename, _attachment.c.content_type, _attachment.c.size)
    .where(_attachment.c.case_id == bindparam("case_id")).order_by(_attachment.c.id)
)


def _load(conn: Connection, actor: Actor, todo_id: str):
    todo_id = ids.digits(todo_id)
    row = conn.execute(_LOAD, {"todo_id": todo_id}).one_or_none()
    # Outside the actor's offices looks the same as not there at all.
    if row is None or not row.path.startswith(actor.scope):
        raise NotFound("To Do", f"no To Do {todo_id} in your offices; check the To Do ID")
    return row


def _detail(conn: Connection, row) -> TodoDetail:
    names = _names(conn, {row.assigned_to, row.sent_by})
    chars = sorted(
        conn.execute(_CHARS, {"todo_id": row.todo_id}).all(),
        key=lambda c: (_CHAR_ORDER.get(c.char_type, len(_CHAR_ORDER)), c.char_type),
    )
    log = conn.execute(_LOG, {"todo_id": row.todo_id}).all()
    case_id = row.case_id or dict(chars).get("CASE")
    case_row = conn.execute(_CASE_DUE, {"case_id": case_id}).first() if case_id else None
    return TodoDetail(
        todo_id=row.todo_id,
        todo_type=row.todo_type,
        todo_type_description=_type_description(row.todo_type),
        role=row.role,
        role_description=_role_description(row.role),
        office_code=row.office_code,
        office_name=row.office_name,
        message=row.message,
        status=row.status,
        priority=row.priority,
        assigned_to=row.assigned_to,
        assigned_to_name=names.get(row.assigned_to),
        sent_by=row.sent_by,
        sent_by_name=names.get(row.sent_by),
        comment=row.comment,
        created_at=row.created_at,
        last_assigned_at=row.last_assigned_at,
        completed_at=row.completed_at,
        version=row.version,
        characteristics=[(c.char_type, c.value) for c in chars],
        log=[LogEntry(e.at, e.log_type, e.details, e.user_id, e.name, e.assigned_to) for e in log],
        keys=_keys(conn, row, dict(chars), case_row),
        **_case_due(conn, case_row),
    )


def _case_due(conn: Connection, case_row) -> dict:
    """The carried case's due time, level and warnings, and its compensation (sla.for_case)."""
    if case_row is None:
        return {}
    case_id = case_row.case_id
    now = clock.now()
    return {
        "due": escalation.due_info(case_row, now),
        "compensation": sla.compensation_on(conn, case_id, now),
    }


def _keys(conn: Connection, row, chars: dict[str, str], case_row) -> list[tuple[str, str]]:
    account_id = row.account_id or chars.get("ACCOUNT")
    case_id = row.case_id or chars.get("CASE")
    bill_no = chars.get("BILL")
    if bill_no is None and case_row is not None:
        bill_no = case_row.bill_no
    keys = []
    if account_id:
        keys.append(("Account ID", account_id))
    if case_id:
        keys.append(("Case ID", case_id))
    if bill_no:
        keys.append(("Bill Number", bill_no))
    if account_id:
        account = conn.execute(_ACCOUNT_KEYS, {"account_id": account_id}).first()
        if account is not None:
            keys += [("Person", account.person_name), ("Premise", account.premise_address)]
    if case_id:
        # The consumer's evidence: the clerk must know it is there (the content stays in the store).
        files = conn.execute(_ATTACHMENTS, {"case_id": case_id}).all()
        keys += [("Attachment", f"{f.filename} ({f.content_type}, {size_text(f.size)})") for f in files]
    return keys
