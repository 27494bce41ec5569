"""To Dos: the search the clerk's day starts from, and every action on one To Do.

CONTRACT (filled in by the To Do store change; screens code against these names):

Search
    filter = SearchFilter(...)             # plain, frozen; defaults give "my open To Dos"
    page = search(session, actor_id, filter, after=None, before=None, limit=50) -> Page
        keyset-paged in the order (priority, created_at, todo_id); `after`/`before` are a
        row's `Cursor` (next page / previous page). `page.total` is the filter's full count,
        `page.first` the 1-based number of the first row (for "1–50 of 1,234"). Each row's `due`
        is its open case's escalation.DueInfo (due time, level, "2d left" / "3d late", warning),
        from the case LEFT JOINed in the page statement.
    todo_types() -> list[tuple[str, str]]          # (code, description) for the type filter

One To Do
    get(session, actor_id, todo_id) -> TodoDetail  (fields, characteristics, log, keys, version,
        and the carried case's `due` and SLA `compensation`)
    resolve(session, actor_id, typed) -> str       # a typed To Do ID, or a request ID's To Do
    take(session, actor_id, todo_id, version) -> TodoDetail
    forward(session, actor_id, todo_id, version, *, to_user=None, to_role=None, note) -> TodoDetail
    send_back(session, actor_id, todo_id, version, note) -> TodoDetail
    add_log(session, actor_id, todo_id, version, details) -> TodoDetail
    change_priority(session, actor_id, todo_id, version, priority, note="") -> TodoDetail
    complete(session, actor_id, todo_id, version, comment) -> TodoDetail
    assign_next(session, actor_id) -> TodoDetail | None

Every action runs inside the caller's `db.write(engine)` unit of work, checks scope and rights,
raises `errors.Stale` ("changed by X at T, reloaded") when `version` is not the current one, and
writes the To Do log.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from typing import NamedTuple

from sqlalchemy import Connection, and_, bindparam, case, func, insert, null, or_, select, tuple_, union_all, update
from sqlmodel import Session

from . import clock, config, escalation, offices, sla, timefmt, todo_rights
from . import text as text_rule
from .errors import Denied, Invalid, NotFound, Stale
from .models import (
    BEING_WORKED_ON,
    COMPLETE,
    OPEN,
    TODO_STATUSES,
    Account,
    Attachment,
    Case,
    Office,
    Staff,
    ToDo,
    ToDoCharacteristic,
    ToDoLog,
)
from .revision_rules import rules as revision_rules


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


@dataclass(frozen=True)
class TodoRow:
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


# --- rules shared by the search and the actions --------------------------------------------------

PRIORITIES = (10, 20, 30, 40, 50)  # 10 is the highest, as in CC&B
STATUS_OPEN = "open"  # the search's "Open + Being Worked On"
USER_FILTERS = ("user", "role", "queue")
MAX_TEXT = 1000  # a note, a log entry or a completion comment
MAX_PAGE = 500

_todo = ToDo.__table__
_log = ToDoLog.__table__
_staff = Staff.__table__
_office = Office.__table__
_chars = ToDoCharacteristic.__table__
_account = Account.__table__
_case = Case.__table__
_attachment = Attachment.__table__

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
    closed_at: datetime | None = None  # only open cases are joined


def _due(row, now: datetime) -> escalation.DueInfo | None:
    """A page row's due, from its LEFT JOINed case columns; None without an open case, and for a
    Complete To Do (nothing of it falls due)."""
    values = row[_N_ROW_COLUMNS:_CASE_END]
    if values[2] is None or row[_STATUS_AT] == COMPLETE:
        return None
    return escalation.due_info(_CaseDue(*values), now)
_CHAR_ORDER = {"CASE": 0, "ACCOUNT": 1, "BILL": 2}


@dataclass(frozen=True)
class _Actor:
    user_id: str
    name: str
    role: str
    scope: str  # path prefix of every office this person may see


# One Core query: the search runs on every keystroke of a filter, and two ORM session.get() calls
# (staff, office) cost more than the whole page query.
_ACTOR_QUERY = (
    select(_staff.c.user_id, _staff.c.name, _staff.c.role, _staff.c.active, _office.c.path)
    .select_from(_staff.join(_office, _office.c.code == _staff.c.office_code))
    .where(_staff.c.user_id == bindparam("user_id"))
)


def _actor(session: Session, actor_id: str) -> _Actor:
    row = session.connection().execute(_ACTOR_QUERY, {"user_id": actor_id}).first()
    if row is None or not row.active:
        raise Denied("user", f"{actor_id} is not an active staff member; log in again")
    role = config.roles().get(row.role)
    if role is None or not role.works_todos:
        what = role.description if role else "an unknown role"
        raise Denied("role", f"{row.role} ({what}) does not work To Dos")
    return _Actor(row.user_id, row.name, row.role, _scope_prefix(row.path, role.scope))


def _scope_prefix(office_path: str, scope_level: str) -> str:
    """offices.scope_path without its two ORM reads: an office's path names its ancestors in level
    order (offices.office_rows), so the ancestor at the scope level is a prefix of it.
    tests/test_todo_scope.py holds the two to the same answer for every role at every office."""
    codes = office_path.strip("/").split("/")
    depth = config.OFFICE_LEVELS.index(scope_level) + 1
    return "/" + "/".join(codes[:depth]) + "/" if depth < len(codes) else office_path


# offices.subtree_codes() as one prepared statement: building that select (autoescaped LIKE) on every
# search costs four times what running it does.
_SCOPE_CODES = select(_office.c.code).where(_office.c.path.like(bindparam("pattern"), escape="/"))


def _scope_codes(conn: Connection, actor: _Actor) -> list[str]:
    pattern = actor.scope.replace("/", "//").replace("%", "/%").replace("_", "/_") + "%"
    return list(conn.scalars(_SCOPE_CODES, {"pattern": pattern}))


_type_description = todo_rights.describe_type


def _role_description(code: str) -> str:
    role = config.roles().get(code)
    return role.description if role else code


def _text(value: str | None, field_name: str, what: str) -> str:
    text = (value or "").strip()
    if not text:
        raise Invalid(field_name, f"{what}; it cannot be empty")
    if len(text) > MAX_TEXT:
        raise Invalid(field_name, f"keep it to {MAX_TEXT} characters; it has {len(text)}")
    return text_rule.check(field_name, text)  # one line: each is typed in a one-line field, shown in a log row


def _names(conn: Connection, user_ids: set[str | None]) -> dict[str, str]:
    wanted = [u for u in user_ids if u]
    if not wanted:
        return {}
    return dict(conn.execute(select(_staff.c.user_id, _staff.c.name).where(_staff.c.user_id.in_(wanted))).all())


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
    session: Session,
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
    actor = _actor(session, actor_id)
    conn = session.connection()
    shape, params = _search_filter(conn, actor, flt)
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
    related = dict(conn.execute(_RELATED, {"ids": [r[0] for r in rows]}).all())
    now = clock.now()
    return Page(
        # Positional: _ROW_COLUMNS is TodoRow's fields without `related`, then the case's columns;
        # named Row access costs more than the page query on a 50-row page.
        rows=[
            TodoRow(*r[:4], related.get(r[0], 0), *r[4:_N_ROW_COLUMNS], _due(r, now))
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
    offices: int  # arms per status when by role (one per office); 1 for a user
    statuses: int
    todo_type: bool
    start: bool
    end: bool
    queue: bool = False  # only the To Dos assigned to nobody


def _search_filter(conn: Connection, actor: _Actor, flt: SearchFilter) -> tuple[_Shape, dict]:
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
    codes = _scope_codes(conn, actor)
    params: dict = {"codes": codes, "statuses": list(statuses), "todo_type": flt.todo_type, "start": flt.start, "end": flt.end}
    params.update({f"status_{j}": status for j, status in enumerate(statuses)})
    if flt.user_filter not in USER_FILTERS:
        raise Invalid("user filter", f"unknown user filter {flt.user_filter!r}; use {' or '.join(USER_FILTERS)}")
    if flt.user_filter == "user":
        user_id = text_rule.check("user ID", (flt.user_id or actor.user_id).strip().upper())
        if user_id != actor.user_id and conn.scalar(select(_staff.c.user_id).where(_staff.c.user_id == user_id)) is None:
            raise NotFound("user ID", f"no staff member {user_id}; check the user ID")
        params["user"] = user_id
        by_role, n_offices = False, 1
    else:
        role = text_rule.check("role", (flt.role or actor.role).strip().upper())
        if role not in config.roles():
            raise Invalid("role", f"unknown role {role}; use one of: {', '.join(config.roles())}")
        params["role"] = role
        params.update({f"office_{i}": code for i, code in enumerate(codes)})
        by_role, n_offices = True, len(codes)
    shape = _Shape(by_role, n_offices, len(statuses), bool(flt.todo_type), flt.start is not None, flt.end is not None,
                   queue=flt.user_filter == "queue")
    return shape, params


def _not_an_index_key(column):
    """`column || ''`: the same value, but no index can seek on it (SQLite's documented way to steer
    its planner, valid SQL on PostgreSQL too). Without statistics SQLite rates (office_code, status)
    as good as (assigned_to, status) and would walk every To Do of the office to find one clerk's."""
    return column + ""


