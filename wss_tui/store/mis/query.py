"""The MIS query: every figure counted in SQL, grouped by sub-division (or by officer) and rolled up
to the row level through the office table, so no case is ever loaded into Python."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from sqlalchemy import Select, and_, exists, func, literal, select, union_all

from .. import offices, sla, sms
from ..clock import IST
from ..codes import CaseStatus
from ..models import (APPROVED, Account, BillRevision, Case, CaseClosure, MisAccruing, MisCappedDay, MisClosedDay, MisDay, Office,
                      SmsOutbox, ToDo)
from ..revision import closure
from . import kinds, summed
from .scope import OFFICER, Place

AGE_BUCKETS = ("0-7", "8-15", "16-30", "over 30")  # full days since registration
# Bucket lower bounds in days: a case aged d full days is in the last bucket whose bound is <= d.
_AGE_FROM = (0, 8, 16, 31)
REJECTED = CaseStatus.REJECTED
UNASSIGNED = ""

_case = Case.__table__
_account = Account.__table__
_office = Office.__table__
_todo = ToDo.__table__
_closure = CaseClosure.__table__
_revision = BillRevision.__table__
_sms = SmsOutbox.__table__
# Made once: a new alias builds its column collection again, for each of the report's statements.
_SUB, _GRP = _office.alias("sub"), _office.alias("grp")


def _account_office():
    # Correlated explicitly: nested in _officer()'s subquery, auto-correlation would not reach "case".
    return (
        select(_account.c.subdivision_code)
        .where(_account.c.account_id == _case.c.account_id)
        .correlate(_case)
        .scalar_subquery()
    )


def _office_of_case():
    """The case's sub-division: its own column, or — where no writer has set that yet — its
    account's (a subquery run only for those rows)."""
    return func.coalesce(_case.c.office_code, _account_office())


def _officer():
    """Who holds the case in its sub-division: the assignee of its first To Do there (escalation To
    Dos sit at higher offices)."""
    return (
        select(_todo.c.assigned_to)
        .where(_todo.c.case_id == _case.c.case_id, _todo.c.office_code == _office_of_case())
        .order_by(_todo.c.created_at, _todo.c.todo_id)
        .limit(1)
        .scalar_subquery()
    )


def _count(*conds):
    return func.count().filter(and_(*conds))


def pending_metrics(n_levels: int, now: datetime) -> list[tuple[str, object]]:
    """(name, aggregate) of each pending figure, over open cases. Aggregates with FILTER (SQLite
    and PostgreSQL alike) cost less per row than SUM(CASE …)."""
    c = _case.c
    when = c.created_at.type
    end_of_today = datetime.combine(now.astimezone(IST).date() + timedelta(days=1), time(), tzinfo=IST)

    def older(days: int):  # aged at least `days` full days at `now`
        return c.created_at <= literal(now - timedelta(days=days), when)

    return [
        ("pending", func.count()),
        ("age_0_7", _count(~older(_AGE_FROM[1]))),
        ("age_8_15", _count(older(_AGE_FROM[1]), ~older(_AGE_FROM[2]))),
        ("age_16_30", _count(older(_AGE_FROM[2]), ~older(_AGE_FROM[3]))),
        ("age_over_30", _count(older(_AGE_FROM[3]))),
        # An officer's own case has no consumer due date (its due_at is the office's target): never
        # due today, breached or closed within the SLA (sla.consumer_clock).
        ("due_today", _count(sla.consumer_clock_sql(_case), c.due_at >= literal(now, when), c.due_at < literal(end_of_today, when))),
        ("breached", _count(sla.consumer_clock_sql(_case), c.due_at < literal(now, when))),
        *(
            (f"level_{k}", _count(c.escalation_level == k if k < n_levels else c.escalation_level >= k))
            for k in range(n_levels + 1)
        ),
        # Only the cases a full day late are owed anything: a plain comparison picks them out
        # before any per-row arithmetic.
        ("compensation_paise", func.sum(sla.owed_sql(_case, now)).filter(c.due_at <= literal(sla.late_by_a_day(now), when))),
    ]


def _received_metrics() -> list[tuple[str, object]]:
    return [("received", func.count())]


