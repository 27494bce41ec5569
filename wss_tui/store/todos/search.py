"""The To Do search the clerk's day starts from: keyset pages, the total, and the change check that
keeps a search on screen current."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import NamedTuple

from sqlalchemy import (
    Connection,
    and_,
    bindparam,
    case,
    func,
    null,
    or_,
    select,
    tuple_,
    union_all,
)
from sqlmodel import Session

from .. import clock, config, escalation
from .. import text as text_rule
from ..errors import Invalid, NotFound
from ..models import (
    BEING_WORKED_ON,
    COMPLETE,
    OPEN,
    TODO_STATUSES,
)
from ..revision.rules import rules as revision_rules
from .common import (
    MAX_PAGE,
    STATUS_OPEN,
    USER_FILTERS,
    Actor,
    _case,
    _staff,
    _todo,
    _type_description,
    connection_of,
    load_actor_scope,
    not_an_index_key,
    page_order_only,
)


@dataclass(frozen=True)
class SearchFilter:
    todo_type: str | None = None  # None: all types
    user_filter: str = "user"  # "user": assigned to user_id; "role": To Dos of `role` in scope;
    # "queue": those of "role" assigned to nobody, the role's queue
    user_id: str | None = None  # None: the actor
    role: str | None = None  # None: the actor's role
    start: datetime | None = None  # created at or after (aware UTC)
    end: datetime | None = None  # created at or before
    status: str | None = "open"  # "open" (Open + Being Worked On), one of TODO_STATUSES, or None: all


@dataclass(frozen=True)
class Cursor:
    priority: int
    created_at: datetime
    todo_id: str


class TodoRow(NamedTuple):
    """A named tuple, not a frozen dataclass: a frozen dataclass's __init__ (one object.__setattr__
    per field) cost a tenth of a page's search."""

    todo_id: str
    todo_type: str
    priority: int
    created_at: datetime
    related: int
    last_assigned_at: datetime | None
    message: str
    status: str
    completed_at: datetime | None
    assigned_to: str | None
    case_id: str | None
    account_id: str | None
    # Its open case's due time, escalation level and warnings at the time of the search; None when it
    # has no case, its case is closed, or the To Do is Complete: nothing of it falls due.
    due: escalation.DueInfo | None = None

    @property
    def cursor(self) -> Cursor:
        return Cursor(self.priority, self.created_at, self.todo_id)


@dataclass(frozen=True)
class Page:
    rows: list[TodoRow]
    total: int
    first: int  # 1-based position of rows[0] in the whole result; 0 when empty
    has_next: bool
    has_prev: bool


# The page order. Each page index (models.ToDo) ends in these columns after its equality columns, so
# one page is a range scan of one index run, never a sort of every matching row.
_KEY = (_todo.c.priority, _todo.c.created_at, _todo.c.todo_id)
_ROW_COLUMNS = (
    _todo.c.todo_id,
    _todo.c.todo_type,
    _todo.c.priority,
    _todo.c.created_at,
    _todo.c.last_assigned_at,
    _todo.c.message,
    _todo.c.status,
    _todo.c.completed_at,
    _todo.c.assigned_to,
    _todo.c.case_id,
    _todo.c.account_id,
)
_N_ROW_COLUMNS = len(_ROW_COLUMNS)
# Each page row's open case, LEFT JOINed in the page statement, for its due time and escalation level
# (escalation.due_info reads them by these names). A closed case has nothing left to fall due: not
# joined, so the page converts no times it will not show.
_CASE_COLUMNS = (
    _case.c.request_type.label("case_request_type"),
    _case.c.created_at.label("case_created_at"),
    _case.c.due_at.label("case_due_at"),
    _case.c.escalation_level.label("case_escalation_level"),
    _case.c.channel.label("case_channel"),
)
_CASE_END = _N_ROW_COLUMNS + len(_CASE_COLUMNS)
_STATUS_AT = _ROW_COLUMNS.index(_todo.c.status)


def _open_case(case_id):
    return and_(_case.c.case_id == case_id, _case.c.closed_at.is_(None))


class _CaseDue(NamedTuple):
    request_type: str
    created_at: datetime
    due_at: datetime
    escalation_level: int
    channel: str
    closed_at: datetime | None = None  # only open cases are joined