def _key_bind(prefix: str):
    return tuple_(*(bindparam(f"{prefix}_{c.name}", type_=c.type) for c in _KEY))


def _key_params(prefix: str, row) -> dict:
    return {f"{prefix}_priority": row.priority, f"{prefix}_created_at": row.created_at, f"{prefix}_todo_id": row.todo_id}


def _common_terms(shape: _Shape) -> list:
    terms = []
    if shape.queue:
        # Not a seek on (assigned_to, …): every unassigned To Do of the discom is not "this queue".
        terms.append(_not_an_index_key(_todo.c.assigned_to).is_(None))
    if shape.todo_type:
        terms.append(_todo.c.todo_type == bindparam("todo_type"))
    if shape.start:
        terms.append(_todo.c.created_at >= bindparam("start", type_=_todo.c.created_at.type))
    if shape.end:
        terms.append(_todo.c.created_at <= bindparam("end", type_=_todo.c.created_at.type))
    return terms


def _arms(shape: _Shape) -> list[list]:
    """The filter split into arms that each pin every equality column of one page index, so each
    arm is one ordered index range: (assigned_to, status) or (role, office_code, status)."""
    common = _common_terms(shape)
    statuses = [_todo.c.status == bindparam(f"status_{j}") for j in range(shape.statuses)]
    if not shape.by_role:
        # Whoever the user is, only the actor's own offices: the scope is the actor's, not theirs.
        mine = [_todo.c.assigned_to == bindparam("user"), _not_an_index_key(_todo.c.office_code).in_(bindparam("codes", expanding=True))]
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
        return arm(arms[0], *_CASE_COLUMNS, *counts, joined=True)
    merged = union_all(*(select(arm(conds).subquery()) for conds in arms)).subquery()
    # The counts go outside the page's own subquery: beside the union SQLite would copy them into
    # every arm and count the filter once per arm. The case too: looked up for the page's rows only.
    page = select(merged).order_by(*_page_order(merged, backward)).limit(limit).subquery("page")
    return (
        select(page, *_CASE_COLUMNS, *counts)
        .select_from(page.outerjoin(_case, _open_case(page.c.case_id)))
        .order_by(*_page_order(page, backward))
    )


