"""To Do management for officers (CC&B's To Do Management): see whose work waits, and move several
To Dos at once to another user or role with one logged reason.

Only an officer — a role of routing.toml's reassign.roles — manages To Dos, and only in the offices of
their scope. The moving itself is routing.reassign's, the same as `wss staff reassign`: the target
must be one who could have been forwarded each To Do (todo_rights: works its type, covers its office;
an approval only an officer who may approve it), so a reassignment never hides work where nobody may
do it; every To Do moves in the caller's one unit of work, or none does.

Unlike `todos.forward`, the To Do need not be the actor's: moving a colleague's work is the point. The
To Do's `sent_by` is left as it is, so "send back" still returns it along the chain of work rather than
to the officer who only moved it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlmodel import Session

from . import config, routing, todos
from . import text as text_rule
from .errors import Denied, Invalid
from .models import OPEN, Staff, ToDo

_todo = ToDo.__table__
MAX_AT_ONCE = todos.MAX_PAGE


def manager_refusal(role: str) -> Denied | None:
    """Why `role` may not manage others' To Dos, or None (routing.toml's reassign.roles: one rule for
    this screen and routing.reassign)."""
    allowed = config.routing_rules().reassign_roles
    if role in allowed:
        return None
    return Denied("role", f"{role} does not manage To Dos; officers do ({', '.join(allowed)})")


def may_manage(role: str) -> bool:
    return manager_refusal(role) is None


def require_manager(session: Session, actor_id: str) -> todos.Actor:
    actor = todos.load_actor(session, actor_id)
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
    """Move the marked To Dos, each as the officer saw it (its version), to `to_user` (Being Worked On,
    theirs) or to `to_role` (Open, in its office's queue): routing.reassign does the moving, the
    checks and the log, all or nothing."""
    if bool(to_user) == bool(to_role):
        raise Invalid("to", "reassign to a user ID or to a role, one of the two")
    wanted = _wanted(todo_ids_with_versions)
    actor = require_manager(session, actor_id)
    moved = routing.reassign(session, actor.user_id, list(wanted), to_user=to_user, to_role=to_role,
                             reason=reason, versions=wanted)
    if not moved:
        raise Invalid("to user", f"the marked To Dos are {to_user.strip().upper()}'s already; nothing to move")
    if to_user:
        target = session.get(Staff, moved[0].to_user)
        to_text = f"{target.user_id} ({target.name})"
    else:
        to_text = f"role {moved[0].role}"
    return Reassigned([m.todo_id for m in moved], to_text)


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


