"""The SLA: when a complaint falls due, and the compensation owed for each day it stays open after.

UPERC's Standards of Performance: a billing complaint is due `sla_days` (data/request_types.toml)
after it is registered; after that the consumer is owed the request type's daily amount
(request_types.toml `compensation_rupees_per_day`, else escalation.toml [compensation]: Rs 50) for
every full day — 24 hours — until the complaint is closed, capped per complaint at 30% of the
account's fixed charges over its 12 latest bills up to the complaint's month.

The rule lives here twice, in the same words: as plain functions for one case (screens, tests) and as
SQL expressions that the MIS sums over many cases without loading them. Whole seconds on both sides,
so the two never disagree by a rounding. An officer's own revision case (channel "officer") has no
complainant: nothing is owed on it, however long it stays open.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache, lru_cache

from sqlalchemy import BigInteger, Connection, Table, bindparam, case, func, literal, literal_column, select, type_coerce
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.functions import FunctionElement
from sqlmodel import Session

from . import calendar, clock, config, settings
from .codes import Channel
from .errors import Invalid, NotFound
from .models import Bill, Case

SECONDS_PER_DAY = 86_400


@dataclass(frozen=True)
class CompensationRule:
    paise_per_day: int
    cap_percent: int
    cap_bills: int


@cache
def rule() -> CompensationRule:
    c = _escalation_file().compensation
    if c is None:
        raise Invalid("escalation.toml compensation", "missing; add the [compensation] table of the shipped data/escalation.toml")
    return CompensationRule(paise_per_day=c.rupees_per_day * 100, cap_percent=c.cap_percent_of_fixed_charges, cap_bills=c.cap_bills)


@cache
def warn_before() -> timedelta:
    return timedelta(hours=_escalation_file().sla.warn_before_hours)


def _escalation_file():
    """escalation.toml through its model (calendar.load_settings reads and checks the file once)."""
    return settings.validate("escalation.toml", calendar.load_settings())


# --- one case --------------------------------------------------------------------------------


def due_at(created_at: datetime, request_type: str) -> datetime:
    """When a request of this type, registered at `created_at`, falls due (calendar days)."""
    return (created_at + timedelta(days=config.request_type(request_type).sla_days)).astimezone(UTC)


def days_late(due: datetime, until: datetime) -> int:
    """Full days from the due time to `until` (closing, or now); 0 while not yet due."""
    seconds = int(until.timestamp() // 1) - int(due.timestamp() // 1)
    return seconds // SECONDS_PER_DAY if seconds > 0 else 0


OFFICER_CHANNEL = Channel.OFFICER


def consumer_clock(channel: str) -> bool:
    """Whether a consumer waits on the case: every case but an officer's own. An officer case's due_at
    is the office's own target (revision.toml target_days), which no SLA figure, warning, compensation,
    escalation or SMS counts."""
    return channel != OFFICER_CHANNEL


def consumer_clock_sql(case_table: Table) -> ColumnElement:
    """consumer_clock() of each row of `case_table`."""
    return case_table.c.channel != OFFICER_CHANNEL


def rate_paise(request_type: str, channel: str) -> int:
    """What a request of this type owes per full day late; 0 for an officer's own case."""
    if not consumer_clock(channel):
        return 0
    known = config.request_types().get(request_type)
    if known is None or known.compensation_rupees_per_day is None:
        return rule().paise_per_day
    return known.compensation_rupees_per_day * 100


def rate_sql(case_table: Table) -> ColumnElement:
    """rate_paise() of each row of `case_table`, as one CASE over the configured request types."""
    c = case_table.c
    arms = [(c.channel == OFFICER_CHANNEL, literal_column("0"))]
    for code, rt in config.request_types().items():
        if rt.compensation_rupees_per_day is not None:
            arms.append((c.request_type == code, literal_column(str(rt.compensation_rupees_per_day * 100))))
    return case(*arms, else_=literal_column(str(rule().paise_per_day)))


def cap_paise(year_fixed_paise: int) -> int:
    return year_fixed_paise * rule().cap_percent // 100


def compensation_paise(due: datetime, until: datetime, year_fixed_paise: int, per_day_paise: int | None = None) -> int:
    """What is owed for a complaint due at `due` and open until `until`, with the cap."""
    per_day = rule().paise_per_day if per_day_paise is None else per_day_paise
    return min(days_late(due, until) * per_day, cap_paise(year_fixed_paise))