def _page_order(subquery, backward: bool) -> list:
    return [subquery.c[c.name].desc() if backward else subquery.c[c.name] for c in _KEY]


def _count_terms(shape: _Shape) -> list:
    """The whole filter in one WHERE, for counting (the arms' equalities as IN lists)."""
    if shape.by_role:
        where = [_todo.c.role == bindparam("role"), _todo.c.office_code.in_(bindparam("codes", expanding=True))]
    else:
        where = [_todo.c.assigned_to == bindparam("user"), _not_an_index_key(_todo.c.office_code).in_(bindparam("codes", expanding=True))]
    return [*where, _todo.c.status.in_(bindparam("statuses", expanding=True)), *_common_terms(shape)]


@lru_cache(maxsize=256)
def _count_statement(shape: _Shape):
    return select(func.count()).select_from(_todo).where(*_count_terms(shape))


def _page_rows(conn: Connection, shape: _Shape, params: dict, cursor: Cursor | None, direction: str | None, limit: int):
    if cursor is not None:
        params = {**params, **_key_params("cursor", cursor)}
    return conn.execute(_page_statement(shape, direction, limit), params).all()


# For each To Do, how many other To Dos share its case or its account: one grouped query per page.
# A To Do with a case or an account matches itself, hence "- 1"; counting the index entries alone
# (no `other.todo_id != mine.todo_id`) spares a table read per match.
_mine, _other = _todo.alias("mine"), _todo.alias("other")
_RELATED = (
    select(_mine.c.todo_id, func.count() - 1)
    .select_from(
        _mine.join(_other, or_(_other.c.case_id == _mine.c.case_id, _other.c.account_id == _mine.c.account_id))
    )
    .where(_mine.c.todo_id.in_(bindparam("ids", expanding=True)))
    .group_by(_mine.c.todo_id)
)


