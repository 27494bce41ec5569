"""The escalation sweep (`wss escalate`, from cron or a systemd timer).

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
from datetime import UTC, datetime, timedelta

from sqlalchemy import (
    Column,
    Connection,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    and_,
    bindparam,
    case,
    cast,
    func,
    insert,
    literal,
    null,
    or_,
    select,
    text,
    union_all,
    update,
)
from sqlmodel import Session

from .. import clock, config, pending_days, routing, sla, timefmt
from ..codes import Channel
from ..errors import Invalid
from ..models import BEING_WORKED_ON, COMPLETE, OPEN, Account, Case, CaseLog, Office, ToDo, ToDoCharacteristic, ToDoLog
from ..models.sms import SmsOutbox
from ..sms import outbox
from .matrix import Matrix, matrix

ESCALATED = "Escalated"
CLOSED_CAPS_WINDOW = timedelta(days=7)  # how far back the sweep records caps of cases closed late
_ID_CHUNK = 5_000  # IDs per "is this To Do ID taken" query: well inside SQLite's bound-parameter limit

_case = Case.__table__
_account = Account.__table__
_office = Office.__table__
_todo = ToDo.__table__
_chars = ToDoCharacteristic.__table__
_todo_log = ToDoLog.__table__
_case_log = CaseLog.__table__
_sms = SmsOutbox.__table__
SMS_TEMPLATE = "escalated"  # data/sms.toml: the complainant told whom the complaint went to




@dataclass(frozen=True)
class SweepReport:
    at: datetime
    escalated: dict[int, int] = field(default_factory=dict)  # level reached -> cases, every level listed
    todos_created: int = 0
    priorities_raised: int = 0  # open To Dos whose priority went up
    offices_filled: int = 0  # open cases given their sub-division (written without one)
    caps_recorded: int = 0  # open cases past due whose compensation cap was recorded
    oversight_escalated: int = 0  # reviews and audits of approved revisions escalated as overdue
    reviews_escalated: int = 0  # of them, Director's reviews (those at the review chain's end included)
    audits_escalated: int = 0  # of them, accountants' audits
    reviews_at_top: int = 0  # late reviews at the review chain's end: raised, reported to nobody above
    sms_queued: int = 0  # complainants told of the escalation by SMS

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
        # Every open case has its office by now: _record_mis_columns() ran first.
        .select_from(_case.join(_office, _office.c.code == _case.c.office_code))
        .where(_case.c.closed_at.is_(None), _case.c.request_type.in_(mx.applies_to), or_(*behind))
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
    at = at.astimezone(UTC)
    mx = matrix()
    conn = session.connection()
    offices_filled, caps_recorded = _record_mis_columns(conn, at)
    from ..revision import late  # the revision package imports the To Do store, which imports this one

    lates = late.escalate_late(session, at)
    late_fields = dict(oversight_escalated=lates.total, reviews_escalated=lates.reviews, audits_escalated=lates.audits,
                       reviews_at_top=lates.reviews_at_top)
    cut = cutoffs(at, mx)
    stmt, params = _due_cases(cut, mx)
    # No ORDER BY in SQL: on SQLite it would walk the whole table in case ID order to avoid a sort.
    due = sorted(conn.execute(stmt, params).all(), key=lambda r: r.case_id)
    counts = {lv.number: 0 for lv in mx.levels}
    report = SweepReport(at=at, escalated=counts, offices_filled=offices_filled, caps_recorded=caps_recorded,
                         **late_fields)
    if not due:
        return report

    # Each decision is made here, once per case, into a temporary table; the writes are then a few
    # INSERT … SELECT and UPDATE … FROM statements over it, whatever the number of cases.
    decisions = []
    plan = routing.planner(session)  # one grouped count per (role, office); each pick counts toward the next
    plan.prefetch([routing.Target(mx.level(r.reached).role, _ancestor(r.path, mx.level(r.reached).office_level)) for r in due])
    for row, todo_id in zip(due, _new_todo_ids(conn, len(due))):
        level = mx.level(row.reached)
        office_code = _ancestor(row.path, level.office_level)
        counts[level.number] += 1
        pending = _pending_days(row.created_at, at)
        what = (
            f"Level {level.number}{_passed(row.escalation_level, level.number)}: pending {pending} since "
            f"{timefmt.show(row.created_at)}, due {timefmt.show(row.due_at)}; escalated to {level.role} of {office_code}"
        )
        related = f"{row.account_id}, {row.bill_no}" if row.bill_no else row.account_id
        rtype = config.request_types().get(row.request_type)
        routed = plan.pick(session, routing.Target(level.role, office_code))
        decisions.append(
            dict(
                case_id=row.case_id, todo_id=todo_id, from_level=row.escalation_level, level=level.number,
                office_code=office_code, role=level.role, priority=level.priority,
                account_id=row.account_id, bill_no=row.bill_no, details=what,
                message=f"Escalated L{level.number}: {rtype.name if rtype else row.request_type} pending {pending} ({related})"[:200],
                assigned_to=routed.user_id, routed=routed.why,
            )
        )
    _DUE.create(conn)
    try:
        # Straight to the driver as tuples: Core's executemany of dicts builds and type-processes each
        # row's parameters in Python again (a second per 28,000 escalations).
        conn.exec_driver_sql(_due_insert_sql(conn), [tuple(d[c] for c in _DUE_COLUMNS) for d in decisions])
        # Without statistics the planners take the temporary table for a big one and walk todo and
        # case in full to join it, instead of looking up each decision's rows by their indexes.
        conn.execute(text(f"ANALYZE {_DUE.name}"))
        raised = _apply(conn, mx, at)
        told = _tell_consumers(conn, mx, at)
    finally:
        _DUE.drop(conn)
    return SweepReport(
        at=at,
        escalated=counts,
        todos_created=len(decisions),
        priorities_raised=raised,
        offices_filled=offices_filled,
        caps_recorded=caps_recorded,
        sms_queued=told,
        **late_fields,
    )


# The sweep's decisions, one row per case escalated; private to the sweep's connection.
_DUE = Table(
    "wss_escalation_due",
    MetaData(),
    Column("case_id", String(10), primary_key=True),
    Column("todo_id", String(14), nullable=False),
    Column("from_level", Integer, nullable=False),
    Column("level", Integer, nullable=False),
    Column("office_code", String(16), nullable=False),
    Column("role", String(10), nullable=False),
    Column("priority", Integer, nullable=False),
    Column("account_id", String(12), nullable=False),
    Column("bill_no", String(14)),
    Column("details", Text, nullable=False),
    Column("message", String(200), nullable=False),
    Column("assigned_to", String(20)),  # None: left in the role queue (store/routing.py)
    Column("routed", Text, nullable=False),  # the "Assigned" entry, or why it waits in the queue
    prefixes=["TEMPORARY"],
    postgresql_on_commit="DROP",
)


_DUE_COLUMNS = tuple(c.name for c in _DUE.columns)


def _due_insert_sql(conn: Connection) -> str:
    marks = "?" if conn.dialect.name == "sqlite" else "%s"
    return f"INSERT INTO {_DUE.name} ({', '.join(_DUE_COLUMNS)}) VALUES ({', '.join([marks] * len(_DUE_COLUMNS))})"


def _apply(conn: Connection, mx: Matrix, at: datetime) -> int:
    """Write the decisions in _DUE; returns how many open To Dos had their priority raised."""
    d, t = _DUE.c, _todo.c
    when = bindparam("at", at, type_=_todo.c.created_at.type)
    # 1. The case's open To Dos: an "Escalated" log entry each (saying the priority change, if any),
    #    then the raise. Before the escalation To Do exists, so it is not among them.
    raise_note = case(
        (t.priority > d.priority, literal("; priority ") + cast(t.priority, String) + literal(" -> ") + cast(d.priority, String)),
        else_=literal(""),
    )
    conn.execute(
        insert(_todo_log).from_select(
            ["todo_id", "at", "log_type", "details", "user_id", "assigned_to"],
            select(t.todo_id, when, literal(ESCALATED), d.details + raise_note, null(), t.assigned_to)
            .select_from(_todo.join(_DUE, d.case_id == t.case_id))
            .where(t.status != COMPLETE),
        )
    )
    # Bumping the version makes a clerk's stale screen reload before it writes over the change.
    raised = conn.execute(
        update(_todo)
        .where(t.case_id == d.case_id, t.status != COMPLETE, t.priority > d.priority)
        .values(priority=d.priority, version=t.version + 1)
    ).rowcount
    # 2. The escalation To Do, its characteristics and its "Created" entry — each in To Do ID order,
    #    so the inserts walk their indexes once from end to end instead of hopping about them.
    conn.execute(
        insert(_todo).from_select(
            ["todo_id", "todo_type", "role", "office_code", "message", "status", "priority", "comment",
             "created_at", "case_id", "account_id", "version", "assigned_to", "last_assigned_at"],
            select(d.todo_id, literal(mx.todo_type), d.role, d.office_code, d.message,
                   case((d.assigned_to.is_(None), literal(OPEN)), else_=literal(BEING_WORKED_ON)), d.priority,
                   literal(""), when, d.case_id, d.account_id, literal(1), d.assigned_to,
                   case((d.assigned_to.is_(None), null()), else_=when)).order_by(d.todo_id),
        )
    )
    chars = union_all(
        *(
            select(d.todo_id.label("todo_id"), literal(char_type).label("char_type"), column.label("value")).where(column.is_not(None))
            for char_type, column in (("CASE", d.case_id), ("ACCOUNT", d.account_id), ("BILL", d.bill_no))
        )
    ).subquery()
    conn.execute(
        insert(_chars).from_select(
            ["todo_id", "char_type", "value"], select(chars).order_by(chars.c.todo_id, chars.c.char_type)
        )
    )
    conn.execute(
        insert(_todo_log).from_select(
            ["todo_id", "at", "log_type", "details"],
            select(d.todo_id, when, literal("Created"),
                   case((d.assigned_to.is_(None), d.details + literal(". ") + d.routed), else_=d.details)).order_by(d.todo_id),
        )
    )
    conn.execute(
        insert(_todo_log).from_select(
            ["todo_id", "at", "log_type", "details", "assigned_to"],
            select(d.todo_id, when, literal("Assigned"), d.routed, d.assigned_to)
            .where(d.assigned_to.is_not(None)).order_by(d.todo_id),
        )
    )
    # 3. The case: its log, then its level — only from the level it was read at, so a sweep running
    #    alongside (PostgreSQL) cannot take it twice.
    conn.execute(
        insert(_case_log).from_select(
            ["case_id", "at", "log_type", "details"],
            select(d.case_id, when, literal(ESCALATED), d.details + literal(" (To Do ") + d.todo_id + literal(")")),
        )
    )
    pending_days.escalated(conn, _DUE)  # the MIS's counts move with the cases, on the same condition
    conn.execute(
        update(_case).where(_case.c.case_id == d.case_id, _case.c.escalation_level == d.from_level).values(escalation_level=d.level)
    )
    return raised


def _tell_consumers(conn: Connection, mx: Matrix, at: datetime) -> int:
    """An SMS to each complainant whose case _DUE escalated, saying to whom (one INSERT … SELECT, the
    text rendered in SQL per level and language: sms.outbox.render_sql). Not for an officer's own case,
    which has no complainant, nor an account without a registered mobile. Returns how many."""
    d, c, a = _DUE.c, _case.c, _account.c
    columns = {"request_id": d.case_id, "account_id": d.account_id}
    text_sql = case(*((d.level == lv.number, outbox.render_sql(SMS_TEMPLATE, a.language, columns, authority=lv.role))
                      for lv in mx.levels))
    when = bindparam("at", at, type_=_sms.c.created_at.type)
    return conn.execute(
        insert(_sms).from_select(
            ["case_id", "mobile", "template", "language", "text", "created_at", "status", "tries", "next_try_at"],
            select(d.case_id, a.mobile, literal(SMS_TEMPLATE), outbox.language_sql(SMS_TEMPLATE, a.language), text_sql,
                   when, literal(outbox.QUEUED), literal(0), when)
            .select_from(_DUE.join(_case, c.case_id == d.case_id).join(_account, a.account_id == d.account_id))
            .where(c.channel != Channel.OFFICER, a.mobile.is_not(None), func.length(a.mobile) == 10)
            .order_by(d.case_id),
        )
    ).rowcount


def _record_mis_columns(conn: Connection, at: datetime) -> tuple[int, int]:
    """What the MIS reads from ix_case_pending alone: each open case's office (for those a writer
    left without one) and, once it is due, its compensation cap. Two set-based UPDATEs; a second run
    finds nothing left to fill."""
    of_account = select(_account.c.subdivision_code).where(_account.c.account_id == _case.c.account_id).scalar_subquery()
    offices_filled = conn.execute(
        update(_case).where(_case.c.closed_at.is_(None), _case.c.office_code.is_(None)).values(office_code=of_account)
    ).rowcount
    when = _case.c.due_at.type
    caps_recorded = conn.execute(
        update(_case)
        .where(
            _case.c.closed_at.is_(None),
            _case.c.compensation_cap_paise.is_(None),
            _case.c.due_at <= bindparam("at", at, type_=when),
        )
        .values(compensation_cap_paise=sla.cap_sql(_case))
    ).rowcount
    # And those closed late since a recent sweep, so the MIS's disposal finds their caps too.
    caps_recorded += conn.execute(
        update(_case)
        .where(
            _case.c.closed_at.between(bindparam("since", at - CLOSED_CAPS_WINDOW, type_=when), bindparam("at", at, type_=when)),
            _case.c.compensation_cap_paise.is_(None),
            _case.c.closed_at > _case.c.due_at,
        )
        .values(compensation_cap_paise=sla.cap_sql(_case))
    ).rowcount
    return offices_filled, caps_recorded


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

