"""Moving open To Dos off a person (on leave, transferred): to a named user, to a role's queue, or
re-routed by the rule (pick.py) among the others of their role; one log entry each, all or nothing."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import Connection, insert, select, update
from sqlmodel import Session

from .. import config, offices
from .. import text as text_rule
from ..errors import Denied, Invalid, NotFound, Stale
from ..models import BEING_WORKED_ON, COMPLETE, Office, Staff, ToDo, ToDoLog
from .pick import OPEN_STATUSES, Approval, Pick, Target, assignment, planner

_todo = ToDo.__table__
_log = ToDoLog.__table__
_staff = Staff.__table__
_office = Office.__table__
MAX_REASON = 1000


@dataclass(frozen=True)
class Moved:
    todo_id: str
    from_user: str | None
    to_user: str | None  # None: now Open in `role`'s queue
    role: str
    details: str  # the log entry written


def reassign(
    session: Session,
    actor_id: str | None,
    todo_ids: Sequence[str],
    to_user: str | None = None,
    to_role: str | None = None,
    *,
    reason: str,
    by: str | None = None,
    versions: Mapping[str, int] | None = None,
) -> list[Moved]:
    """Move open To Dos, in the caller's one unit of work: to `to_user` (Being Worked On, theirs), to
    `to_role`'s queue (Open), or — neither given — each re-routed by the rule among the others of its
    role. One log entry per To Do with the reason; all or nothing. A To Do already `to_user`'s is
    left as it is and not in the result.

    `actor_id` is the officer doing it (their role in routing.toml's reassign.roles, every To Do in
    their offices), or None for the administrator at the shell (`wss staff reassign`), named by `by`.
    `versions` (the officers' screen): each To Do as the officer saw it; if any changed since, nothing
    moves and one line names every one that did.
    """
    if to_user and to_role:
        raise Invalid("to", "move them to a user or to a role, not both")
    reason = text_rule.typed("reason", reason, minimum=1, maximum=MAX_REASON, one_spaced=True,
                             too_short="say why they are moved (on leave, transferred …); it goes in each To Do's log")
    ids = sorted({text_rule.check("To Do", (t or "").strip()) for t in todo_ids})
    if not ids:
        raise Invalid("To Do", "choose at least one To Do to move")
    scope, who = _reassigner(session, actor_id, by)
    conn = session.connection()
    # Locked in To Do ID order (PostgreSQL), so two officers moving overlapping sets wait, not deadlock
    # (store/locking.py). FOR NO KEY UPDATE: no key changes, and a log entry inserted beside a marked
    # To Do (the sweep's "Escalated") checks its key without waiting for the move.
    rows = {
        r.todo_id: r
        for r in conn.execute(
            select(_todo, _office.c.path)
            .select_from(_todo.join(_office, _office.c.code == _todo.c.office_code))
            .where(_todo.c.todo_id.in_(ids))
            .order_by(_todo.c.todo_id)
            .with_for_update(of=_todo, key_share=True)
        )
    }
    for todo_id in ids:
        row = rows.get(todo_id)
        if row is None or (scope is not None and not row.path.startswith(scope)):
            raise NotFound("To Do", f"no To Do {todo_id} in your offices")
        if row.status == COMPLETE:
            raise Invalid("To Do", f"To Do {todo_id} is Complete; only open To Dos are moved")
    if versions is not None:
        changed = [todo_id for todo_id in ids if rows[todo_id].version != versions.get(todo_id)]
        if changed:
            raise _changed_since(conn, changed)
    target = _target_user(session, to_user) if to_user else None
    role_code = _target_role(to_role) if to_role else None
    plan = planner(session)
    names = dict(conn.execute(select(_staff.c.user_id, _staff.c.name).where(
        _staff.c.user_id.in_({r.assigned_to for r in rows.values() if r.assigned_to})
    )).all())
    moved = []
    for todo_id in ids:
        row = rows[todo_id]
        was = f"{row.assigned_to} ({names.get(row.assigned_to, '?')})" if row.assigned_to else f"the {row.role} queue"
        if target is not None:
            _check_handover(session, target, row)
            if target.user_id == row.assigned_to and row.status == BEING_WORKED_ON:
                continue  # theirs already: nothing to move (a marked set may hold some of theirs)
            chosen = Pick(target.user_id, target.name, f"to {target.user_id} ({target.name})")
            role = target.role
        elif role_code is not None:
            from .. import todo_rights  # imports escalation, which imports this module

            refusal = todo_rights.role_refusal(session, role_code, row)
            if refusal is not None:
                raise Invalid(refusal.field, f"To Do {todo_id}: {refusal.message}")
            chosen, role = Pick(None, None, f"to the {role_code} queue of {row.office_code}"), role_code
        else:
            chosen = plan.pick(session, Target(row.role, row.office_code, frozenset({row.assigned_to} - {None}),
                                               _approval_of(session, row)))
            chosen = Pick(chosen.user_id, chosen.name, chosen.why[0].lower() + chosen.why[1:])
            role = row.role
        details = f"Reassigned from {was} by {who}: {reason}; {chosen.why}"
        now = plan.now
        conn.execute(
            update(_todo).where(_todo.c.todo_id == todo_id)
            .values(version=_todo.c.version + 1, role=role, **assignment(chosen, now))
        )
        conn.execute(insert(_log).values(
            todo_id=todo_id, at=now, log_type="Assigned" if chosen.user_id else "Forwarded", details=details,
            user_id=actor_id, assigned_to=chosen.user_id,
        ))
        moved.append(Moved(todo_id, row.assigned_to, chosen.user_id, role, details))
    return moved


def _changed_since(conn: Connection, todo_ids: list[str]) -> Stale:
    """One line naming every To Do that changed since the officer read it (and who changed the first)."""
    from ..todos import stale_line  # todos imports this module

    head = stale_line(conn, todo_ids[0])
    if len(todo_ids) == 1:
        return Stale("To Do", f"{head}; nothing was reassigned — look again and mark it again")
    return Stale("To Do", f"{len(todo_ids)} To Dos changed since you read them: {head}; also "
                          f"{', '.join(todo_ids[1:])}. Nothing was reassigned — look again and mark them again")


def held_by(session: Session, user_id: str) -> list[str]:
    """The open To Dos `user_id` holds, in To Do ID order."""
    return list(session.connection().scalars(
        select(_todo.c.todo_id).where(_todo.c.assigned_to == user_id, _todo.c.status.in_(OPEN_STATUSES))
        .order_by(_todo.c.todo_id)
    ))


def _reassigner(session: Session, actor_id: str | None, by: str | None) -> tuple[str | None, str]:
    """(path prefix of the offices the actor may move To Dos in — None: all — , who to name in the log)."""
    if actor_id is None:
        return None, f"the administrator ({by})" if by else "the administrator"
    actor = session.get(Staff, text_rule.check("user", actor_id.strip().upper()))
    if actor is None or not actor.active:
        raise Denied("user", f"{actor_id} is not an active staff member; log in again")
    allowed = config.routing_rules().reassign_roles
    if actor.role not in allowed:
        raise Denied("role", f"{actor.role} does not move others' To Dos; {', '.join(allowed)} do (routing.toml)")
    return offices.scope_path(session, actor), f"{actor.user_id} ({actor.name})"


def _target_user(session: Session, to_user: str) -> Staff:
    user_id = text_rule.check("to user", to_user.strip().upper())
    staff = session.get(Staff, user_id)
    if staff is None:
        raise NotFound("to user", f"no staff member {user_id}; check the user ID")
    if not staff.active:
        raise Invalid("to user", f"{user_id} ({staff.name}) is no longer active; choose someone else")
    role = config.roles().get(staff.role)
    if role is None or not role.works_todos:
        raise Invalid("to user", f"{user_id} ({staff.name}) is {staff.role} and does not work To Dos; choose someone else")
    return staff


def _check_handover(session: Session, staff: Staff, row) -> None:
    from .. import todo_rights

    if not offices.in_scope(session, staff, row.office_code):
        raise Invalid("to user", f"{staff.user_id} ({staff.name}) does not cover {row.office_code}, the office of "
                                 f"To Do {row.todo_id}; choose someone who does")
    refusal = todo_rights.handover_refusal(session, staff, row, "to user")
    if refusal is not None:
        raise Invalid(refusal.field, f"To Do {row.todo_id}: {refusal.message}")


def _target_role(to_role: str) -> str:
    code = text_rule.check("to role", to_role.strip().upper())
    role = config.roles().get(code)
    if role is None or not role.works_todos:
        known = ", ".join(c for c, r in config.roles().items() if r.works_todos)
        raise Invalid("to role", f"{code} is not a role that works To Dos; use one of: {known}")
    return code


def _approval_of(session: Session, row) -> Approval | None:
    from .. import todo_rights
    from ..revision.rules import APPROVAL

    if row.todo_type != APPROVAL:
        return None
    rev = todo_rights._revision(session, row)
    return Approval(rev.maker_id, rev.difference_paise, rev.office_code)