_DUE_COLUMNS = (_case.c.case_id, _case.c.request_type, _case.c.created_at, _case.c.due_at, _case.c.closed_at,
                _case.c.escalation_level)


# --- keeping a search current ----------------------------------------------------------------------


@dataclass(frozen=True)
class Watch:
    """A search's filter and the actor's role queue, checked and resolved once (actor, scope, role)
    so that each check of `changes` is one statement. Opaque to screens."""

    shape: _Shape
    params: dict = field(compare=False)


@dataclass(frozen=True)
class Changes:
    """What a search view looks like now, cheaply: a different `count` or `versions` than the last
    check means a To Do came, went or changed in the view. `waiting`: the Open To Dos of the actor's
    role in the actor's offices assigned to nobody (the role queue, whatever the view)."""

    count: int
    versions: int
    waiting: int
    role: str


def watch(session: Session, actor_id: str, flt: SearchFilter) -> Watch:
    actor = _actor(session, actor_id)
    conn = session.connection()
    shape, params = _search_filter(conn, actor, flt)
    return Watch(shape, {**params, "queue_role": actor.role, "queue_status": OPEN})


@lru_cache(maxsize=256)
def _changes_statement(shape: _Shape):
    view = _count_terms(shape)
    waiting = select(func.count()).select_from(_todo).where(
        _todo.c.role == bindparam("queue_role"),
        _todo.c.office_code.in_(bindparam("codes", expanding=True)),
        _todo.c.status == bindparam("queue_status"),
        _not_an_index_key(_todo.c.assigned_to).is_(None),
    )
    return select(
        select(func.count()).select_from(_todo).where(*view).scalar_subquery(),
        select(func.coalesce(func.sum(_todo.c.version), 0)).select_from(_todo).where(*view).scalar_subquery(),
        waiting.scalar_subquery(),
    )


def changes(session: Session, watched: Watch) -> Changes:
    """One statement over the view's index range and the role queue's: a poll every few seconds from
    every open search must cost no more than a page count. No LISTEN/NOTIFY: it runs through
    PgBouncer in transaction mode. Every change of a To Do bumps its `version`, so a sum of versions
    moves whenever one in the view changes, and the count whenever one comes or goes."""
    count, versions, waiting = session.connection().execute(_changes_statement(watched.shape), watched.params).one()
    return Changes(int(count), int(versions), int(waiting), watched.params["queue_role"])


# --- one To Do -----------------------------------------------------------------------------------


def get(session: Session, actor_id: str, todo_id: str) -> TodoDetail:
    actor = _actor(session, actor_id)
    conn = session.connection()
    return _detail(conn, _load(conn, actor, todo_id))


def resolve(session: Session, actor_id: str, typed: str) -> str:
    """The To Do ID that `typed` means: a 14-digit To Do ID as it is, or — what a consumer quotes on
    the phone — a 10-digit request ID, for which the To Do of that case in the actor's offices that is
    most theirs to work: assigned to them first, open before complete, then in page order."""
    actor = _actor(session, actor_id)
    conn = session.connection()
    typed = "".join((typed or "").split())
    if len(typed) == 14 and typed.isdigit():
        return _load(conn, actor, typed).todo_id
    if not (len(typed) == 10 and typed.isdigit()):
        raise Invalid("ID", "type a 14-digit To Do ID or the consumer's 10-digit request ID")
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


def _load(conn: Connection, actor: _Actor, todo_id: str):
    todo_id = (todo_id or "").strip()
    row = conn.execute(
        select(_todo, _office.c.path, _office.c.name.label("office_name"))
        .select_from(_todo.join(_office, _office.c.code == _todo.c.office_code))
        .where(_todo.c.todo_id == todo_id)
    ).one_or_none()
    # Outside the actor's offices looks the same as not there at all.
    if row is None or not row.path.startswith(actor.scope):
        raise NotFound("To Do", f"no To Do {todo_id} in your offices; check the To Do ID")
    return row


