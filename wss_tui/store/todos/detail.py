"""One To Do as To Do Entry shows it: fields, characteristics, log, Keys/Values, due time and SLA."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from typing import NamedTuple

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
    _office,
    _role_description,
    _staff,
    _todo,
    _type_description,
    connection_of,
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
    # Why the reader may not do each of actions.ACTIONS now, in the line the action would refuse it
    # with (actions.refusals); an action not in it is allowed. None where nobody asked (with_rights).
    refused: Mapping[str, str] | None = None


# --- one To Do -----------------------------------------------------------------------------------


def get(session: Session | Connection, actor_id: str, todo_id: str) -> TodoDetail:
    conn = connection_of(session)
    return _detail(conn, _load(conn, load_actor(conn, actor_id), todo_id))


def resolve(session: Session | Connection, actor_id: str, typed: str) -> str:
    """The To Do ID that `typed` means: a 14-digit To Do ID as it is, or — what a consumer quotes on
    the phone — a 10-digit request ID, for which the To Do of that case in the actor's offices that is
    most theirs to work: assigned to them first, open before complete, then in page order."""
    conn = connection_of(session)
    actor = load_actor(conn, actor_id)
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
# building and keying the construct than the database spends running it. The To Do comes with what
# hangs off it one-to-one (the office, the two staff names, its account's keys, its case's due and SLA
# columns): one statement where there were six. A case or an account named only by a characteristic
# (no case_id / account_id on the To Do) is read on its own (_CASE_DUE, _ACCOUNT_KEYS).
_assignee, _sender = _staff.alias("assignee"), _staff.alias("sender")


def _case_columns(c, prefix: str = "case_") -> tuple:
    """The carried case's columns for escalation.due_info and sla.compensation_of, with its cap
    (sla.cap_sql: recorded by the sweep, else from the bills)."""
    return (
        c.c.case_id.label(f"{prefix}case_id"), c.c.request_type.label(f"{prefix}request_type"),
        c.c.created_at.label(f"{prefix}created_at"), c.c.due_at.label(f"{prefix}due_at"),
        c.c.closed_at.label(f"{prefix}closed_at"), c.c.escalation_level.label(f"{prefix}escalation_level"),
        c.c.channel.label(f"{prefix}channel"), c.c.bill_no.label(f"{prefix}bill_no"), sla.cap_sql(c).label(f"{prefix}cap"),
    )


@lru_cache(maxsize=8)
def _load_statement(_rule: sla.CompensationRule):
    """Keyed on the compensation rule, as sla's own statement is (its cap is in the SQL)."""
    return (
        select(_todo, _office.c.path, _office.c.name.label("office_name"),
               _assignee.c.name.label("assigned_to_name"), _sender.c.name.label("sent_by_name"),
               _account.c.person_name.label("account_person_name"),
               _account.c.premise_address.label("account_premise_address"),
               *_case_columns(_case))
        .select_from(
            _todo.join(_office, _office.c.code == _todo.c.office_code)
            .outerjoin(_assignee, _assignee.c.user_id == _todo.c.assigned_to)
            .outerjoin(_sender, _sender.c.user_id == _todo.c.sent_by)
            .outerjoin(_account, _account.c.account_id == _todo.c.account_id)
            .outerjoin(_case, _case.c.case_id == _todo.c.case_id)
        )
        .where(_todo.c.todo_id == bindparam("todo_id"))
    )


@lru_cache(maxsize=8)
def _case_statement(_rule: sla.CompensationRule):
    return select(*_case_columns(_case)).where(_case.c.case_id == bindparam("case_id"))


_CHARS = select(_chars.c.char_type, _chars.c.value).where(_chars.c.todo_id == bindparam("todo_id"))
_LOG = (
    select(_log.c.at, _log.c.log_type, _log.c.details, _log.c.user_id, _staff.c.name, _log.c.assigned_to)
    .select_from(_log.outerjoin(_staff, _staff.c.user_id == _log.c.user_id))
    .where(_log.c.todo_id == bindparam("todo_id"))
    .order_by(_log.c.at, _log.c.id)
)
_ACCOUNT_KEYS = select(_account.c.person_name.label("account_person_name"),
                       _account.c.premise_address.label("account_premise_address")).where(
    _account.c.account_id == bindparam("account_id"))
