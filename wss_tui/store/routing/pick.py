"""Who a To Do goes to: the one rule every new To Do is routed by (moving To Dos off a person: reassign.py).

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

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import Connection, and_, func, insert, or_, select
from sqlmodel import Session

from .. import clock, config
from ..errors import Denied
from ..models import BEING_WORKED_ON, OPEN, Office, Staff, ToDo, ToDoLog
from ..revision import powers

_todo = ToDo.__table__
_log = ToDoLog.__table__
_staff = Staff.__table__
_office = Office.__table__
OPEN_STATUSES = (OPEN, BEING_WORKED_ON)
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
    # A target nobody may take (or kept in its queue) gets the same answer every time in this unit of
    # work: the pools are read once, so a sweep of thousands asks the rules once per target.
    queued: dict[Target, Pick] = field(default_factory=dict)

    def pick(self, session: Session, target: Target) -> Pick:
        chosen = self.queued.get(target)
        if chosen is None:
            chosen = self._pick(session, target)
            if chosen.user_id is None and target.approval is None:
                self.queued[target] = chosen
        return chosen

    def _pick(self, session: Session, target: Target) -> Pick:
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
        # Not `- set(self.pools)`: the sweep asks once per escalation, and the pools grow to hundreds.
        wanted = {key for t in targets if (key := (t.role, t.office_code)) not in self.pools}
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
