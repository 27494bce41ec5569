"""To Dos the revision work makes (approval, review, audit, an officer's own case) and the notes it
leaves on To Dos it does not hold (the maker's, when a checker decides).

The actor's own To Do actions go through `todos` (take, complete, add_log), which check the holder and
the version; these are the system's entries, written in the caller's unit of work.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import insert, select, update
from sqlmodel import Session

from . import clock, ids, routing
from .models import ToDo, ToDoCharacteristic, ToDoLog

_todo = ToDo.__table__
_log = ToDoLog.__table__

MESSAGE_CHARS = 200


def create(
    session: Session,
    *,
    todo_type: str,
    role: str,
    office_code: str,
    message: str,
    priority: int,
    case_id: str | None,
    account_id: str | None,
    chars: Sequence[tuple[str, str]],
    user_id: str,
    assigned_to: str | None = None,
    approval: routing.Approval | None = None,
) -> str:
    """A new To Do for `role` in `office_code`: Being Worked On by `assigned_to` (an officer's own
    case), else by whoever routing picks (for an approval, one who may approve it), else Open in the
    role queue."""
    now = clock.now()
    todo_id = ids.new_todo_id(session)
    routed = None
    if assigned_to is None:
        routed = routing.pick(session, routing.Target(role, office_code, approval=approval))
        assigned_to = routed.user_id
    columns = routing.assignment(routing.Pick(assigned_to, None, ""), now)
    session.add(
        ToDo(
            todo_id=todo_id,
            todo_type=todo_type,
            role=role,
            office_code=office_code,
            message=message[:MESSAGE_CHARS],
            priority=priority,
            sent_by=None if assigned_to == user_id else user_id,
            created_at=now,
            **columns,
            case_id=case_id,
            account_id=account_id,
        )
    )
    session.flush()  # the To Do must exist before its characteristics and log point at it
    session.add_all(ToDoCharacteristic(todo_id=todo_id, char_type=t, value=v) for t, v in chars)
    own = routed is None  # the creator's own To Do: theirs from the start
    session.add(ToDoLog(todo_id=todo_id, at=now, log_type="Created", details=routing.queue_note(routed) if routed else "",
                        user_id=user_id, assigned_to=assigned_to if own else None))
    session.flush()
    if routed is not None:
        routing.log_pick(session, todo_id, routed, now)
    return todo_id


def note(session: Session, todo_id: str, log_type: str, details: str, user_id: str, **values) -> None:
    """Log an entry on a To Do (changing `values` with it) and bump its version, so a screen showing
    the To Do as it was is told to reload before acting on it."""
    conn = session.connection()
    assigned_to = values.get("assigned_to", conn.scalar(select(_todo.c.assigned_to).where(_todo.c.todo_id == todo_id)))
    conn.execute(update(_todo).where(_todo.c.todo_id == todo_id).values(version=_todo.c.version + 1, **values))
    conn.execute(
        insert(_log).values(
            todo_id=todo_id, at=clock.now(), log_type=log_type, details=details, user_id=user_id, assigned_to=assigned_to
        )
    )