def closed_metrics() -> list[tuple[str, object]]:
    c = _case.c
    # Confirmed by the consumer's OTP, or an officer's own case with no consumer to confirm: any other
    # closing — an EE's closing without OTP, or one from before closures were recorded — counts.
    confirmed = exists().where(_closure.c.case_id == c.case_id, _closure.c.method.in_((closure.BY_OTP, closure.BY_OFFICER)))
    return [
        ("closed", func.count()),
        ("closed_within_sla", _count(sla.consumer_clock_sql(_case), c.closed_at <= c.due_at)),
        ("rejected", _count(c.status == REJECTED)),
        ("closed_without_otp", _count(~confirmed)),
        ("closed_compensation_paise", func.sum(sla.compensation_sql(_case, c.closed_at))),
    ]


def statements(place: Place, row_level: str, n_levels: int, now: datetime, start: datetime, end: datetime,
               which: list = (), which_on=None, accruing=None) -> list[Select]:
    """Statements each one pass over an index range: the open cases (from the summaries, mis_day and
    mis_closed_day, when `which_on(table)` gives the kind's conditions on them — summed.py — else every open case from ix_case_pending), the
    cases received in the period (ix_case_received), those closed in it (ix_case_closed_at), the
    bill revisions approved in it, the failed SMS (ix_sms_outbox_status_next) with their cases — of
    the cases `which` picks (kinds.which) — and the late oversight of approved revisions. A figure
    may come from more than one statement: the caller adds them up."""
    when = _case.c.created_at.type
    in_period = (literal(start, when), literal(end, when))
    return [
        *pending_statements(place, row_level, n_levels, now, list(which), which_on, accruing),
        *received_statements(place, row_level, start, end, list(which), which_on),
        *closed_statements(place, row_level, start, end, list(which), which_on),
        _revisions(place, row_level, in_period, list(which)),
        grouped(place, row_level, [_sms.c.status == sms.FAILED, _sms.c.case_id == _case.c.case_id, *which],
                [("sms_failed", func.count())]),
        kinds.late_oversight(place, row_level, now, _rolled_up),
    ]


def pending_statements(place: Place, row_level: str, n_levels: int, now: datetime,
                       which: list, which_on, accruing=None) -> list[Select]:
    """`accruing`: summed.accruing_bounds()'s row (None: the cases reaching their cap after today are
    read one by one)."""
    metrics = pending_metrics(n_levels, now)
    if which_on is None or row_level == OFFICER:  # who holds a case is no figure of the summary
        return [grouped(place, row_level, [_case.c.closed_at.is_(None), *which], metrics)]
    per_case = [m for m in metrics if m[0] != "compensation_paise"]
    capped_day = _case.c.compensation_capped_day
    summable = accruing is not None and summed.accruing_summable(now, accruing)
    if summable:
        # From mis_accruing, but the cases reaching their cap today (which may owe less than days x
        # rate by now) and the correction for now's hour.
        accruing_stmts = [
            summed.accruing_statement(place, row_level, now, which_on(MisAccruing.__table__), _rolled_up),
            grouped(place, row_level, [*summed.compensation_where(now), capped_day == summed.today(now), *which],
                    [("compensation_paise", func.sum(sla.owed_sql(_case, now, recorded_cap=True)))]),
        ]
        hour = summed.now_hour_statement(place, row_level, now, accruing, which, _rolled_up)
        if hour is not None:
            accruing_stmts.append(hour)
    else:
        accruing_stmts = [
            grouped(place, row_level, [*summed.compensation_where(now), capped_day >= summed.today(now), *which],
                    [("compensation_paise", func.sum(sla.owed_sql(_case, now, recorded_cap=True)))]),
        ]
    return [
        summed.summary_statement(place, row_level, n_levels, now, which_on(MisDay.__table__), _rolled_up),
        # One statement per range: PostgreSQL reads each from its covering index alone, where their OR
        # made a bitmap of all four and read the cases from the table.
        *(grouped(place, row_level, [_case.c.closed_at.is_(None), bound, *which], per_case)
          for bound in summed.bound_day_ranges(now)),
        # The compensation: the caps of the cases that reached theirs before today, from
        # mis_capped_day; case by case, those reaching it today or later, and those whose cap the
        # sweep has not recorded yet (from their bills).
        summed.capped_statement(place, row_level, now, which_on(MisCappedDay.__table__), _rolled_up),
        *accruing_stmts,
        grouped(place, row_level, [*summed.compensation_where(now), capped_day.is_(None), *which],
                [("compensation_paise", func.sum(sla.owed_sql(_case, now)))]),
    ]