def _detail(conn: Connection, row) -> TodoDetail:
    names = _names(conn, {row.assigned_to, row.sent_by})
    chars = sorted(
        conn.execute(select(_chars.c.char_type, _chars.c.value).where(_chars.c.todo_id == row.todo_id)).all(),
        key=lambda c: (_CHAR_ORDER.get(c.char_type, len(_CHAR_ORDER)), c.char_type),
    )
    log = conn.execute(
        select(_log.c.at, _log.c.log_type, _log.c.details, _log.c.user_id, _staff.c.name, _log.c.assigned_to)
        .select_from(_log.outerjoin(_staff, _staff.c.user_id == _log.c.user_id))
        .where(_log.c.todo_id == row.todo_id)
        .order_by(_log.c.at, _log.c.id)
    ).all()
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
        keys=_keys(conn, row, dict(chars)),
        **_case_due(conn, row.case_id or dict(chars).get("CASE")),
    )


def _case_due(conn: Connection, case_id: str | None) -> dict:
    """The carried case's due time, level and warnings, and its compensation (sla.for_case)."""
    if not case_id:
        return {}
    case_row = conn.execute(select(*_DUE_COLUMNS).where(_case.c.case_id == case_id)).first()
    if case_row is None:
        return {}
    now = clock.now()
    return {
        "due": escalation.due_info(case_row, now),
        "compensation": sla.compensation_on(conn, case_id, now),
    }


def _keys(conn: Connection, row, chars: dict[str, str]) -> list[tuple[str, str]]:
    account_id = row.account_id or chars.get("ACCOUNT")
    case_id = row.case_id or chars.get("CASE")
    bill_no = chars.get("BILL")
    if bill_no is None and case_id:
        bill_no = conn.scalar(select(_case.c.bill_no).where(_case.c.case_id == case_id))
    keys = []
    if account_id:
        keys.append(("Account ID", account_id))
    if case_id:
        keys.append(("Case ID", case_id))
    if bill_no:
        keys.append(("Bill Number", bill_no))
    if account_id:
        account = conn.execute(
            select(_account.c.person_name, _account.c.premise_address).where(_account.c.account_id == account_id)
        ).first()
        if account is not None:
            keys += [("Person", account.person_name), ("Premise", account.premise_address)]
    if case_id:
        # The consumer's evidence: the clerk must know it is there (the content stays in the store).
        files = conn.execute(
            select(_attachment.c.filename, _attachment.c.content_type, _attachment.c.size)
            .where(_attachment.c.case_id == case_id).order_by(_attachment.c.id)
        ).all()
        keys += [("Attachment", f"{f.filename} ({f.content_type}, {_size(f.size)})") for f in files]
    return keys


def _size(n: int) -> str:
    return f"{n:,} bytes" if n < 1024 else f"{n / 1024:,.0f} KB" if n < 1024 * 1024 else f"{n / 1024 / 1024:.1f} MB"


# --- actions -------------------------------------------------------------------------------------


def _begin(session: Session, actor_id: str, todo_id: str, version: int, *, note_only: bool = False):
    """The actor, a connection in the caller's unit of work, and the To Do as it is now — refused
    when it is out of scope, changed since the caller read it, or already Complete; and, unless the
    action only adds a note, when the actor may not work it (_require_worker)."""
    actor = _actor(session, actor_id)
    conn = session.connection()
    row = _load(conn, actor, todo_id)
    if row.version != version:
        raise _stale(conn, row.todo_id)
    if row.status == COMPLETE:
        raise Invalid(
            "status",
            f"To Do {row.todo_id} was completed on {timefmt.show(row.completed_at)}; a Complete To Do cannot be changed",
        )
    if not note_only:
        _require_worker(session, actor, row)
    return actor, conn, row


# --- who may work a To Do, and be handed it (store/todo_rights.py) ---------------------------------


def _require_worker(session: Session, actor: _Actor, row) -> None:
    """Only the roles that work the To Do's type take, forward, send back, reprioritise or complete it;
    an approval only an officer who may approve it, never its maker."""
    refusal = todo_rights.work_refusal(session, actor.user_id, actor.role, row)
    if refusal is not None:
        raise refusal


