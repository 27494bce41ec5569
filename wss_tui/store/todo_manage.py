"""To Do management for officers (CC&B's To Do Management): see whose work waits, and move several
To Dos at once to another user or role with one logged reason.

Only an officer — a role with financial powers in data/powers.toml (SDO, EE and above) — manages To
Dos, and only in the offices of their scope (todos._actor / _load: out of scope is "not found"). The
target must be one who could have been forwarded each To Do (todos._colleague, todo_rights: works its
type, covers its office; an approval only an officer who may approve it), so a reassignment never
hides work where nobody may do it. Every To Do of a reassignment moves in the caller's one unit of
work, or none does.

Unlike `todos.forward`, the To Do need not be the actor's: moving a colleague's work is the point. The
To Do's `sent_by` is left as it is, so "send back" still returns it along the chain of work rather than
to the officer who only moved it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import insert, select, update
from sqlmodel import Session

from . import clock, config, todos
from . import text as text_rule
from .errors import Denied, Invalid, Stale
from .models import BEING_WORKED_ON, COMPLETE, OPEN, ToDo, ToDoLog
from .revision_rules import approvers

_todo = ToDo.__table__
_log = ToDoLog.__table__

LOG_TYPE = "Reassigned"
MAX_AT_ONCE = todos.MAX_PAGE


def officer_roles() -> tuple[str, ...]:
    """The roles that manage To Dos: those with financial powers (powers.toml), lowest first."""
    return tuple(a.role for a in approvers())


def manager_refusal(role: str) -> Denied | None:
    """Why `role` may not manage others' To Dos, or None."""
    if role in officer_roles():
        return None
    return Denied("role", f"{role} does not manage To Dos; officers do ({', '.join(officer_roles())})")


def may_manage(role: str) -> bool:
    return manager_refusal(role) is None


def require_manager(session: Session, actor_id: str) -> todos._Actor:
    actor = todos._actor(session, actor_id)
    refusal = manager_refusal(actor.role)
    if refusal is not None:
        raise refusal
    return actor


@dataclass(frozen=True)
class ManagedPage:
    """A page of open To Dos to manage, with each row's version (what a reassignment is checked against)."""

    page: todos.Page
    versions: dict[str, int]


def open_todos(
    session: Session,
    actor_id: str,
    *,
    user_id: str | None = None,
    role: str | None = None,
    after: todos.Cursor | None = None,
    before: todos.Cursor | None = None,
    limit: int = 50,
) -> ManagedPage:
    """The open To Dos of one user (Open or Being Worked On, assigned to them), or of one role's queue
    (Open, in the actor's offices), a page at a time as the To Do Search pages them."""
    if bool(user_id) == bool(role):
        raise Invalid("to", "list one user's To Dos or one role's queue")
    require_manager(session, actor_id)
    if user_id:
        flt = todos.SearchFilter(user_filter="user", user_id=user_id, status=todos.STATUS_OPEN)
    else:
        flt = todos.SearchFilter(user_filter="role", role=role, status=OPEN)
    page = todos.search(session, actor_id, flt, after=after, before=before, limit=limit)
    ids = [r.todo_id for r in page.rows]
    versions: dict[str, int] = {}
    if ids:
        found = session.connection().execute(select(_todo.c.todo_id, _todo.c.version).where(_todo.c.todo_id.in_(ids)))
        versions = dict(found.all())
    return ManagedPage(page, versions)


@dataclass(frozen=True)
class Reassigned:
    todo_ids: list[str]
    to_text: str  # "INR1-SDC2 (Name)" or "role TR-SDC"


