"""Who a To Do goes to: the one rule every new To Do is routed by, and moving To Dos off a person.

A new To Do is assigned, Being Worked On, to a person of its role who covers its office (their role's
scope reaches it), is active and not locked out, and — for an approval — may approve it and did not
propose it. data/routing.toml says, per office, how that person is chosen (config.routing_rules):
least-loaded by default (fewest open To Dos; on a tie, the one whose newest open To Do was handed to
them longest ago, none at all counting as longest), one named user, a pool, or the role queue. When
nobody qualifies the To Do waits Open in its role queue, where `n` (todos.assign_next) finds it.

Being Worked On rather than Open-and-assigned: in CC&B an Open To Do is the role queue's, anyone's in
scope to take (todos._require_holder); one assigned to a person is Being Worked On, theirs alone until
they forward it. So a routed To Do is on its person's "assigned to me" list, `t` on it changes nothing,
and nobody else takes it from under them.

The choice reads each candidate's open count in one grouped statement per (role, office) — never a
statement per person — and takes no lock: two intakes at once may both pick the same least-loaded
clerk (a tie broken twice), which is harmless, and no lock means no deadlock on PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import Connection, and_, func, insert, or_, select, update
from sqlmodel import Session

from . import clock, config, offices
from .revision import powers
from . import text as text_rule
from .errors import Denied, Invalid, NotFound, Stale
from .models import BEING_WORKED_ON, COMPLETE, OPEN, Office, Staff, ToDo, ToDoLog

_todo = ToDo.__table__
_log = ToDoLog.__table__
_staff = Staff.__table__
_office = Office.__table__
OPEN_STATUSES = (OPEN, BEING_WORKED_ON)
MAX_REASON = 1000
_NEVER = datetime.min.replace(tzinfo=UTC)


@dataclass(frozen=True)
class Approval:
    """What an approval To Do's approver must pass: powers.check_checker on this revision."""

    maker_id: str
    amount_paise: int
    office_code: str  # the account's office (the revision's), which the approver must cover


@dataclass(frozen=True)
class Target:
    role: str
    office_code: str
    exclude: frozenset[str] = frozenset()  # e.g. the holder a To Do is being moved off
    approval: Approval | None = None


@dataclass(frozen=True)
class Pick:
    user_id: str | None  # None: left in the role queue
    name: str | None
    why: str  # the To Do log's words: "Routed to X (NAME): fewest open To Dos (2)", or why it waits


@dataclass
class _Load:
    name: str
    open_n: int
    last_at: datetime | None

    def key(self, user_id: str):
        return (self.open_n, self.last_at or _NEVER, user_id)


@dataclass
class _Planner:
    """Picks for many To Dos in one unit of work: each pick counts toward the next, so a sweep of a
    hundred escalations spreads them as a hundred single intakes would."""

    conn: Connection
    now: datetime
    loads: dict[str, _Load] = field(default_factory=dict)
    pools: dict[tuple[str, str], dict[str, _Load]] = field(default_factory=dict)  # (role, office) -> candidates

    def pick(self, session: Session, target: Target) -> Pick:
        queue = f"Left in the {target.role} queue of {target.office_code}"
        policy = config.routing_rules().policy(target.office_code, target.role)
        if policy.kind == config.QUEUE:
            return Pick(None, None, f"{queue}: the office's routing (routing.toml) keeps them in the queue")
        if target.approval is not None and powers.power_refusal(target.role, target.approval.amount_paise):
            return Pick(None, None, f"{queue}: {target.role} may not approve this amount")
        rows = self._candidates(target, policy)
        for user_id, load in sorted(rows.items(), key=lambda item: item[1].key(item[0])):
            if target.approval is not None and not _may_approve(session, user_id, target.approval):
                continue
            tied = sum(1 for u, other in rows.items() if u != user_id and other.open_n == load.open_n)
            why = _why(policy, user_id, load, tied)
            load.open_n += 1
            load.last_at = self.now
            return Pick(user_id, load.name, why)
        if policy.kind == config.NAMED_USER:
            return Pick(None, None, f"{queue}: {policy.users[0]}, the office's named user, cannot take it "
                                    f"(not an active {target.role} covering it)")
        if policy.kind == config.POOL:
            return Pick(None, None, f"{queue}: nobody of the office's pool ({', '.join(policy.users)}) "
                                    f"is an active {target.role} who may take it")
        return Pick(None, None, f"{queue}: no active {target.role} covering it may take it")

    def prefetch(self, targets: Sequence[Target]) -> None:
        """Read the candidates of every target at once: one statement, however many To Dos follow."""
        wanted = {(t.role, t.office_code) for t in targets} - set(self.pools)
        if not wanted:
            return
        paths = dict(self.conn.execute(select(_office.c.code, _office.c.path).where(
            _office.c.code.in_(sorted({code for _, code in wanted})))).all())
        cover = [and_(_staff.c.role == role, _cover(role, paths[code])) for role, code in sorted(wanted)
                 if code in paths and role in config.roles()]
        found: list = []
        if cover:
            stmt = (
                select(_staff.c.user_id, _staff.c.name, _staff.c.role, _office.c.path,
                       func.count(_todo.c.todo_id), func.max(_todo.c.last_assigned_at))
                .select_from(
                    _staff.join(_office, _office.c.code == _staff.c.office_code).outerjoin(
                        _todo, and_(_todo.c.assigned_to == _staff.c.user_id, _todo.c.status.in_(OPEN_STATUSES))
                    )
                )
                .where(_staff.c.active, or_(_staff.c.locked_until.is_(None), _staff.c.locked_until <= self.now),
                       or_(*cover))
                .group_by(_staff.c.user_id, _staff.c.name, _staff.c.role, _office.c.path)
            )
            found = self.conn.execute(stmt).all()
        for role, code in wanted:
            pool = self.pools[(role, code)] = {}
            for user_id, name, staff_role, staff_path, open_n, last_at in found:
                if staff_role == role and code in paths and _covers(role, staff_path, paths[code]):
                    # Seen earlier in this unit of work: what was planned for them since counts too.
                    pool[user_id] = self.loads.setdefault(user_id, _Load(name, open_n, last_at))

    def _candidates(self, target: Target, policy: config.RoutingPolicy) -> dict[str, _Load]:
        self.prefetch([target])
        pool = self.pools[(target.role, target.office_code)]
        return {
            u: load for u, load in pool.items()
            if u not in target.exclude and (policy.kind not in (config.NAMED_USER, config.POOL) or u in policy.users)
        }


