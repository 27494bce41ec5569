"""The escalation matrix and its sweep (`wss escalate`, from cron or a systemd timer).

A case of a type the matrix applies to reaches level k once it has been pending `after_days` (calendar
or working) days since it was registered. The sweep finds every case whose level is behind in one
query — each level's "N days pending at `at`" is turned into one bound on `case.created_at`
(calendar.latest_start) — and, in the caller's one unit of work: raises the priority of the case's
open To Dos, creates the escalation To Do for the level's role at the level's office, writes the To Do
and case logs, and sets `case.escalation_level`. Everything it writes is keyed on the level reached,
so a second run at the same time finds nothing to do and changes nothing.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cache

from sqlalchemy import Connection, and_, bindparam, case, insert, or_, select, update
from sqlmodel import Session

from . import calendar, clock, config, sla, timefmt
from .calendar import BusinessCalendar
from .errors import Invalid
from .models import COMPLETE, OPEN, Account, Case, CaseLog, Office, ToDo, ToDoCharacteristic, ToDoLog

SOURCE = "escalation.toml"
ESCALATED = "Escalated"
_ID_CHUNK = 5_000  # IDs per "is this To Do ID taken" query: well inside SQLite's bound-parameter limit

_case = Case.__table__
_account = Account.__table__
_office = Office.__table__
_todo = ToDo.__table__
_chars = ToDoCharacteristic.__table__
_todo_log = ToDoLog.__table__
_case_log = CaseLog.__table__


@dataclass(frozen=True)
class Level:
    number: int  # 1, 2, …
    after_days: int
    counting: str  # calendar | working
    office_level: str  # subdivision … discom: where the escalation To Do goes
    role: str
    priority: int
    warn_before: timedelta

    def describe(self) -> str:
        days = f"{self.after_days} {'working ' if self.counting == 'working' else ''}days"
        return f"level {self.number}: after {days} pending, {self.role} of the {self.office_level} (priority {self.priority})"


@dataclass(frozen=True)
class Matrix:
    levels: tuple[Level, ...]
    applies_to: tuple[str, ...]  # request type codes
    todo_type: str
    todo_description: str
    calendar: BusinessCalendar

    def level(self, number: int) -> Level | None:
        return self.levels[number - 1] if 1 <= number <= len(self.levels) else None

    def reached_at(self, created_at: datetime, level: Level) -> datetime:
        """When a case registered at `created_at` reaches `level`."""
        return self.calendar.add(created_at, level.after_days, level.counting)


def _field(key: str) -> str:
    return f"{SOURCE} {key}"


def _int(raw: dict, key: str, where: str, low: int, high: int | None = None) -> int:
    value = raw.get(key)
    if isinstance(value, bool) or not isinstance(value, int) or value < low or (high is not None and value > high):
        bound = f"from {low} to {high}" if high is not None else f"of at least {low}"
        raise Invalid(_field(f"{where}.{key}"), f"give a whole number {bound}")
    return value


def _hours(raw: dict, key: str, where: str, default: float) -> timedelta:
    value = raw.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise Invalid(_field(f"{where}.{key}"), "give a number of hours, 0 or more")
    return timedelta(hours=value)


def parse(raw: dict, business_calendar: BusinessCalendar) -> Matrix:
    """The [matrix] table, checked; every error names the setting to fix and how."""
    m = raw.get("matrix")
    if not isinstance(m, dict):
        raise Invalid(_field("matrix"), "the file has no [matrix] table; copy it from the shipped data/escalation.toml")
    known_types = config.request_types()
    applies_to = tuple(m.get("applies_to", ()))
    for code in applies_to:
        if code not in known_types:
            raise Invalid(_field("matrix.applies_to"), f"unknown request type {code!r}; use codes of data/request_types.toml: {', '.join(known_types)}")
    todo_type = str(m.get("todo_type", "")).strip()
    if not todo_type or len(todo_type) > _todo.c.todo_type.type.length:
        raise Invalid(_field("matrix.todo_type"), f"give the To Do type code, up to {_todo.c.todo_type.type.length} characters")
    default_warn = _hours(m, "warn_before_hours", "matrix", 24)
    levels: list[Level] = []
    for n, spec in enumerate(m.get("level", ()), start=1):
        where = f"matrix.level[{n}]"
        counting = spec.get("counting", "calendar")
        if counting not in calendar.COUNTINGS:
            raise Invalid(_field(f"{where}.counting"), f"{counting!r}: write \"calendar\" or \"working\"")
        office_level = spec.get("office")
        if office_level not in config.OFFICE_LEVELS:
            raise Invalid(_field(f"{where}.office"), f"{office_level!r}: use one of {', '.join(config.OFFICE_LEVELS)}")
        role = spec.get("role")
        known_role = config.roles().get(role)
        if known_role is None or not known_role.works_todos:
            workers = ", ".join(c for c, r in config.roles().items() if r.works_todos)
            raise Invalid(_field(f"{where}.role"), f"{role!r} is not a role that works To Dos; use one of {workers}")
        level = Level(
            number=n,
            after_days=_int(spec, "after_days", where, 1),
            counting=counting,
            office_level=office_level,
            role=role,
            priority=_int(spec, "priority", where, 10, 50),
            warn_before=_hours(spec, "warn_before_hours", where, default_warn.total_seconds() / 3600),
        )
        if levels:
            before = levels[-1]
            if config.OFFICE_LEVELS.index(level.office_level) > config.OFFICE_LEVELS.index(before.office_level):
                raise Invalid(_field(f"{where}.office"), f"{level.office_level} is below level {before.number}'s {before.office_level}; a case only climbs")
            if level.after_days <= before.after_days and level.counting == before.counting:
                raise Invalid(_field(f"{where}.after_days"), f"{level.after_days} is not after level {before.number}'s {before.after_days} days; give more days")
        levels.append(level)
    if not levels:
        raise Invalid(_field("matrix.level"), "the matrix has no levels; add at least one [[matrix.level]]")
    return Matrix(
        levels=tuple(levels),
        applies_to=applies_to,
        todo_type=todo_type,
        todo_description=str(m.get("todo_description", todo_type)),
        calendar=business_calendar,
    )


@cache
def matrix() -> Matrix:
    """The shipped (or WSS_DATA_DIR's) matrix, read and checked once per process."""
    return parse(calendar.load_settings(), calendar.business_calendar())


# --- what a screen shows ----------------------------------------------------------------------


@dataclass(frozen=True)
class DueInfo:
    due_at: datetime
    breached: bool
    level: int  # escalation level reached (0: none)
    level_role: str | None  # the role the case last escalated to
    next_level: int | None  # None: the top level reached, closed, or a type that never escalates
    next_level_role: str | None
    next_level_at: datetime | None
    warning: str  # "breaches in 2 days", "breached 3 days ago; escalates to TR-SE in 5 hours", or ""


def due_info(case_row, now: datetime | None = None) -> DueInfo:
    """Due time, escalation level and the warnings of one case. `case_row` is anything with
    created_at, due_at, closed_at, escalation_level and request_type (a Case, a Row, a dataclass)."""
    now = now or clock.now()
    mx = matrix()
    level = case_row.escalation_level or 0
    reached = mx.level(level)
    is_open = case_row.closed_at is None
    breached = (case_row.closed_at or now) > case_row.due_at
    warnings = []
    if is_open:
        to_due = case_row.due_at - now
        if to_due > timedelta(0):
            if to_due <= sla.warn_before():
                warnings.append(f"breaches in {_span(to_due)}")
        else:
            warnings.append(f"breached {_span(-to_due)} ago")
    upcoming = mx.level(level + 1) if is_open and case_row.request_type in mx.applies_to else None
    next_at = mx.reached_at(case_row.created_at, upcoming) if upcoming else None
    if upcoming and next_at is not None:
        if next_at <= now:
            warnings.append(f"escalation to {upcoming.role} due (run wss escalate)")
        elif next_at - now <= upcoming.warn_before:
            warnings.append(f"escalates to {upcoming.role} in {_span(next_at - now)}")
    return DueInfo(
        due_at=case_row.due_at,
        breached=breached,
        level=level,
        level_role=reached.role if reached else None,
        next_level=upcoming.number if upcoming else None,
        next_level_role=upcoming.role if upcoming else None,
        next_level_at=next_at,
        warning="; ".join(warnings),
    )


def _span(delta: timedelta) -> str:
    """A duration as people say it: the largest whole unit, rounded down."""
    seconds = int(delta.total_seconds())
    for unit, size in (("day", 86_400), ("hour", 3_600), ("minute", 60)):
        if seconds >= size:
            n = seconds // size
            return f"{n} {unit}{'s' if n != 1 else ''}"
    return "under a minute"


# --- the sweep --------------------------------------------------------------------------------


@dataclass(frozen=True)
class SweepReport:
    at: datetime
    escalated: dict[int, int] = field(default_factory=dict)  # level reached -> cases, every level listed
    todos_created: int = 0
    priorities_raised: int = 0  # open To Dos whose priority went up

    @property
    def cases(self) -> int:
        return sum(self.escalated.values())


def cutoffs(at: datetime, mx: Matrix | None = None) -> dict[int, datetime]:
    """For each level, the latest registration time of a case that has reached it by `at`."""
    mx = mx or matrix()
    return {lv.number: mx.calendar.latest_start(at, lv.after_days, lv.counting) for lv in mx.levels}


def _due_cases(cut: dict[int, datetime], mx: Matrix):
    """One pass over the pending cases: those behind their level, with the level they have reached.

    A case at level j is behind when it was registered on or before the loosest cutoff of the levels
    above j; it goes to the highest level whose cutoff it passes (a missed sweep skips none).
    """
    created = _case.c.created_at
    when_t = _case.c.created_at.type
    reached = case(
        *((created <= bindparam(f"cut_{n}", type_=when_t), n) for n in sorted(cut, reverse=True)),
        else_=0,
    )
    behind = []
    for j in range(len(mx.levels)):
        loosest = max(cut[n] for n in cut if n > j)
        behind.append(and_(_case.c.escalation_level == j, created <= bindparam(f"behind_{j}", loosest, type_=when_t)))
    stmt = (
        select(
            _case.c.case_id,
            _case.c.account_id,
            _case.c.bill_no,
            _case.c.request_type,
            _case.c.created_at,
            _case.c.due_at,
            _case.c.escalation_level,
            reached.label("reached"),
            _office.c.path,
        )
        .select_from(
            _case.join(_account, _account.c.account_id == _case.c.account_id).join(
                _office, _office.c.code == _account.c.subdivision_code
            )
        )
        .where(_case.c.closed_at.is_(None), _case.c.request_type.in_(mx.applies_to), or_(*behind))
        .order_by(_case.c.case_id)
        # PostgreSQL: a second sweep at the same moment waits here, then re-reads these cases at their
        # new level and passes them by; SQLite's BEGIN IMMEDIATE already runs one writer at a time.
        .with_for_update(of=_case)
    )
    return stmt, {f"cut_{n}": t for n, t in cut.items()}


def sweep(session: Session, at: datetime | None = None) -> SweepReport:
    """Escalate every pending case whose next level has fallen due by `at` (default: now)."""
    at = at or clock.now()
    if at.tzinfo is None:
        raise Invalid("at", "give the time with its zone (timefmt.parse_when does)")
    mx = matrix()
    conn = session.connection()
    cut = cutoffs(at, mx)
    stmt, params = _due_cases(cut, mx)
    due = conn.execute(stmt, params).all()
    counts = {lv.number: 0 for lv in mx.levels}
    if not due:
        return SweepReport(at=at, escalated=counts)

    open_todos = _open_todos(conn, [r.case_id for r in due])
    todo_ids = _new_todo_ids(conn, len(due))
    case_rows, new_todos, chars, todo_logs, case_logs, raises = [], [], [], [], [], []
    for row, todo_id in zip(due, todo_ids):
        level = mx.level(row.reached)
        office_code = _ancestor(row.path, level.office_level)
        counts[level.number] += 1
        pending = _pending_days(row.created_at, at)
        what = (
            f"Level {level.number}{_passed(row.escalation_level, level.number)}: pending {pending} since {timefmt.show(row.created_at)}, "
            f"due {timefmt.show(row.due_at)}; escalated to {level.role} of {office_code}"
        )
        case_rows.append({"b_case_id": row.case_id, "b_from": row.escalation_level, "b_to": level.number})
        case_logs.append(dict(case_id=row.case_id, at=at, log_type=ESCALATED, details=f"{what} (To Do {todo_id})", user_id=None))
        related = f"{row.account_id}, {row.bill_no}" if row.bill_no else row.account_id
        rtype = config.request_types().get(row.request_type)
        new_todos.append(
            dict(
                todo_id=todo_id, todo_type=mx.todo_type, role=level.role, office_code=office_code,
                message=f"Escalated L{level.number}: {rtype.name if rtype else row.request_type} pending {pending} ({related})"[:200],
                status=OPEN, priority=level.priority, assigned_to=None, sent_by=None, comment="",
                created_at=at, last_assigned_at=None, completed_at=None,
                case_id=row.case_id, account_id=row.account_id, version=1,
            )
        )
        chars += [dict(todo_id=todo_id, char_type="CASE", value=row.case_id), dict(todo_id=todo_id, char_type="ACCOUNT", value=row.account_id)]
        if row.bill_no:
            chars.append(dict(todo_id=todo_id, char_type="BILL", value=row.bill_no))
        todo_logs.append(dict(todo_id=todo_id, at=at, log_type="Created", details=what, user_id=None, assigned_to=None))
        for todo in open_todos.get(row.case_id, ()):
            if todo.priority > level.priority:
                raises.append({"b_todo_id": todo.todo_id, "b_from": todo.priority, "b_to": level.priority})
                details = f"{what}; priority {todo.priority} -> {level.priority}"
            else:
                details = what
            todo_logs.append(dict(todo_id=todo.todo_id, at=at, log_type=ESCALATED, details=details, user_id=None, assigned_to=todo.assigned_to))

    conn.execute(
        update(_case)
        .where(_case.c.case_id == bindparam("b_case_id"), _case.c.escalation_level == bindparam("b_from"))
        .values(escalation_level=bindparam("b_to")),
        case_rows,
    )
    if raises:
        # Bumping the version makes a clerk's stale screen reload before it writes over the change.
        conn.execute(
            update(_todo)
            .where(_todo.c.todo_id == bindparam("b_todo_id"), _todo.c.priority == bindparam("b_from"))
            .values(priority=bindparam("b_to"), version=_todo.c.version + 1),
            raises,
        )
    conn.execute(insert(_todo), new_todos)
    conn.execute(insert(_chars), chars)
    conn.execute(insert(_todo_log), todo_logs)
    conn.execute(insert(_case_log), case_logs)
    return SweepReport(at=at, escalated=counts, todos_created=len(new_todos), priorities_raised=len(raises))


def _open_todos(conn: Connection, case_ids: list[str]) -> dict[str, list]:
    found: dict[str, list] = {}
    for start in range(0, len(case_ids), _ID_CHUNK):
        rows = conn.execute(
            select(_todo.c.todo_id, _todo.c.case_id, _todo.c.priority, _todo.c.assigned_to)
            .where(_todo.c.case_id.in_(case_ids[start : start + _ID_CHUNK]), _todo.c.status != COMPLETE)
            .order_by(_todo.c.case_id, _todo.c.created_at, _todo.c.todo_id)
        )
        for r in rows:
            found.setdefault(r.case_id, []).append(r)
    return found


def _new_todo_ids(conn: Connection, n: int) -> list[str]:
    """`n` fresh 14-digit To Do IDs, checked against the table a chunk at a time."""
    chosen: set[str] = set()
    while len(chosen) < n:
        batch = {str(secrets.randbelow(9 * 10**13) + 10**13) for _ in range(n - len(chosen))} - chosen
        batch_list = list(batch)
        taken: set[str] = set()
        for start in range(0, len(batch_list), _ID_CHUNK):
            taken.update(conn.scalars(select(_todo.c.todo_id).where(_todo.c.todo_id.in_(batch_list[start : start + _ID_CHUNK]))))
        chosen |= batch - taken
    return list(chosen)


def _ancestor(path: str, level: str) -> str:
    """The office at `level` on a sub-division's path (paths list the ancestors in level order)."""
    codes = path.strip("/").split("/")
    return codes[min(config.OFFICE_LEVELS.index(level), len(codes) - 1)]


def _passed(was: int, now: int) -> str:
    """Levels a late sweep jumped over, so the log says why level 1 never happened."""
    missed = list(range(was + 1, now))
    if not missed:
        return ""
    return f" (level{'s' if len(missed) > 1 else ''} {', '.join(map(str, missed))} passed while no sweep ran)"


def _pending_days(created_at: datetime, at: datetime) -> str:
    days = (at - created_at) // timedelta(days=1)
    return f"{days} day{'s' if days != 1 else ''}"