def reassign(
    session: Session,
    actor_id: str,
    todo_ids_with_versions: Sequence[tuple[str, int]],
    to_user: str | None = None,
    to_role: str | None = None,
    reason: str = "",
) -> Reassigned:
    """Move each To Do (as of its version) to `to_user` (Being Worked On, theirs) or to `to_role`
    (Open, in its office's queue), logging "From A to B by <officer>: <reason>" on each."""
    if bool(to_user) == bool(to_role):
        raise Invalid("to", "reassign to a user ID or to a role, one of the two")
    reason = todos._text(reason, "reason", "say why they are reassigned")
    text_rule.check("to user" if to_user else "to role", to_user or to_role)
    wanted = _wanted(todo_ids_with_versions)
    actor = require_manager(session, actor_id)
    conn = session.connection()
    rows = [todos._load(conn, actor, todo_id) for todo_id in wanted]
    changed = [row for row in rows if row.version != wanted[row.todo_id]]
    if changed:
        raise _stale(conn, changed)
    for row in rows:
        if row.status == COMPLETE:
            raise Invalid("To Do", f"To Do {row.todo_id} is Complete; only open To Dos are reassigned")
    now = clock.now()
    names = todos._names(conn, {row.assigned_to for row in rows})
    if to_user:
        targets = [todos._colleague(session, to_user, row, "to user") for row in rows]
        target = targets[0]
        to_text = f"{target.user_id} ({target.name})"
        for row in rows:
            if row.status == BEING_WORKED_ON and row.assigned_to == target.user_id:
                raise Invalid("to user", f"To Do {row.todo_id} is {target.user_id}'s already; unmark it")
        values = dict(status=BEING_WORKED_ON, assigned_to=target.user_id, role=target.role, last_assigned_at=now)
    else:
        code = to_role.strip().upper()
        role = config.roles().get(code)
        if role is None or not role.works_todos:
            known = ", ".join(c for c, r in config.roles().items() if r.works_todos)
            raise Invalid("to role", f"{code} is not a role that works To Dos; use one of: {known}")
        for row in rows:
            if row.status == OPEN and row.role == code:
                raise Invalid("to role", f"To Do {row.todo_id} waits in the {code} queue already; unmark it")
            todos._require_role_target(session, code, row)
        to_text = f"role {code}"
        values = dict(status=OPEN, assigned_to=None, role=code)
    for row in rows:
        done = conn.execute(
            update(_todo)
            .where(_todo.c.todo_id == row.todo_id, _todo.c.version == row.version)
            .values(version=_todo.c.version + 1, **values)
        )
        if done.rowcount != 1:
            raise _stale(conn, [row])
        conn.execute(
            insert(_log).values(
                todo_id=row.todo_id, at=now, log_type=LOG_TYPE, user_id=actor.user_id,
                details=f"From {_from_text(row, names)} to {to_text} by {actor.user_id}: {reason}",
                assigned_to=values["assigned_to"],
            )
        )
    return Reassigned([row.todo_id for row in rows], to_text)


def _wanted(todo_ids_with_versions: Sequence[tuple[str, int]]) -> dict[str, int]:
    wanted: dict[str, int] = {}
    for todo_id, version in todo_ids_with_versions:
        todo_id = text_rule.check("To Do", (todo_id or "").strip())
        if todo_id in wanted:
            raise Invalid("To Do", f"To Do {todo_id} is listed twice")
        wanted[todo_id] = version
    if not wanted:
        raise Invalid("To Do", "mark the To Dos to reassign (space marks one, a the whole page)")
    if len(wanted) > MAX_AT_ONCE:
        raise Invalid("To Do", f"reassign up to {MAX_AT_ONCE} To Dos at once; {len(wanted)} are marked")
    return wanted


def _from_text(row, names: dict[str, str]) -> str:
    if row.status == BEING_WORKED_ON and row.assigned_to:
        name = names.get(row.assigned_to)
        return f"{row.assigned_to} ({name})" if name else row.assigned_to
    return f"role {row.role}"


def _stale(conn, rows) -> Stale:
    """One line naming every To Do that changed since the officer read it (and who changed the first)."""
    ids = [row.todo_id for row in rows]
    first = todos._stale(conn, ids[0]).message  # "To Do X was changed by Y at T; reloaded — …"
    head = first.split(";")[0]
    if len(ids) == 1:
        return Stale("To Do", f"{head}; nothing was reassigned — look again and mark it again")
    rest = ", ".join(ids[1:])
    return Stale("To Do", f"{len(ids)} To Dos changed since you read them: {head}; also {rest}. "
                          "Nothing was reassigned — look again and mark them again")