def _scope_depth(role: str) -> int:
    return config.OFFICE_LEVELS.index(config.roles()[role].scope) + 1


def _cover(role: str, office_path: str):
    """SQL: the staff member (of `role`) covers the office — offices.in_scope, as a condition: their
    office is the office or above it, or sits under the office's ancestor at the role's scope level."""
    codes = office_path.strip("/").split("/")
    depth = _scope_depth(role)
    terms = [_staff.c.office_code.in_(codes)]
    if len(codes) >= depth:
        terms.append(_office.c.path.startswith("/" + "/".join(codes[:depth]) + "/", autoescape=True))
    return or_(*terms)


def _covers(role: str, staff_path: str, office_path: str) -> bool:
    """_cover for one row already read (several targets share one statement)."""
    codes = staff_path.strip("/").split("/")
    scope = "/" + "/".join(codes[: _scope_depth(role)]) + "/"
    return office_path.startswith(scope)


def _may_approve(session: Session, user_id: str, approval: Approval) -> bool:
    try:
        powers.check_checker(session, session.get(Staff, user_id), maker_id=approval.maker_id,
                             amount_paise=approval.amount_paise, office_code=approval.office_code)
    except Denied:
        return False
    return True


def _why(policy: config.RoutingPolicy, user_id: str, load: _Load, tied: int) -> str:
    head = f"Routed to {user_id} ({load.name})"
    if policy.kind == config.NAMED_USER:
        return f"{head}: the office's named user (routing.toml)"
    where = " of the office's pool" if policy.kind == config.POOL else ""
    tie = f"; tied with {tied} other{'s' if tied > 1 else ''}, given work longest ago" if tied else ""
    return f"{head}: fewest open To Dos{where} ({load.open_n}){tie}"


def planner(session: Session) -> _Planner:
    return _Planner(session.connection(), clock.now())


def pick(session: Session, target: Target) -> Pick:
    """The person (or the queue) a new To Do for `target` goes to."""
    return planner(session).pick(session, target)


def assignment(chosen: Pick, at: datetime) -> dict:
    """The To Do's columns for a pick: Being Worked On by the person, or Open in the role queue."""
    if chosen.user_id is None:
        return dict(status=OPEN, assigned_to=None, last_assigned_at=None)
    return dict(status=BEING_WORKED_ON, assigned_to=chosen.user_id, last_assigned_at=at)


def log_pick(session: Session, todo_id: str, chosen: Pick, at: datetime) -> None:
    """The "Assigned" entry of a routed To Do (by the system: no user). A queued one says why in its
    "Created" entry instead (queue_note)."""
    if chosen.user_id is not None:
        session.connection().execute(
            insert(_log).values(todo_id=todo_id, at=at, log_type="Assigned", details=chosen.why, user_id=None,
                                assigned_to=chosen.user_id)
        )


def queue_note(chosen: Pick) -> str:
    return chosen.why if chosen.user_id is None else ""


# --- moving To Dos off a person -----------------------------------------------------------------------


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
    reason = " ".join(text_rule.check("reason", reason or "").split())
    if not reason:
        raise Invalid("reason", "say why they are moved (on leave, transferred …); it goes in each To Do's log")
    if len(reason) > MAX_REASON:
        raise Invalid("reason", f"keep it to {MAX_REASON} characters; it has {len(reason)}")
    ids = sorted({text_rule.check("To Do", (t or "").strip()) for t in todo_ids})
    if not ids:
        raise Invalid("To Do", "choose at least one To Do to move")
    scope, who = _reassigner(session, actor_id, by)
    conn = session.connection()
    # Locked in To Do ID order (PostgreSQL), so two officers moving overlapping sets wait, not deadlock.
    rows = {
        r.todo_id: r
        for r in conn.execute(
            select(_todo, _office.c.path)
            .select_from(_todo.join(_office, _office.c.code == _todo.c.office_code))
            .where(_todo.c.todo_id.in_(ids))
            .order_by(_todo.c.todo_id)
            .with_for_update(of=_todo)
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
            from . import todo_rights  # imports escalation, which imports this module

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
    from .todos import stale_line  # todos imports this module

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
    from . import todo_rights

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
    from . import todo_rights
    from .revision.rules import APPROVAL

    if row.todo_type != APPROVAL:
        return None
    rev = todo_rights._revision(session, row)
    return Approval(rev.maker_id, rev.difference_paise, rev.office_code)
