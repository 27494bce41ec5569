"""The escalation sweep (`wss escalate`, from cron or a systemd timer).

A case of a type the matrix applies to reaches level k once it has been pending `after_days` (calendar
or working) days since it was registered. The sweep finds every case whose level is behind in one
query — each level's "N days pending at `at`" is turned into one bound on `case.created_at`
(calendar.latest_start) — and, in the caller's one unit of work (`wss escalate`: one per batch of
cases, services/escalation.py): raises the priority of the case's open To Dos, creates the escalation
To Do for the level's role at the level's office, writes the To Do
and case logs, and sets `case.escalation_level`. Everything it writes is keyed on the level reached,
so a second run at the same time finds nothing to do and changes nothing.
"""

from __future__ import annotations

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

from .. import clock, config, db, ids, pending_days, routing, sla, timefmt
from ..codes import Channel
from ..errors import Invalid
from ..models import BEING_WORKED_ON, COMPLETE, OPEN, Account, Case, CaseLog, Office, ToDo, ToDoCharacteristic, ToDoLog
from ..models.sms import SmsOutbox
from ..sms import outbox
from .matrix import Matrix, matrix

ESCALATED = "Escalated"
CLOSED_CAPS_WINDOW = timedelta(days=7)  # how far back the sweep records caps of cases closed late
SQLITE_CACHE_KB = 256_000  # the sweep's page cache on SQLite (_room_for_pages)
CAPS_BATCH = 5_000  # cases per UPDATE recording caps (SQLite's limit of bound parameters is 32,766)

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

    def __add__(self, other: SweepReport) -> SweepReport:
        """Two parts of one sweep (services.escalation runs it in batches), counted together."""
        levels = {n: self.escalated.get(n, 0) + other.escalated.get(n, 0) for n in {*self.escalated, *other.escalated}}
        return SweepReport(
            at=self.at,
            escalated=dict(sorted(levels.items())),
            todos_created=self.todos_created + other.todos_created,
            priorities_raised=self.priorities_raised + other.priorities_raised,
            offices_filled=self.offices_filled + other.offices_filled,
            caps_recorded=self.caps_recorded + other.caps_recorded,
            oversight_escalated=self.oversight_escalated + other.oversight_escalated,
            reviews_escalated=self.reviews_escalated + other.reviews_escalated,
            audits_escalated=self.audits_escalated + other.audits_escalated,
            reviews_at_top=self.reviews_at_top + other.reviews_at_top,
            sms_queued=self.sms_queued + other.sms_queued,
        )


def cutoffs(at: datetime, mx: Matrix | None = None) -> dict[int, datetime]:
    """For each level, the latest registration time of a case that has reached it by `at`."""
    mx = mx or matrix()
    return {lv.number: mx.calendar.latest_start(at, lv.after_days, lv.counting) for lv in mx.levels}


def _behind(cut: dict[int, datetime], mx: Matrix):
    """A case at level j is behind when it was registered on or before the loosest cutoff of the levels
    above j. Only columns of ix_case_pending, and first in the WHERE: SQLite tests it on the index entry
    and reads the table row only for a case that passes (half the scan's time at 400,000 pending)."""
    created, when_t = _case.c.created_at, _case.c.created_at.type
    terms = []
    for j in range(len(mx.levels)):
        loosest = max(cut[n] for n in cut if n > j)
        terms.append(and_(_case.c.escalation_level == j, created <= bindparam(f"behind_{j}", loosest, type_=when_t)))
    return or_(*terms)


