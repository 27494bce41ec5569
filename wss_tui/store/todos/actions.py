"""Every action on one To Do, each in the caller's unit of work: scope and rights checked, the
version compared (`errors.Stale`), the To Do log written."""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy import Connection, insert, select, update
from sqlmodel import Session

from .. import clock, config, locking, offices, timefmt, todo_rights
from .. import text as text_rule
from ..errors import Denied, Invalid, NotFound, Stale
from ..models import (
    BEING_WORKED_ON,
    COMPLETE,
    OPEN,
    Case,
    Staff,
)
from .common import (
    MAX_TEXT,
    PRIORITIES,
    Actor,
    _chars,
    _log,
    _names,
    _staff,
    _text,
    _todo,
    load_actor,
    not_an_index_key,
    scope_codes,
    staff_text,
)
from .detail import TodoDetail, _detail, _load
from .search import _KEY

# --- actions -------------------------------------------------------------------------------------


def _begin(session: Session, actor_id: str, todo_id: str, version: int, *, note_only: bool = False):
    """The actor, a connection in the caller's unit of work, and the To Do as it is now — refused
    when it is out of scope, changed since the caller read it, or already Complete; and, unless the
    action only adds a note, when the actor may not work it (_require_worker).

    The To Do's case is locked before the To Do is written (store/locking.py): the escalation sweep
    locks the case first too, and the other way round the two deadlock. A change made meanwhile is
    caught by _apply's version check."""
    actor = load_actor(session, actor_id)
    conn = session.connection()
    row = _load(conn, actor, todo_id)
    if row.version != version:
        raise _stale(conn, row.todo_id)
    locking.case_of_todo(conn, row.todo_id, row.case_id)
    if row.status == COMPLETE:
        raise Invalid(
            "status",
            f"To Do {row.todo_id} was completed on {timefmt.show(row.completed_at)}; a Complete To Do cannot be changed",
        )
    if not note_only:
        _require_worker(session, actor, row)
    return actor, conn, row


# --- who may work a To Do, and be handed it (store/todo_rights.py) ---------------------------------


def _require_worker(session: Session, actor: Actor, row) -> None:
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
        who = staff_text(last.user_id, last.name) if last.user_id else "the system"
    when = f" at {timefmt.show(last.at)}" if last is not None else ""
    return f"To Do {todo_id} was changed by {who}{when}"


def _apply(conn: Connection, actor: Actor, row, log_type: str, details: str, **values) -> TodoDetail:
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
    return staff_text(row.assigned_to, _names(conn, {row.assigned_to}).get(row.assigned_to))


def _held_by_other(todo_id: str, holder: str) -> Denied:
    return Denied("assigned to", f"To Do {todo_id} is being worked on by {holder}; ask them to forward it or send it back")


def holder_refusal(detail: TodoDetail, actor_id: str, doing: str) -> Denied | None:
    """Why `actor_id` may not do what only the one working the To Do does (close its case, propose a
    revision …), or None. `doing` finishes "only the one working it …", e.g. "closes the case".

    Held by someone else: say who, so the actor asks them rather than pressing `t` to be told."""
    if detail.status == BEING_WORKED_ON and detail.assigned_to == actor_id:
        return None
    if detail.status == BEING_WORKED_ON:
        holder = staff_text(detail.assigned_to, detail.assigned_to_name) if detail.assigned_to else "someone else"
        return _held_by_other(detail.todo_id, holder)
    return Denied("assigned to", f"take To Do {detail.todo_id} first (t): only the one working it {doing}")


def _hands_on(row, user_id: str) -> bool:
    """An Open To Do is anyone's in scope; one being worked on is its assignee's alone."""
    return not (row.status == BEING_WORKED_ON and row.assigned_to != user_id)


def _only_holder(todo_id: str, holder: str, doing: str) -> Denied:
    """`doing` is the action with its object in place: "forward it", "send it back"."""
    return Denied("assigned to", f"To Do {todo_id} is being worked on by {holder}; only they can {doing}")


def _require_holder(conn: Connection, actor: Actor, row, doing: str) -> None:
    if not _hands_on(row, actor.user_id):
        raise _only_holder(row.todo_id, _holder_name(conn, row), doing)


def _open_first(todo_id: str) -> Denied:
    return Denied("status", f"To Do {todo_id} is Open; take it before completing it")


def _already_yours(todo_id: str) -> str:
    return f"To Do {todo_id} is already yours (Being Worked On); nothing changed"