def _require_handover(session: Session, staff: Staff, row, field_name: str) -> None:
    refusal = todo_rights.handover_refusal(session, staff, row, field_name)
    if refusal is not None:
        raise refusal


def _require_role_target(session: Session, role: str, row) -> None:
    refusal = todo_rights.role_refusal(session, role, row)
    if refusal is not None:
        raise refusal


def _stale(conn: Connection, todo_id: str) -> Stale:
    return Stale("", f"{stale_line(conn, todo_id)}; reloaded — look again and retry")


def stale_line(conn: Connection, todo_id: str) -> str:
    """Who changed the To Do last, and when: "To Do X was changed by NAME at T"."""
    last = conn.execute(
        select(_log.c.at, _log.c.user_id, _staff.c.name)
        .select_from(_log.outerjoin(_staff, _staff.c.user_id == _log.c.user_id))
        .where(_log.c.todo_id == todo_id)
        .order_by(_log.c.at.desc(), _log.c.id.desc())
        .limit(1)
    ).first()
    if last is None:
        who = "someone else"
    else:
        who = last.name or last.user_id or "the system"
    when = f" at {timefmt.show(last.at)}" if last is not None else ""
    return f"To Do {todo_id} was changed by {who}{when}"


def _apply(conn: Connection, actor: _Actor, row, log_type: str, details: str, **values) -> TodoDetail:
    """Write the change only if nobody else wrote since `row` was read, log it, return the result."""
    done = conn.execute(
        update(_todo)
        .where(_todo.c.todo_id == row.todo_id, _todo.c.version == row.version)
        .values(version=_todo.c.version + 1, **values)
    )
    if done.rowcount != 1:
        raise _stale(conn, row.todo_id)
    conn.execute(
        insert(_log).values(
            todo_id=row.todo_id,
            at=clock.now(),
            log_type=log_type,
            details=details,
            user_id=actor.user_id,
            assigned_to=values.get("assigned_to", row.assigned_to),
        )
    )
    return _detail(conn, _load(conn, actor, row.todo_id))


def _holder_name(conn: Connection, row) -> str:
    return _names(conn, {row.assigned_to}).get(row.assigned_to, row.assigned_to)


def _held_by_other(todo_id: str, holder: str) -> Denied:
    return Denied("assigned to", f"To Do {todo_id} is being worked on by {holder}; ask them to forward it or send it back")


def holder_refusal(detail: TodoDetail, actor_id: str, doing: str) -> Denied | None:
    """Why `actor_id` may not do what only the one working the To Do does (close its case, propose a
    revision …), or None. `doing` finishes "only the one working it …", e.g. "closes the case".

    Held by someone else: say who, so the actor asks them rather than pressing `t` to be told."""
    if detail.status == BEING_WORKED_ON and detail.assigned_to == actor_id:
        return None
    if detail.status == BEING_WORKED_ON:
        return _held_by_other(detail.todo_id, detail.assigned_to_name or detail.assigned_to or "someone else")
    return Denied("assigned to", f"take To Do {detail.todo_id} first (t): only the one working it {doing}")


def _require_holder(conn: Connection, actor: _Actor, row, doing: str) -> None:
    """An Open To Do is anyone's in scope; one being worked on is its assignee's alone.
    `doing` is the action with its object in place: "forward it", "send it back"."""
    if row.status == BEING_WORKED_ON and row.assigned_to != actor.user_id:
        raise Denied(
            "assigned to",
            f"To Do {row.todo_id} is being worked on by {_holder_name(conn, row)}; only they can {doing}",
        )


def _colleague(session: Session, user_id: str | None, row, field_name: str) -> Staff:
    """A staff member who can be handed this To Do: active, works To Dos, covers its office."""
    user_id = (user_id or "").strip().upper()
    if not user_id:
        raise Invalid(field_name, "give the user ID of the person to send it to")
    staff = session.get(Staff, user_id)
    if staff is None:
        raise NotFound(field_name, f"no staff member {user_id}; check the user ID")
    if not staff.active:
        raise Invalid(field_name, f"{user_id} ({staff.name}) is no longer active; choose someone else")
    role = config.roles().get(staff.role)
    if role is None or not role.works_todos:
        raise Invalid(field_name, f"{user_id} ({staff.name}) is {staff.role} and does not work To Dos; choose someone else")
    if not offices.in_scope(session, staff, row.office_code):
        raise Invalid(
            field_name,
            f"{user_id} ({staff.name}) does not cover {row.office_code}, the To Do's office; choose someone who does",
        )
    _require_handover(session, staff, row, field_name)
    return staff