def _due_cases(cut: dict[int, datetime], mx: Matrix, by_id: bool = False):
    """The pending cases behind their level (only those of the bound list "ids" when `by_id`), with
    the level each has reached: the highest whose cutoff it passes (a missed sweep skips none)."""
    created = _case.c.created_at
    when_t = _case.c.created_at.type
    reached = case(
        *((created <= bindparam(f"cut_{n}", type_=when_t), n) for n in sorted(cut, reverse=True)),
        else_=0,
    )
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
            _case.c.office_code,
            _case.c.channel,
        )
        # Every open case has its office by now: _record_mis_columns() ran first.
        .select_from(_case.join(_office, _office.c.code == _case.c.office_code))
        .where(_behind(cut, mx), _case.c.closed_at.is_(None), _case.c.request_type.in_(mx.applies_to))
        # PostgreSQL: a second sweep at the same moment waits here, then re-reads these cases at their
        # new level and passes them by; SQLite's BEGIN IMMEDIATE already runs one writer at a time.
        # FOR NO KEY UPDATE, as every unit locks a case (store/locking.py): a log entry or SMS inserted
        # for one of them meanwhile checks its key without waiting for the whole batch.
        .with_for_update(of=_case, key_share=True)
    )
    if by_id:
        stmt = stmt.where(_case.c.case_id.in_(bindparam("ids", expanding=True)))
    return stmt, {f"cut_{n}": t for n, t in cut.items()}


def _room_for_pages(conn: Connection) -> None:
    """SQLite: a page cache (a cap) that holds the pages a unit writes — thousands of case and To Do
    rows and their index entries, scattered — so none is spilled to the WAL and read back before the
    commit (the default holds 2,000 pages). As the bills import's connection does."""
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql(f"PRAGMA cache_size=-{SQLITE_CACHE_KB}")


def _moment(at: datetime | None) -> datetime:
    at = at or clock.now()
    if at.tzinfo is None:
        raise Invalid("at", "give the time with its zone (timefmt.parse_when does)")
    return at.astimezone(UTC)


def sweep(session: Session, at: datetime | None = None) -> SweepReport:
    """Escalate every pending case whose next level has fallen due by `at` (default: now), all in the
    caller's one unit of work. `wss escalate` runs the same steps in batches (services.escalation)."""
    at = _moment(at)
    return prepare(session, at) + escalate(session, at)


def prepare(session: Session, at: datetime | None = None) -> SweepReport:
    """The sweep's first step: what the MIS reads filled in (offices, caps), and overdue oversight
    escalated. Set-based; a second run at the same time finds nothing left."""
    at = _moment(at)
    # Sweeps on several hosts take turns unit by unit: each locks thousands of case, To Do and MIS
    # rows in an order of the planner's choosing, and two at once deadlocked on PostgreSQL.
    db.one_at_a_time(session, "escalation sweep")
    _room_for_pages(session.connection())
    offices_filled, caps_recorded = _record_mis_columns(session.connection(), at)
    from ..revision import late  # the revision package imports the To Do store, which imports this one

    lates = late.escalate_late(session, at)
    return SweepReport(at=at, escalated={lv.number: 0 for lv in matrix().levels}, offices_filled=offices_filled,
                       caps_recorded=caps_recorded, oversight_escalated=lates.total, reviews_escalated=lates.reviews,
                       audits_escalated=lates.audits, reviews_at_top=lates.reviews_at_top)


def due_case_ids(session: Session, at: datetime | None = None) -> list[str]:
    """The IDs of the cases behind their level at `at`, in ID order: one read of the pending cases,
    which each batch of escalate() then re-reads (and locks) by ID."""
    at = _moment(at)
    mx = matrix()
    stmt = select(_case.c.case_id).where(
        _behind(cutoffs(at, mx), mx), _case.c.closed_at.is_(None), _case.c.request_type.in_(mx.applies_to),
        _case.c.office_code.is_not(None),
    )
    return sorted(session.connection().scalars(stmt))


