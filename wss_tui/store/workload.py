"""Whose work waits: each To Do worker of an officer's offices with their open To Do count and the
creation time of their oldest open To Do, and each role's queue of Open To Dos (To Do management).

One statement per page: the page of staff (in office, role, user ID order, keyset-paged) with their
counts, and on the first page the role queues, as one UNION ALL. A worker's count is one range of
ix_todo_assigned_page (assigned_to, status), a queue's one of ix_todo_role_page; only To Dos in the
officer's offices are counted, as the To Do list beside it shows them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, case, exists, false, func, literal, null, or_, select, true, tuple_, union_all
from sqlmodel import Session

from . import clock, config, todos
from .errors import Invalid
from .models import BEING_WORKED_ON, OPEN, Staff, ToDo
from .todo_manage import require_manager

_todo = ToDo.__table__
_staff = Staff.__table__
QUEUE, USER = 0, 1
MAX_PAGE = 200


@dataclass(frozen=True)
class Load:
    kind: int  # QUEUE: a role's Open To Dos; USER: one worker's open To Dos
    role: str
    user_id: str | None  # None for a queue
    name: str  # the worker's name, or the role's description
    office_code: str | None  # the worker's office; None for a queue (every office of the scope)
    active: bool
    locked: bool  # locked out by failed logins, now
    open: int
    oldest_at: datetime | None  # created_at of the oldest open To Do; None when there is none

    @property
    def key(self) -> str:
        return f"user:{self.user_id}" if self.kind == USER else f"queue:{self.role}"

    @property
    def cursor(self) -> tuple[str, str, str]:
        return (self.office_code or "", self.role, self.user_id or "")


@dataclass(frozen=True)
class Workload:
    rows: list[Load]  # the queues (first page only), then the page's workers
    has_next: bool
    has_prev: bool


def workload(session: Session, actor_id: str, after: tuple[str, str, str] | None = None,
             limit: int = 50) -> Workload:
    """The actor's offices' workers from after `after` (a Load.cursor), `limit` of them; the role
    queues come on the first page. Inactive staff are listed only while they still hold open To Dos
    (their work must be moved); a locked-out one is shown as such."""
    if not 1 <= limit <= MAX_PAGE:
        raise Invalid("limit", f"a page holds 1 to {MAX_PAGE} rows")
    actor = require_manager(session, actor_id)
    conn = session.connection()
    codes = todos.scope_codes(conn, actor)
    now = clock.now()
    open_statuses = [OPEN, BEING_WORKED_ON]
    workers = [code for code, role in config.roles().items() if role.works_todos]

    holds_open = exists().where(_todo.c.assigned_to == _staff.c.user_id, _todo.c.status.in_(open_statuses))
    page_terms = [_staff.c.office_code.in_(codes), _staff.c.role.in_(workers), or_(_staff.c.active, holds_open)]
    if after is not None:
        page_terms.append(tuple_(_staff.c.office_code, _staff.c.role, _staff.c.user_id) > tuple_(*after))
    page = (
        select(_staff.c.user_id, _staff.c.name, _staff.c.role, _staff.c.office_code, _staff.c.active,
               _staff.c.locked_until)
        .where(*page_terms)
        .order_by(_staff.c.office_code, _staff.c.role, _staff.c.user_id)
        .limit(limit + 1)
        .subquery("page")
    )
    mine = and_(_todo.c.assigned_to == page.c.user_id, _todo.c.status.in_(open_statuses),
                todos.not_an_index_key(_todo.c.office_code).in_(codes))
    users = (
        select(literal(USER).label("kind"), page.c.role, page.c.user_id, page.c.name, page.c.office_code,
               page.c.active, case((page.c.locked_until > now, true()), else_=false()).label("locked"),
               func.count(_todo.c.todo_id).label("n"), func.min(_todo.c.created_at).label("oldest"))
        .select_from(page.outerjoin(_todo, mine))
        .group_by(page.c.role, page.c.user_id, page.c.name, page.c.office_code, page.c.active, page.c.locked_until)
    )
    parts = [users]
    if after is None:
        parts.append(
            select(literal(QUEUE).label("kind"), _todo.c.role, null(), null(), null(), true(), false(),
                   func.count(), func.min(_todo.c.created_at))
            .where(_todo.c.role.in_(workers), _todo.c.office_code.in_(codes), _todo.c.status == OPEN)
            .group_by(_todo.c.role)
        )
    merged = union_all(*parts).subquery("w")
    found = conn.execute(
        select(merged).order_by(merged.c.kind, merged.c.office_code, merged.c.role, merged.c.user_id)
    ).all()
    rank = {code: i for i, code in enumerate(config.roles())}
    queues = sorted((r for r in found if r.kind == QUEUE), key=lambda r: rank.get(r.role, len(rank)))
    people = [r for r in found if r.kind == USER]
    has_next = len(people) > limit
    rows = [
        Load(QUEUE, r.role, None, _role_text(r.role), None, True, False, r.n, r.oldest) for r in queues
    ] + [
        Load(USER, r.role, r.user_id, r.name, r.office_code, bool(r.active), bool(r.locked), r.n, r.oldest)
        for r in people[:limit]
    ]
    return Workload(rows, has_next=has_next, has_prev=after is not None)


def _role_text(code: str) -> str:
    return config.role_title(code)