def take(session: Session, actor_id: str, todo_id: str, version: int) -> TodoDetail:
    """Open → Being Worked On, assigned to the actor."""
    actor, conn, row = _begin(session, actor_id, todo_id, version)
    return _take(conn, actor, row, "Taken from the queue")


def _take(conn: Connection, actor: _Actor, row, details: str) -> TodoDetail:
    if row.status == BEING_WORKED_ON:
        if row.assigned_to == actor.user_id:
            return _detail(conn, row)  # already the actor's: nothing to change
        raise _held_by_other(row.todo_id, _holder_name(conn, row))
    now = clock.now()
    return _apply(
        conn, actor, row, "Assigned", details, status=BEING_WORKED_ON, assigned_to=actor.user_id, last_assigned_at=now
    )


def forward(
    session: Session,
    actor_id: str,
    todo_id: str,
    version: int,
    *,
    to_user: str | None = None,
    to_role: str | None = None,
    note: str,
) -> TodoDetail:
    """Hand the To Do to a colleague (Being Worked On, theirs) or to a role (Open, unassigned)."""
    if bool(to_user) == bool(to_role):
        raise Invalid("to", "forward to a user ID or to a role, one of the two")
    note = _text(note, "note", "say why you forward it")
    text_rule.check("to user" if to_user else "to role", to_user or to_role)
    actor, conn, row = _begin(session, actor_id, todo_id, version)
    _require_holder(conn, actor, row, "forward it")
    if to_user:
        target = _colleague(session, to_user, row, "to user")
        if target.user_id == actor.user_id:
            raise Invalid("to user", "you cannot forward a To Do to yourself; take it instead")
        return _apply(
            conn,
            actor,
            row,
            "Forwarded",
            f"To {target.user_id} ({target.name}): {note}",
            status=BEING_WORKED_ON,
            assigned_to=target.user_id,
            role=target.role,
            sent_by=actor.user_id,
            last_assigned_at=clock.now(),
        )
    code = to_role.strip().upper()
    role = config.roles().get(code)
    if role is None or not role.works_todos:
        known = ", ".join(c for c, r in config.roles().items() if r.works_todos)
        raise Invalid("to role", f"{code} is not a role that works To Dos; use one of: {known}")
    _require_role_target(session, code, row)
    return _apply(
        conn,
        actor,
        row,
        "Forwarded",
        f"To role {code}: {note}",
        status=OPEN,
        assigned_to=None,
        role=code,
        sent_by=actor.user_id,
    )


def send_back(session: Session, actor_id: str, todo_id: str, version: int, note: str) -> TodoDetail:
    """Return the To Do to whoever last forwarded it."""
    note = _text(note, "note", "say why you send it back")
    actor, conn, row = _begin(session, actor_id, todo_id, version)
    _require_holder(conn, actor, row, "send it back")
    if row.sent_by is None:
        raise Invalid("sent by", f"nobody forwarded To Do {row.todo_id}, so there is no one to send it back to; forward it instead")
    if row.sent_by == actor.user_id:
        raise Invalid("sent by", f"you forwarded To Do {row.todo_id} last; forward it to someone else instead")
    target = _colleague(session, row.sent_by, row, "sent by")
    return _apply(
        conn,
        actor,
        row,
        "Sent Back",
        f"To {target.user_id} ({target.name}): {note}",
        status=BEING_WORKED_ON,
        assigned_to=target.user_id,
        role=target.role,
        sent_by=actor.user_id,
        last_assigned_at=clock.now(),
    )


def add_log(session: Session, actor_id: str, todo_id: str, version: int, details: str) -> TodoDetail:
    """A "User Details" entry: what the actor found or did."""
    details = _text(details, "details", "type what you found or did")
    actor, conn, row = _begin(session, actor_id, todo_id, version, note_only=True)
    return _apply(conn, actor, row, "User Details", details)


