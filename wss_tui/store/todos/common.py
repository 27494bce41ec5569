"""What the To Do search, detail and actions share: the tables, the limits, and the actor with the
scope of offices they may see (decided here once, for every query of the package)."""

from __future__ import annotations

from dataclasses import dataclass

from functools import lru_cache

from sqlalchemy import Connection, bindparam, case, func, null, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.visitors import InternalTraversal
from sqlmodel import Session

from .. import config, todo_rights
from .. import text as text_rule
from ..errors import Denied
from ..models import (
    Account,
    Attachment,
    Case,
    Office,
    Staff,
    ToDo,
    ToDoCharacteristic,
    ToDoLog,
)

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

_CHAR_ORDER = {"CASE": 0, "ACCOUNT": 1, "BILL": 2}


@dataclass(frozen=True)
class Actor:
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


def connection_of(unit: Session | Connection) -> Connection:
    """The Core connection of a unit of work: db.read_rows' own (a screen's read), or an ORM session's
    (an action inside db.write, a read that also loads objects)."""
    return unit if isinstance(unit, Connection) else unit.connection()


def load_actor(unit: Session | Connection, actor_id: str) -> Actor:
    return _actor(actor_id, connection_of(unit).execute(_ACTOR_QUERY, {"user_id": actor_id}).first())


def _actor(actor_id: str, row) -> Actor:
    if row is None or not row.active:
        raise Denied("user", f"{actor_id} is not an active staff member; log in again")
    role = config.roles().get(row.role)
    if role is None or not role.works_todos:
        what = role.description if role else "an unknown role"
        raise Denied("role", f"{row.role} ({what}) does not work To Dos")
    return Actor(row.user_id, row.name, row.role, scope_prefix(row.path, role.scope))


def scope_prefix(office_path: str, scope_level: str) -> str:
    """offices.scope_path without its two ORM reads: an office's path names its ancestors in level
    order (offices.office_rows), so the ancestor at the scope level is a prefix of it.
    tests/test_todo_scope.py holds the two to the same answer for every role at every office."""
    codes = office_path.strip("/").split("/")
    depth = config.OFFICE_LEVELS.index(scope_level) + 1
    return "/" + "/".join(codes[:depth]) + "/" if depth < len(codes) else office_path


# offices.subtree_codes() as one prepared statement: building that select (autoescaped LIKE) on every
# search costs four times what running it does.
_SCOPE_CODES = select(_office.c.code).where(_office.c.path.like(bindparam("pattern"), escape="/"))


@lru_cache(maxsize=8)
def _actor_scope_query(role_levels: tuple[tuple[str, str], ...]):
    """The actor and the codes of every office in their scope, in one statement (one row per
    office): the search's first round trip does what load_actor and scope_codes did in two.

    The scope is scope_prefix's, found through the office table: the ancestor at the role's scope
    level is the office of that level whose path begins the actor's office path; none (the actor sits
    above that level) leaves the actor's own office, as scope_prefix does."""
    staff_office, anc, member = _office.alias("staff_office"), _office.alias("anc"), _office.alias("member")
    level = case(*((_staff.c.role == code, level) for code, level in role_levels), else_=null()) if role_levels else null()
    ancestor = (
        select(anc.c.path)
        .where(anc.c.level == level, func.substr(staff_office.c.path, 1, func.length(anc.c.path)) == anc.c.path)
        .correlate(_staff, staff_office)  # one office of a level begins a path: no LIMIT needed
        .scalar_subquery()
    )
    actor = (
        select(_staff.c.user_id, _staff.c.name, _staff.c.role, _staff.c.active, staff_office.c.path,
               func.coalesce(ancestor, staff_office.c.path).label("scope"))
        .select_from(_staff.join(staff_office, staff_office.c.code == _staff.c.office_code))
        .where(_staff.c.user_id == bindparam("user_id"))
        .cte("actor")
        # Once, not once per office row of the join below (SQLite would flatten it into the join).
        .prefix_with("MATERIALIZED")
    )
    return (
        select(actor, member.c.code)
        .select_from(actor.outerjoin(member, func.substr(member.c.path, 1, func.length(actor.c.scope)) == actor.c.scope))
    )


def load_actor_scope(conn: Connection, actor_id: str) -> tuple[Actor, list[str]]:
    """load_actor() and scope_codes() in one round trip, for the search."""
    role_levels = tuple(sorted((code, role.scope) for code, role in config.roles().items()))
    rows = conn.execute(_actor_scope_query(role_levels), {"user_id": actor_id}).all()
    actor = _actor(actor_id, rows[0] if rows else None)
    return actor, [r.code for r in rows if r.code is not None]


def scope_codes(conn: Connection, actor: Actor) -> list[str]:
    pattern = actor.scope.replace("/", "//").replace("%", "/%").replace("_", "/_") + "%"
    return list(conn.scalars(_SCOPE_CODES, {"pattern": pattern}))


def _type_description(code: str) -> str:
    return todo_rights.describe_type(code)  # at call time: todo_rights → revision → todos imports in a circle


def _role_description(code: str) -> str:
    role = config.roles().get(code)
    return role.description if role else code


def _text(value: str | None, field_name: str, what: str) -> str:
    # One line: each is typed in a one-line field, shown in a log row.
    return text_rule.typed(field_name, value, minimum=1, maximum=MAX_TEXT, too_short=what + "; it cannot be empty")


_NAMES = select(_staff.c.user_id, _staff.c.name).where(_staff.c.user_id.in_(bindparam("ids", expanding=True)))


def staff_text(user_id: str, name: str | None) -> str:
    """A staff member as staff name each other, everywhere a screen or a message names one:
    "VERMA,HARISH (INR1-SDC2)" — the name, and the user ID they know each other by."""
    return f"{name} ({user_id})" if name else user_id


def _names(conn: Connection, user_ids: set[str | None]) -> dict[str, str]:
    wanted = [u for u in user_ids if u]
    if not wanted:
        return {}
    return dict(conn.execute(_NAMES, {"ids": wanted}).all())


def not_an_index_key(column):
    """`column || ''`: the same value, but no index can seek on it (SQLite's documented way to steer
    its planner, valid SQL on PostgreSQL too). Without statistics SQLite rates (office_code, status)
    as good as (assigned_to, status) and would walk every To Do of the office to find one clerk's."""
    return column + ""


class page_order_only(ColumnElement):
    """A column SQLite may not seek on (its documented unary `+`), the column itself elsewhere.

    A page over a date range must walk its page index in page order: with ix_todo_role_created
    (created_at right after the equalities) SQLite seeks the range, then reads every To Do in it from
    the table and sorts them all for 20 rows — 10 ms for a month of a sub-division at 1,000,000 To Dos.
    The count over the same range should seek it, and does."""

    inherit_cache = True
    _traverse_internals = [("column", InternalTraversal.dp_clauseelement)]

    def __init__(self, column):
        self.column = column
        self.type = column.type


@compiles(page_order_only)
def _page_order_only_default(element, compiler, **kw):
    return compiler.process(element.column, **kw)


@compiles(page_order_only, "sqlite")
def _page_order_only_sqlite(element, compiler, **kw):
    return f"+{compiler.process(element.column, **kw)}"