def received_statements(place: Place, row_level: str, start: datetime, end: datetime,
                        which: list, which_on) -> list[Select]:
    if which_on is None or row_level == OFFICER:
        when = _case.c.created_at.type
        in_period = _case.c.created_at.between(literal(start, when), literal(end, when))
        return [grouped(place, row_level, [in_period, *which], _received_metrics())]
    return [
        summed.received_statement(place, row_level, start, end, which_on(MisDay.__table__), _rolled_up),
        grouped(place, row_level, [*summed.received_elsewhere(start, end), *which], _received_metrics()),
    ]


def closed_statements(place: Place, row_level: str, start: datetime, end: datetime,
                      which: list, which_on) -> list[Select]:
    if which_on is None or row_level == OFFICER:
        when = _case.c.closed_at.type
        return [grouped(place, row_level, [_case.c.closed_at.between(literal(start, when), literal(end, when)), *which],
                        closed_metrics())]
    return [
        summed.closed_statement(place, row_level, start, end, which_on(MisClosedDay.__table__), _rolled_up,
                                [n for n, _ in closed_metrics()]),
        grouped(place, row_level, [*summed.closed_elsewhere(start, end), *which], closed_metrics()),
    ]


def pending_by_kind(place: Place, row_level: str) -> Select:
    """The open cases of each separate kind, per row (summed by the caller for the office)."""
    return grouped(place, row_level, [_case.c.closed_at.is_(None)],
                   [(k, _count(kinds.condition(k))) for k in kinds.SEPARATE])


def grouped(place: Place, row_level: str, where: list, metrics: list[tuple[str, object]]) -> Select:
    """The metrics per row of the report. Cases are counted per sub-division — those with their
    office set straight from the index, the rest (a writer left it NULL) through their account — and
    the sub-division figures rolled up to the offices at `row_level`."""
    aggregates = [expr.label(name) for name, expr in metrics]
    if row_level == OFFICER:
        key = func.coalesce(_officer(), UNASSIGNED)
        scope = [_office_of_case().in_(offices.subtree_codes(place.path))] if place.path != "/" else []
        return select(key.label("key"), *aggregates).where(*where, *scope).group_by(key)
    own, other = _case.c.office_code, _account_office()
    arms = []
    for office, present in ((own, own.is_not(None)), (other, own.is_(None))):
        scope = [office.in_(offices.subtree_codes(place.path))] if place.path != "/" else []
        arms.append(select(office.label("key"), *aggregates).where(*where, present, *scope).group_by(office))
    return _rolled_up(union_all(*arms).subquery("per_subdivision"), [name for name, _ in metrics], row_level)


def _revisions(place: Place, row_level: str, in_period, which: list) -> Select:
    """Bill revisions approved in the period: how many, and the net change they made to the bills
    (negative: the consumers were credited). By the proposing officer at the officer level."""
    r = _revision.c
    metrics = [("revisions_approved", func.count()), ("revision_amount_paise", func.sum(r.difference_paise))]
    where = [r.status == APPROVED, r.decided_at.between(*in_period)]
    if which:
        where.append(kinds.of_case_kind(which))
    if place.path != "/":
        where.append(r.office_code.in_(offices.subtree_codes(place.path)))
    key = r.maker_id if row_level == OFFICER else r.office_code
    per_key = select(key.label("key"), *(expr.label(name) for name, expr in metrics)).where(*where).group_by(key)
    if row_level == OFFICER:
        return per_key
    return _rolled_up(per_key.subquery("per_subdivision"), [name for name, _ in metrics], row_level)


def _rolled_up(per_sub, names: list[str], row_level: str) -> Select:
    """Figures per sub-division summed to the offices at `row_level`: an office's subtree is the
    sub-divisions whose path starts with its path."""
    sub, grp = _SUB, _GRP
    return (
        select(grp.c.code.label("key"), *(func.sum(per_sub.c[name]).label(name) for name in names))
        .select_from(
            per_sub.join(sub, sub.c.code == per_sub.c.key).join(
                grp, and_(grp.c.level == row_level, func.substr(sub.c.path, 1, func.length(grp.c.path)) == grp.c.path)
            )
        )
        .group_by(grp.c.code)
    )