def change_priority(
    session: Session, actor_id: str, todo_id: str, version: int, priority: int, note: str = ""
) -> TodoDetail:
    if isinstance(priority, bool) or priority not in PRIORITIES:
        raise Invalid("priority", f"{priority!r} is not a priority; use 10 (highest), 20, 30, 40 or 50")
    note = (note or "").strip()
    if len(note) > MAX_TEXT:
        raise Invalid("note", f"keep it to {MAX_TEXT} characters; it has {len(note)}")
    text_rule.check("note", note)
    actor, conn, row = _begin(session, actor_id, todo_id, version)
    if priority == row.priority:
        raise Invalid("priority", f"To Do {row.todo_id} is already priority {priority}")
    details = f"Priority {row.priority} -> {priority}" + (f": {note}" if note else "")
    return _apply(conn, actor, row, "Priority Changed", details, priority=priority)


def complete(session: Session, actor_id: str, todo_id: str, version: int, comment: str) -> TodoDetail:
    """Being Worked On (by the actor) → Complete, with the comment saying what was done."""
    comment = _text(comment, "comment", "say what was done")
    actor, conn, row = _begin(session, actor_id, todo_id, version)
    if row.status == OPEN:
        raise Denied("status", f"To Do {row.todo_id} is Open; take it before completing it")
    if row.assigned_to != actor.user_id:
        raise Denied(
            "assigned to",
            f"To Do {row.todo_id} is being worked on by {_holder_name(conn, row)}; only they can complete it",
        )
    _refuse_open_complaint(session, conn, row)
    now = clock.now()
    return _apply(conn, actor, row, "Completed", comment, status=COMPLETE, completed_at=now, comment=comment)


def working_todo_types() -> frozenset[str]:
    """The To Do types that work a consumer's request (data/request_types.toml): each is done only by
    closing its case. Approval, review, audit and escalation To Dos carry the case too, and are done
    while it stays open."""
    return frozenset(rt.todo_type for rt in config.request_types().values())


def _refuse_open_complaint(session: Session, conn: Connection, row) -> None:
    """A request's working To Do completes with its case (closure.close closes the case first): never
    on its own, which would leave the consumer's case open with nobody working it."""
    if row.todo_type not in working_todo_types():
        return
    case_id = row.case_id or conn.scalar(
        select(_chars.c.value).where(_chars.c.todo_id == row.todo_id, _chars.c.char_type == "CASE")
    )
    # session.get: a case closed in this unit of work but not yet flushed is seen as closed.
    case = session.get(Case, case_id) if case_id else None
    if case is not None and case.closed_at is None:
        raise Invalid(
            "To Do",
            f"To Do {row.todo_id} works case {case.case_id}, which is still open; close the case with the "
            "consumer's OTP (c in the app), which completes the To Do",
        )


def assign_next(session: Session, actor_id: str) -> TodoDetail | None:
    """Take the highest-priority, oldest Open To Do of the actor's role in their offices; None when
    there is none left.

    On PostgreSQL `FOR UPDATE SKIP LOCKED` makes two clerks asking at once get different To Dos (the
    second skips the row the first holds); SQLite renders no FOR UPDATE, and needs none: write()'s
    BEGIN IMMEDIATE already runs one writer at a time.

    Only a To Do the actor may work (todo_rights): of a type their role works, and an approval only if
    they may approve it — one they proposed, or beyond their power, is passed over for the next.
    """
    actor = _actor(session, actor_id)
    conn = session.connection()
    terms = [
        _todo.c.role == actor.role,
        _todo.c.office_code.in_(_scope_codes(conn, actor)),
        _todo.c.status == OPEN,
        # Seek on (role, office, status), the actor's own queue; let SQLite seek on
        # (assigned_to IS NULL, status) and it walks every unassigned To Do of every office.
        _not_an_index_key(_todo.c.assigned_to).is_(None),
        _todo.c.todo_type.in_(todo_rights.types_worked_by(actor.role)),
    ]
    passed_over: list[str] = []
    while True:
        pick = select(_todo.c.todo_id).where(*terms).order_by(*_KEY).limit(1).with_for_update(skip_locked=True)
        if passed_over:
            pick = pick.where(_todo.c.todo_id.not_in(passed_over))
        todo_id = conn.scalar(pick)
        if todo_id is None:
            return None
        row = _load(conn, actor, todo_id)
        if todo_rights.work_refusal(session, actor.user_id, actor.role, row) is None:
            return _take(conn, actor, row, "Assigned as the next To Do")
        passed_over.append(todo_id)