def _send_back_refusal(row, user_id: str) -> Invalid | None:
    if row.sent_by is None:
        return Invalid("sent by", f"nobody forwarded To Do {row.todo_id}, so there is no one to send it back to; "
                                  "forward it instead")
    if row.sent_by == user_id:
        return Invalid("sent by", f"you forwarded To Do {row.todo_id} last; forward it to someone else instead")
    return None


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


def _is_theirs(row, user_id: str) -> bool:
    return row.status == BEING_WORKED_ON and row.assigned_to == user_id


ACTIONS = frozenset({"take", "forward", "send_back", "user_details", "priority", "complete"})


def refusals(session: Session, actor_id: str, detail: TodoDetail) -> dict[str, str]:
    """Why `actor_id` may not do each action with the To Do as `detail` shows it — the line the action
    itself would refuse with (`str` of its error) — so that a screen offers only the others and
    answers a key it does not offer. An action not in the map is allowed. "take" on a To Do already
    theirs is refused here (taking it again changes nothing), though the action accepts it."""
    tid = detail.todo_id
    if detail.status == COMPLETE:
        return dict.fromkeys(ACTIONS, str(Denied("status", f"To Do {tid} is Complete; nothing more is done on it")))
    actor = load_actor(session, actor_id)
    work = todo_rights.work_refusal(session, actor.user_id, actor.role, detail)
    if work is not None:  # a note obstructs nobody (add_log: note_only)
        return dict.fromkeys(ACTIONS - {"user_details"}, str(work))
    holder = staff_text(detail.assigned_to, detail.assigned_to_name) if detail.assigned_to else "someone else"
    refused = {}
    if detail.status != OPEN:
        refused["take"] = _already_yours(tid) if _is_theirs(detail, actor.user_id) else str(_held_by_other(tid, holder))
    if not _hands_on(detail, actor.user_id):
        refused["forward"] = str(_only_holder(tid, holder, "forward it"))
        refused["send_back"] = str(_only_holder(tid, holder, "send it back"))
    elif (back := _send_back_refusal(detail, actor.user_id)) is not None:
        refused["send_back"] = str(back)
    if detail.status == OPEN:
        refused["complete"] = str(_open_first(tid))
    elif not _is_theirs(detail, actor.user_id):
        refused["complete"] = str(_only_holder(tid, holder, "complete it"))
    return refused


def with_rights(unit: Session | Connection, actor_id: str, detail: TodoDetail) -> TodoDetail:
    """`detail` with what the actor may not do with it and why (`refusals`), read in the same unit of
    work (an approval's rights read the revision and the actor's powers through a Session)."""
    if isinstance(unit, Connection):
        with Session(bind=unit) as session:
            return replace(detail, refused=refusals(session, actor_id, detail))
    return replace(detail, refused=refusals(unit, actor_id, detail))


def take(session: Session, actor_id: str, todo_id: str, version: int) -> TodoDetail:
    """Open → Being Worked On, assigned to the actor."""
    actor, conn, row = _begin(session, actor_id, todo_id, version)
    return _take(conn, actor, row, "Taken from the queue")


def _take(conn: Connection, actor: Actor, row, details: str) -> TodoDetail:
    if row.status == BEING_WORKED_ON:
        if _is_theirs(row, actor.user_id):
            return _detail(conn, row)  # already the actor's: nothing to change, nothing logged
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
    if (refused := _send_back_refusal(row, actor.user_id)) is not None:
        raise refused
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
    note = text_rule.typed("note", note, maximum=MAX_TEXT)
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
        raise _open_first(row.todo_id)
    if row.assigned_to != actor.user_id:
        raise _only_holder(row.todo_id, _holder_name(conn, row), "complete it")
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

    It locks the To Do before its case (store/locking.py has it the other way round), so it locks no
    case: an Open To Do taken from the queue needs none, and the sweep waits for it, not it for the sweep.
    """
    actor = load_actor(session, actor_id)
    conn = session.connection()
    terms = [
        _todo.c.role == actor.role,
        _todo.c.office_code.in_(scope_codes(conn, actor)),
        _todo.c.status == OPEN,
        # Seek on (role, office, status), the actor's own queue; let SQLite seek on
        # (assigned_to IS NULL, status) and it walks every unassigned To Do of every office.
        not_an_index_key(_todo.c.assigned_to).is_(None),
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