def _due(row, read) -> escalation.DueInfo | None:
    """A page row's due, from its LEFT JOINed case columns (`read`: escalation.due_reader, once per
    page); None without an open case, and for a Complete To Do (nothing of it falls due)."""
    values = row[_N_ROW_COLUMNS:_CASE_END]
    if values[2] is None or row[_STATUS_AT] == COMPLETE:
        return None
    return read(_CaseDue(*values))
# --- search --------------------------------------------------------------------------------------


def todo_types() -> list[tuple[str, str]]:
    """(code, description) of every To Do type this configuration creates, for the type filter.

    From data/ (request types, the revision work, the escalation matrix) rather than a DISTINCT over
    the table: no index leads with todo_type, and that scan took 0.3 s at 1M To Dos on every login.
    """
    codes = {rtype.todo_type for rtype in config.request_types().values()}
    codes |= revision_rules().todo_types.keys()
    codes.add(escalation.matrix().todo_type)
    return [(code, _type_description(code)) for code in sorted(codes)]


def search(
    session: Session | Connection,
    actor_id: str,
    flt: SearchFilter,
    after: Cursor | None = None,
    before: Cursor | None = None,
    limit: int = 50,
) -> Page:
    """One page of the actor's To Do Search, always inside the actor's offices.

    Rows in (priority, created_at, todo_id) order; `after`/`before` is a row's cursor. A row's
    `related` counts the other To Dos, of any status, on its case or its account.
    """
    if after is not None and before is not None:
        raise Invalid("page", "ask for the page after a row or the page before it, not both")
    if not 1 <= limit <= MAX_PAGE:
        raise Invalid("limit", f"a page holds 1 to {MAX_PAGE} rows")
    conn = connection_of(session)
    actor, codes = load_actor_scope(conn, actor_id)
    shape, params = _search_filter(conn, actor, codes, flt)
    if before is not None:
        rows = _page_rows(conn, shape, params, before, "before", limit)[::-1]
        if len(rows) == limit:
            earlier = rows[0].counted - limit  # counted: every row before the cursor
        else:
            # Rows came and went since the cursor was taken: show a full first page rather than a
            # short one that claims to be the start.
            rows, earlier = _page_rows(conn, shape, params, None, None, limit), 0
    elif after is not None:
        rows = _page_rows(conn, shape, params, after, "after", limit)
        earlier = rows[0].counted if rows else 0  # counted: the rows up to and including the cursor
    else:
        rows, earlier = _page_rows(conn, shape, params, None, None, limit), 0
    if not rows:
        total = conn.scalar(_count_statement(shape), params)
        return Page([], total, 0, has_next=False, has_prev=after is not None and total > 0)
    total = rows[0].total
    read_due = escalation.due_reader(clock.now())
    return Page(
        # Positional: _ROW_COLUMNS is TodoRow's fields without `related`, then the case's columns,
        # then `related`; named Row access costs more than the page query on a 20-row page.
        rows=[
            TodoRow(*r[:4], r[_CASE_END], *r[4:_N_ROW_COLUMNS], _due(r, read_due))
            for r in rows
        ],
        total=total,
        first=earlier + 1,
        has_next=earlier + len(rows) < total,
        has_prev=earlier > 0,
    )


@dataclass(frozen=True)
class _Shape:
    """What decides the SQL of a search (its values go in as parameters), so each shape's statements
    are built once: building a union of subqueries costs more than running it."""

    by_role: bool
    offices: int  # offices in the actor's scope: one bound parameter each (arms per status by role)
    statuses: int
    todo_type: bool
    start: bool
    end: bool
    queue: bool = False  # only the To Dos assigned to nobody