@dataclass(frozen=True)
class Compensation:
    case_id: str
    due_at: datetime
    until: datetime  # the closing time, or now for a pending case
    closed: bool
    days_late: int
    accrued_paise: int  # days late x the daily amount, before the cap
    cap_paise: int
    owed_paise: int

    @property
    def capped(self) -> bool:
        return self.accrued_paise > self.cap_paise


def for_case(session: Session, case_id: str, now: datetime | None = None) -> Compensation:
    """The compensation of one case as its screens show it: days late, accrued, cap, owed."""
    return compensation_on(session.connection(), case_id, now)


@lru_cache(maxsize=8)
def _compensation_statement(_rule: CompensationRule):
    """One case's due, closing and cap, built once per rule: building cap_sql's subqueries cost
    30 times what running them does, on every To Do opened. Keyed on the rule so a changed setting
    (tests clear rule()'s cache) builds a new one."""
    c = Case.__table__
    return select(c.c.case_id, c.c.due_at, c.c.closed_at, c.c.request_type, c.c.channel,
                  cap_sql(c).label("cap")).where(c.c.case_id == bindparam("case_id"))


def compensation_on(conn: Connection, case_id: str, now: datetime | None = None) -> Compensation:
    """for_case() on a connection already in the caller's unit of work (store/todos/)."""
    row = conn.execute(_compensation_statement(rule()), {"case_id": case_id}).first()
    if row is None:
        raise NotFound("case", f"no case {case_id}; check the request ID")
    return compensation_of(row, now)


def compensation_of(row, now: datetime | None = None) -> Compensation:
    """The compensation of a case row read with its cap (cap_sql, labelled `cap`) beside case_id,
    due_at, closed_at, request_type and channel: for a statement that reads the case anyway (the To
    Do Entry's load)."""
    until = row.closed_at or (now or clock.now())
    late = days_late(row.due_at, until) if consumer_clock(row.channel) else 0  # past its office target is not late
    cap = int(row.cap)
    accrued = late * rate_paise(row.request_type, row.channel)
    return Compensation(
        case_id=row.case_id,
        due_at=row.due_at,
        until=until,
        closed=row.closed_at is not None,
        days_late=late,
        accrued_paise=accrued,
        cap_paise=cap,
        owed_paise=min(accrued, cap),
    )


# --- the same rule in SQL ----------------------------------------------------------------------


class _epoch(FunctionElement):
    """A stored time as whole seconds since 1970 (what `days_late` counts on)."""

    type = BigInteger()
    inherit_cache = True
    name = "epoch"


@compiles(_epoch, "sqlite")
def _epoch_sqlite(element, compiler, **kw):
    return f"CAST(strftime('%s', {compiler.process(element.clauses, **kw)}) AS INTEGER)"


@compiles(_epoch, "postgresql")
def _epoch_postgresql(element, compiler, **kw):
    # date_part's double, not extract's numeric (PostgreSQL 14+): a third less per row summed over
    # the MIS's accruing cases, and as exact — a double holds microseconds since 1970 to well under
    # a microsecond, so no floor lands on the wrong second.
    return f"CAST(floor(date_part('epoch', {compiler.process(element.clauses, **kw)})) AS BIGINT)"