def escalate(session: Session, at: datetime | None = None, case_ids: list[str] | None = None) -> SweepReport:
    """Escalate the pending cases behind their level at `at` — of `case_ids` only, when given (those a
    sweep alongside took since they were listed are passed by) — after prepare() has run."""
    at = _moment(at)
    mx = matrix()
    counts = {lv.number: 0 for lv in mx.levels}
    if case_ids is not None and not case_ids:
        return SweepReport(at=at, escalated=counts)
    db.one_at_a_time(session, "escalation sweep")
    conn = session.connection()
    _room_for_pages(conn)
    stmt, params = _due_cases(cutoffs(at, mx), mx, by_id=case_ids is not None)
    if case_ids is not None:
        params["ids"] = case_ids
    if conn.dialect.name == "postgresql":
        # Locked in case ID order (store/locking.py). Not on SQLite, which locks no rows, and would walk
        # the whole table in case ID order to avoid a sort.
        stmt = stmt.order_by(_case.c.case_id)
    due = sorted(conn.execute(stmt, params).all(), key=lambda r: r.case_id)
    if not due:
        return SweepReport(at=at, escalated=counts)
    decisions = _decide(session, due, mx, at, counts)
    _DUE.create(conn)
    try:
        _fill_due(conn, decisions)
        # Without statistics the planners take the temporary table for a big one and walk todo and
        # case in full to join it, instead of looking up each decision's rows by their indexes.
        conn.execute(text(f"ANALYZE {_DUE.name}"))
        raised = _apply(conn, mx, at)
        told = _tell_consumers(conn, mx, at)
    finally:
        _DUE.drop(conn)
    return SweepReport(at=at, escalated=counts, todos_created=len(decisions), priorities_raised=raised, sms_queued=told)


def _decide(session: Session, due: list, mx: Matrix, at: datetime, counts: dict[int, int]) -> list[tuple]:
    """Each case's escalation as a row of _DUE (in _DUE_COLUMNS order): the level, the office, the
    words of the logs, and who it is routed to. The one per-case step left in Python, because each
    routing pick counts toward the next; what repeats (each sub-division's office and routing target
    per level, the level's words, type names) is worked out once."""
    levels = {lv.number: lv for lv in mx.levels}
    targets: dict[tuple[str, int], routing.Target] = {}
    for row in due:
        if (row.path, row.reached) not in targets:
            level = levels[row.reached]
            targets[row.path, row.reached] = routing.Target(level.role, _ancestor(row.path, level.office_level))
    plan = routing.planner(session)  # one grouped count per (role, office); each pick counts toward the next
    plan.prefetch(list(dict.fromkeys(targets.values())))
    names = {code: rt.name for code, rt in config.request_types().items()}
    heads: dict[tuple[int, int], str] = {}
    pendings: dict[int, str] = {}
    show = timefmt.shower()
    day_number = pending_days.day_number
    day = timedelta(days=1)
    rows = []
    todo_ids = ids.new_todo_ids(session, len(due))
    for row, todo_id in zip(due, todo_ids):
        case_id, account_id, bill_no, request_type, created_at, due_at, was, reached, path, case_office, channel = row
        level = levels[reached]
        target = targets[path, reached]
        counts[reached] += 1
        days = (at - created_at) // day
        pending = pendings.get(days)
        if pending is None:
            pending = pendings[days] = f"{days} day{'s' if days != 1 else ''}"
        head = heads.get((was, reached))
        if head is None:
            head = heads[was, reached] = f"Level {reached}{_passed(was, reached)}: pending "
        what = (f"{head}{pending} since {show(created_at)}, due {show(due_at)}; "
                f"escalated to {level.role} of {target.office_code}")
        related = f"{account_id}, {bill_no}" if bill_no else account_id
        routed = plan.pick(session, target)
        message = f"Escalated L{reached}: {names.get(request_type, request_type)} pending {pending} ({related})"
        rows.append((case_id, todo_id, was, reached, target.office_code, level.role, level.priority,
                     account_id, bill_no, what, message[:200], routed.user_id, routed.why,
                     case_office, request_type, channel, day_number(created_at), day_number(due_at)))
    return rows


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
    # The case's key in the MIS's counts (pending_days.escalated), as read; its channel also says
    # whether it has a complainant to tell (an officer's own case has none).
    Column("case_office", String(16), nullable=False),
    Column("request_type", String(30), nullable=False),
    Column("channel", String(10), nullable=False),
    Column("created_day", Integer, nullable=False),
    Column("due_day", Integer, nullable=False),
    prefixes=["TEMPORARY"],
    postgresql_on_commit="DROP",
)


_DUE_COLUMNS = tuple(c.name for c in _DUE.columns)