def _search_filter(conn: Connection, actor: Actor, codes: list[str], flt: SearchFilter) -> tuple[_Shape, dict]:
    if flt.status is None:
        statuses = TODO_STATUSES
    elif flt.status == STATUS_OPEN:
        statuses = (OPEN, BEING_WORKED_ON)
    elif flt.status in TODO_STATUSES:
        statuses = (flt.status,)
    else:
        raise Invalid("status", f"unknown status {flt.status!r}; use {STATUS_OPEN}, {', '.join(TODO_STATUSES)} or all")
    for name, when in (("start", flt.start), ("end", flt.end)):
        if when is not None and when.tzinfo is None:
            raise Invalid(name, "give the time with its zone (timefmt.parse_when does)")
    if flt.start and flt.end and flt.start > flt.end:
        raise Invalid("end", "the end date is before the start date; swap them")
    text_rule.check("type", flt.todo_type)
    # One named parameter per office and per status, no expanding IN: an expanding parameter makes
    # SQLAlchemy re-render the statement's SQL on every call.
    params: dict = {"todo_type": flt.todo_type, "start": flt.start, "end": flt.end}
    params.update({f"status_{j}": status for j, status in enumerate(statuses)})
    params.update({f"office_{i}": code for i, code in enumerate(codes)})
    if flt.user_filter not in USER_FILTERS:
        raise Invalid("user filter", f"unknown user filter {flt.user_filter!r}; use {' or '.join(USER_FILTERS)}")
    if flt.user_filter == "user":
        user_id = text_rule.check("user ID", (flt.user_id or actor.user_id).strip().upper())
        if user_id != actor.user_id and conn.scalar(select(_staff.c.user_id).where(_staff.c.user_id == user_id)) is None:
            raise NotFound("user ID", f"no staff member {user_id}; check the user ID")
        params["user"] = user_id
        by_role = False
    else:
        role = text_rule.check("role", (flt.role or actor.role).strip().upper())
        if role not in config.roles():
            raise Invalid("role", f"unknown role {role}; use one of: {', '.join(config.roles())}")
        params["role"] = role
        by_role = True
    shape = _Shape(by_role, len(codes), len(statuses), bool(flt.todo_type), flt.start is not None, flt.end is not None,
                   queue=flt.user_filter == "queue")
    return shape, params


def _key_bind(prefix: str):
    return tuple_(*(bindparam(f"{prefix}_{c.name}", type_=c.type) for c in _KEY))


def _key_params(prefix: str, row) -> dict:
    return {f"{prefix}_priority": row.priority, f"{prefix}_created_at": row.created_at, f"{prefix}_todo_id": row.todo_id}


def _common_terms(shape: _Shape, seek_dates: bool = True) -> list:
    """The filter's terms beyond the index equalities; `seek_dates` False for the arms of a page,
    which walk their page index in order (page_order_only)."""
    created = _todo.c.created_at if seek_dates else page_order_only(_todo.c.created_at)
    terms = []
    if shape.queue:
        # Not a seek on (assigned_to, …): every unassigned To Do of the discom is not "this queue".
        terms.append(not_an_index_key(_todo.c.assigned_to).is_(None))
    if shape.todo_type:
        terms.append(_todo.c.todo_type == bindparam("todo_type"))
    if shape.start:
        terms.append(created >= bindparam("start", type_=_todo.c.created_at.type))
    if shape.end:
        terms.append(created <= bindparam("end", type_=_todo.c.created_at.type))
    return terms


def _arms(shape: _Shape) -> list[list]:
    """The filter split into arms that each pin every equality column of one page index, so each
    arm is one ordered index range: (assigned_to, status) or (role, office_code, status)."""
    common = _common_terms(shape, seek_dates=False)
    statuses = [_todo.c.status == bindparam(f"status_{j}") for j in range(shape.statuses)]
    if not shape.by_role:
        # Whoever the user is, only the actor's own offices: the scope is the actor's, not theirs.
        mine = [_todo.c.assigned_to == bindparam("user"), not_an_index_key(_todo.c.office_code).in_(_office_binds(shape))]
        return [[*mine, status, *common] for status in statuses]
    role = _todo.c.role == bindparam("role")
    return [
        [role, _todo.c.office_code == bindparam(f"office_{i}"), status, *common]
        for i in range(shape.offices)
        for status in statuses
    ]