def _seconds(value) -> ColumnElement:
    # A time known in Python goes in as its number: no per-row conversion of a constant.
    if isinstance(value, datetime):
        return literal(int(value.timestamp() // 1), BigInteger)
    return _epoch(value)


epoch_sql = _seconds  # a stored time (or an aware datetime) as whole seconds since 1970, in SQL


def days_between_sql(start, end) -> ColumnElement:
    """Full days from `start` to `end` (columns or aware datetimes), as `days_late` counts them;
    only meaningful when positive (SQL truncates a negative quotient towards zero)."""
    return (_seconds(end) - _seconds(start)) // SECONDS_PER_DAY


class _least(FunctionElement):
    type = BigInteger()
    inherit_cache = True
    name = "least"


@compiles(_least, "sqlite")
def _least_sqlite(element, compiler, **kw):
    # SQLite's two-argument min() is its LEAST; a CASE would evaluate a subquery argument twice.
    return f"min({compiler.process(element.clauses, **kw)})"


@compiles(_least)
def _least_default(element, compiler, **kw):
    return f"LEAST({compiler.process(element.clauses, **kw)})"


class _percent_of(FunctionElement):
    """`value * percent // 100` on integers (PostgreSQL's sum() of bigint is numeric: divide exactly)."""

    type = BigInteger()
    inherit_cache = True
    name = "percent_of"


@compiles(_percent_of, "sqlite")
def _percent_of_sqlite(element, compiler, **kw):
    value, percent = (compiler.process(arg, **kw) for arg in element.clauses)
    return f"(({value}) * {percent} / 100)"


@compiles(_percent_of, "postgresql")
def _percent_of_postgresql(element, compiler, **kw):
    value, percent = (compiler.process(arg, **kw) for arg in element.clauses)
    return f"CAST(div(({value}) * {percent}, 100) AS BIGINT)"


def days_late_sql(due, until) -> ColumnElement:
    days = days_between_sql(due, until)
    return case((days > 0, days), else_=0)


def year_fixed_sql(case_table: Table) -> ColumnElement:
    """The account's fixed charges over its `cap_bills` latest bills up to the case's month, for each
    row of `case_table` (a correlated subquery: one index range of `ix_bill_account_month`)."""
    bill = Bill.__table__
    latest = (
        select(bill.c.fixed_charge_paise.label("fixed"))
        .where(bill.c.account_id == case_table.c.account_id, bill.c.bill_month <= case_table.c.created_at)
        .order_by(bill.c.bill_month.desc())
        .limit(rule().cap_bills)
        .correlate(case_table)
        .subquery()
    )
    return select(func.coalesce(func.sum(latest.c.fixed), 0)).scalar_subquery()


def cap_sql(case_table: Table) -> ColumnElement:
    """The cap of each case: as the sweep recorded it once the case fell due, or from the bills."""
    computed = _percent_of(year_fixed_sql(case_table), literal_column(str(rule().cap_percent)))
    # COALESCE evaluates its second argument only when the first is NULL, on both databases.
    return func.coalesce(case_table.c.compensation_cap_paise, computed)


def late_by_a_day(until: datetime) -> datetime:
    """The latest due time of a case owed at least one day's compensation at `until`: with whole
    seconds, floor(due) <= floor(until) - 1 day, i.e. due < floor(until) - 1 day + 1 s."""
    whole = until.replace(microsecond=0)
    return whole - timedelta(days=1) + timedelta(seconds=1) - timedelta(microseconds=1)


def owed_sql(case_table: Table, until: datetime, *, recorded_cap: bool = False) -> ColumnElement:
    """The compensation of each row *already known to be a full day late* at `until` (a time known
    in Python); callers pick those rows with `due_at <= late_by_a_day(until)`. `recorded_cap`: for
    rows known to have their cap recorded, without cap_sql's subquery (which keeps PostgreSQL from
    summing in parallel workers)."""
    days = days_between_sql(case_table.c.due_at, until)
    cap = case_table.c.compensation_cap_paise if recorded_cap else cap_sql(case_table)
    return _least(days * rate_sql(case_table), cap)


def capped_at_sql(case_table: Table, cap: ColumnElement | None = None) -> ColumnElement:
    """For each row with its cap recorded (or `cap`, the cap being recorded): the second (since 1970)
    from which what it owes stops growing — due time (whole seconds) + the full days late at which
    days x rate first reaches the cap. From then on owed_sql() is capped_owed_sql(), however long the
    case stays open. A case that owes nothing (an officer's own, a cap of 0) stopped at its due time."""
    rate = type_coerce(rate_sql(case_table), BigInteger)
    cap = case_table.c.compensation_cap_paise if cap is None else cap
    days = case((rate > 0, (cap + rate - 1) // rate), else_=0)  # ceil(cap / rate): integers, both positive
    return _seconds(case_table.c.due_at) + days * SECONDS_PER_DAY


def capped_owed_sql(case_table: Table) -> ColumnElement:
    """What each row with its cap recorded owes from capped_at_sql() on: its cap, or nothing at a rate
    of 0 (least(days x rate, cap) once days x rate >= cap)."""
    rate = type_coerce(rate_sql(case_table), BigInteger)
    return case((rate > 0, case_table.c.compensation_cap_paise), else_=literal_column("0"))


def compensation_sql(case_table: Table, until) -> ColumnElement:
    """Per row of `case_table`: the compensation owed if the case is (or was) open until `until`
    (a bound time, or a column such as closed_at). The cap's subquery runs only for cases a full day
    late: CASE evaluates its result only when its condition holds."""
    days = days_between_sql(case_table.c.due_at, until)
    owed = _least(days * rate_sql(case_table), cap_sql(case_table))
    return case((days > 0, owed), else_=0)