_ATTACHMENTS = (
    select(_attachment.c.filename, _attachment.c.content_type, _attachment.c.size)
    .where(_attachment.c.case_id == bindparam("case_id")).order_by(_attachment.c.id)
)


class _CarriedCase(NamedTuple):
    """The carried case as escalation.due_info and sla.compensation_of read it."""

    case_id: str
    request_type: str
    created_at: datetime
    due_at: datetime
    closed_at: datetime | None
    escalation_level: int
    channel: str
    bill_no: str | None
    cap: int


def _load(conn: Connection, actor: Actor, todo_id: str):
    todo_id = ids.digits(todo_id)
    row = conn.execute(_load_statement(sla.rule()), {"todo_id": todo_id}).one_or_none()
    # Outside the actor's offices looks the same as not there at all.
    if row is None or not row.path.startswith(actor.scope):
        raise NotFound("To Do", f"no To Do {todo_id} in your offices; check the To Do ID")
    return row


def _detail(conn: Connection, row) -> TodoDetail:
    chars = sorted(
        conn.execute(_CHARS, {"todo_id": row.todo_id}).all(),
        key=lambda c: (_CHAR_ORDER.get(c.char_type, len(_CHAR_ORDER)), c.char_type),
    )
    log = conn.execute(_LOG, {"todo_id": row.todo_id}).all()
    by_type = dict(chars)
    carried = _carried_case(conn, row, by_type.get("CASE"))
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
        assigned_to_name=row.assigned_to_name,
        sent_by=row.sent_by,
        sent_by_name=row.sent_by_name,
        comment=row.comment,
        created_at=row.created_at,
        last_assigned_at=row.last_assigned_at,
        completed_at=row.completed_at,
        version=row.version,
        characteristics=[(c.char_type, c.value) for c in chars],
        log=[LogEntry(e.at, e.log_type, e.details, e.user_id, e.name, e.assigned_to) for e in log],
        keys=_keys(conn, row, by_type, carried),
        **_case_due(carried),
    )


def _carried_case(conn: Connection, row, char_case_id: str | None) -> _CarriedCase | None:
    """The case the To Do carries: its own case_id's (joined in the load), else its CASE characteristic's."""
    if row.case_id is not None:
        found = row.case_case_id is not None
        values = [getattr(row, f"case_{name}") for name in _CarriedCase._fields] if found else None
    elif char_case_id:
        values = conn.execute(_case_statement(sla.rule()), {"case_id": char_case_id}).first()
    else:
        values = None
    return _CarriedCase(*values) if values else None


def _case_due(carried: _CarriedCase | None) -> dict:
    """The carried case's due time, level and warnings, and its compensation (sla.for_case)."""
    if carried is None:
        return {}
    now = clock.now()
    return {"due": escalation.due_info(carried, now), "compensation": sla.compensation_of(carried, now)}


def _keys(conn: Connection, row, chars: dict[str, str], carried: _CarriedCase | None) -> list[tuple[str, str]]:
    account_id = row.account_id or chars.get("ACCOUNT")
    case_id = row.case_id or chars.get("CASE")
    bill_no = chars.get("BILL")
    if bill_no is None and carried is not None:
        bill_no = carried.bill_no
    keys = []
    if account_id:
        keys.append(("Account ID", account_id))
    if case_id:
        keys.append(("Case ID", case_id))
    if bill_no:
        keys.append(("Bill Number", bill_no))
    if account_id:
        # Joined in the load when the To Do names it; else named by its ACCOUNT characteristic.
        account = row if row.account_id else conn.execute(_ACCOUNT_KEYS, {"account_id": account_id}).first()
        if account is not None and account.account_person_name is not None:
            keys += [("Person", account.account_person_name), ("Premise", account.account_premise_address)]
    if case_id:
        # The consumer's evidence: the clerk must know it is there (the content stays in the store).
        files = conn.execute(_ATTACHMENTS, {"case_id": case_id}).all()
        keys += [("Attachment", f"{f.filename} ({f.content_type}, {size_text(f.size)})") for f in files]
    return keys