@lru_cache(maxsize=512)
def _page_statement(shape: _Shape, direction: str | None, limit: int):
    """Up to `limit` rows after (or before) the cursor, in page order (reversed when "before"), each
    with `total`, the filter's count, and `counted`, the rows up to the cursor ("after": through it,
    "before": short of it) — counted in the same statement, so rows and counts agree.

    With several arms each takes its own first `limit` rows from its index run, and only those few are
    merged: the sort is of at most arms x limit rows, never of the whole result. `counted` is a count
    of the index range before the cursor, so page 2 counts 50 rows, not the whole filter.
    """
    backward = direction == "before"
    order = [c.desc() for c in _KEY] if backward else list(_KEY)
    keys, cursor = tuple_(*_KEY), _key_bind("cursor")
    where = _count_terms(shape)
    counts = [select(func.count()).select_from(_todo).where(*where).scalar_subquery().label("total")]
    if direction is not None:
        upto = keys < cursor if backward else keys <= cursor
        counts.append(select(func.count()).select_from(_todo).where(*where, upto).scalar_subquery().label("counted"))
    else:
        counts.append(null().label("counted"))

    def arm(conds, *extra, joined: bool = False):
        stmt = select(*_ROW_COLUMNS, *extra).where(*conds)
        if joined:
            stmt = stmt.select_from(_todo.outerjoin(_case, _open_case(_todo.c.case_id)))
        if direction is not None:
            stmt = stmt.where(keys < cursor if backward else keys > cursor)
        return stmt.order_by(*order).limit(limit)

    arms = _arms(shape)
    if len(arms) == 1:
        # A LEFT JOIN keeps the To Do index as the outer loop: one case lookup per row of the page.
        return arm(arms[0], *_CASE_COLUMNS, _related(_todo), *counts, joined=True)
    merged = union_all(*(select(arm(conds).subquery()) for conds in arms)).subquery()
    # The counts go outside the page's own subquery: beside the union SQLite would copy them into
    # every arm and count the filter once per arm. The case too: looked up for the page's rows only.
    page = select(merged).order_by(*_page_order(merged, backward)).limit(limit).subquery("page")
    return (
        select(page, *_CASE_COLUMNS, _related(page), *counts)
        .select_from(page.outerjoin(_case, _open_case(page.c.case_id)))
        .order_by(*_page_order(page, backward))
    )


def _page_order(subquery, backward: bool) -> list:
    return [subquery.c[c.name].desc() if backward else subquery.c[c.name] for c in _KEY]


def _count_terms(shape: _Shape) -> list:
    """The whole filter in one WHERE, for counting (the arms' equalities as IN lists)."""
    if shape.by_role:
        where = [_todo.c.role == bindparam("role"), _todo.c.office_code.in_(_office_binds(shape))]
    else:
        where = [_todo.c.assigned_to == bindparam("user"), not_an_index_key(_todo.c.office_code).in_(_office_binds(shape))]
    statuses = [bindparam(f"status_{j}") for j in range(shape.statuses)]
    return [*where, _todo.c.status.in_(statuses), *_common_terms(shape)]


def _office_binds(shape: _Shape) -> list:
    return [bindparam(f"office_{i}") for i in range(shape.offices)]


@lru_cache(maxsize=256)
def _count_statement(shape: _Shape):
    return select(func.count()).select_from(_todo).where(*_count_terms(shape))


def _page_rows(conn: Connection, shape: _Shape, params: dict, cursor: Cursor | None, direction: str | None, limit: int):
    if cursor is not None:
        params = {**params, **_key_params("cursor", cursor)}
    return conn.execute(_page_statement(shape, direction, limit), params).all()


# For each page row, how many other To Dos share its case or its account: a correlated count in the
# page statement, run for the page's rows only. A To Do with a case or an account matches itself,
# hence "- 1"; counting the index entries alone (no `other.todo_id != mine.todo_id`) spares a table
# read per match.
_other = _todo.alias("other")


def _related(mine):
    """The related count of each row of `mine` (the todo table, or the page subquery)."""
    case_id, account_id = mine.c.case_id, mine.c.account_id
    others = (
        select(func.count())
        .select_from(_other)
        .where(or_(_other.c.case_id == case_id, _other.c.account_id == account_id))
        .correlate(mine)
        .scalar_subquery()
    )
    return case((and_(case_id.is_(None), account_id.is_(None)), 0), else_=others - 1).label("related")