def _fill_due(conn: Connection, decisions: list[tuple]) -> None:
    """The decisions into _DUE, straight to the driver as tuples (Core's executemany of dicts builds
    and type-processes each row's parameters in Python again): PostgreSQL's COPY, one stream instead of
    a row each; SQLite's executemany, in the process anyway."""
    columns = ", ".join(_DUE_COLUMNS)
    if conn.dialect.name == "postgresql":
        with conn.connection.driver_connection.cursor() as cursor, \
                cursor.copy(f"COPY {_DUE.name} ({columns}) FROM STDIN") as copy:
            for row in decisions:
                copy.write_row(row)
        return
    marks = ", ".join(["?"] * len(_DUE_COLUMNS))
    conn.exec_driver_sql(f"INSERT INTO {_DUE.name} ({columns}) VALUES ({marks})", decisions)


def _apply(conn: Connection, mx: Matrix, at: datetime) -> int:
    """Write the decisions in _DUE; returns how many open To Dos had their priority raised."""
    d, t = _DUE.c, _todo.c
    when = bindparam("at", at, type_=_todo.c.created_at.type)
    # 0. The cases' open To Dos locked in To Do ID order before any is written (store/locking.py): the
    #    statements below would lock them in the planner's order, and an officer moving a marked set
    #    locks them in ID order.
    if conn.dialect.name == "postgresql":
        conn.execute(
            select(t.todo_id).where(t.case_id.in_(select(d.case_id)), t.status != COMPLETE)
            .order_by(t.todo_id).with_for_update(key_share=True)
        ).all()
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
    d, a = _DUE.c, _account.c
    columns = {"request_id": d.case_id, "account_id": d.account_id}
    text_sql = case(*((d.level == lv.number, outbox.render_sql(SMS_TEMPLATE, a.language, columns, authority=lv.role))
                      for lv in mx.levels))
    when = bindparam("at", at, type_=_sms.c.created_at.type)
    return conn.execute(
        insert(_sms).from_select(
            ["case_id", "mobile", "template", "language", "text", "created_at", "status", "tries", "next_try_at"],
            select(d.case_id, a.mobile, literal(SMS_TEMPLATE), outbox.language_sql(SMS_TEMPLATE, a.language), text_sql,
                   when, literal(outbox.QUEUED), literal(0), when)
            .select_from(_DUE.join(_account, a.account_id == d.account_id))
            .where(d.channel != Channel.OFFICER, a.mobile.is_not(None), func.length(a.mobile) == 10)
            .order_by(d.case_id),
        ).execution_options(preserve_rowcount=True)  # psycopg's INSERT count is dropped without it
    ).rowcount


def _record_mis_columns(conn: Connection, at: datetime) -> tuple[int, int]:
    """What the MIS reads from ix_case_pending alone: each open case's office (for those a writer
    left without one) and, once it is due, its compensation cap with the day it reaches it (counted
    in mis_capped_day: pending_days.capped). Set-based; a second run finds nothing left to fill."""
    of_account = select(_account.c.subdivision_code).where(_account.c.account_id == _case.c.account_id).scalar_subquery()
    offices_filled = conn.execute(
        update(_case).where(_case.c.closed_at.is_(None), _case.c.office_code.is_(None)).values(office_code=of_account)
    ).rowcount
    when = _case.c.due_at.type
    uncapped = [
        _case.c.closed_at.is_(None),
        _case.c.compensation_capped_day.is_(None),  # none without a cap: ix_case_accruing's range
        _case.c.compensation_cap_paise.is_(None),
        _case.c.due_at <= bindparam("at", at, type_=when),
    ]
    # Their IDs first, from the index alone: PostgreSQL takes every case with no cap (the closed
    # ones too) for a candidate, and on these conditions read the whole table (0.74 s to find a
    # day's 6,829 at 1,000,000 cases, where the index gives them in 2 ms).
    ids = sorted(conn.scalars(select(_case.c.case_id).where(*uncapped)))  # batches in case ID order (store/locking.py)
    values, returned = pending_days.recording_caps(sla.cap_sql(_case))
    caps_recorded = 0
    for i in range(0, len(ids), CAPS_BATCH):
        caps_recorded += pending_days.capped(conn, conn.execute(
            update(_case)
            .where(_case.c.case_id.in_(ids[i:i + CAPS_BATCH]), *uncapped)  # as read, if a closing came between
            .values(**values)
            .returning(*returned)
        ))
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



