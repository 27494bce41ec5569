"""The pending figures from the summary (mis_day, store/pending_days.py) instead of every case.

mis_day counts the open cases per sub-division and IST day of registration and of due time. A figure
that compares a case's time with "now" is decided by its day for every day but the one the bound
falls in: the ageing bounds (now − 8, 16, 31 days) and "due before now / before midnight" (today).
So the figures are the summary's rows of every other day, plus the cases of those four days counted
one by one (query.pending_metrics over an index range each) — the cost grows with offices × days and
a day's cases, not with the pending cases.

The compensation accrued: each case's days late turn over at its own time of day and its cap is its
own, so no count per day gives what a case still accruing owes. But a case that reached its cap owes
the cap from then on: mis_capped_day sums those caps per office and IST day reached
(pending_days.capped), and every case that reached it before today owes it now. A case reaching it
after today owes (days late) x (its rate), and the days late of the cases due in one hour of the UTC
day (whole seconds) are, for every hour but now's, today's day number - their due day (one fewer for
an hour later in the day than now's): mis_accruing sums their due days per IST day of reaching the
cap × hour due × office, so the compensation is its rows' cases x today - due days. Read one by one
are the cases reaching their cap today (from ix_case_accruing), the cases of now's hour due later in
their day than now (one fewer day each: one index range per cap day × due day), and those whose cap
the sweep has not recorded yet (ix_case_accruing's NULL range). If a row holds a case due after now
(a report as of a past moment), the cases reaching their cap after today are read one by one too.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import Select, and_, case, func, literal, or_, select, union_all

from .. import offices, pending_days, sla
from ..models import Account, Case, MisAccruing, MisCappedDay, MisClosedDay, MisDay
from . import kinds
from .scope import Place

_day = MisDay.__table__
_closed = MisClosedDay.__table__
_capped = MisCappedDay.__table__
_accruing = MisAccruing.__table__
_account = Account.__table__
_case = Case.__table__
_AGE_FROM = (8, 16, 31)  # query._AGE_FROM's bounds after the first


def _at(day: int) -> datetime:
    return datetime.fromtimestamp(pending_days.day_start(day), UTC)


def bounds(now: datetime) -> tuple[dict[int, int], int]:
    """The IST day each ageing bound falls in ({8: day, 16: day, 31: day}), and today."""
    return {d: pending_days.day_number(now - timedelta(days=d)) for d in _AGE_FROM}, pending_days.day_number(now)


def summary_metrics(n_levels: int, now: datetime) -> list[tuple[str, object]]:
    """Every pending figure but the compensation, over mis_day rows none of whose days is a bound's."""
    d = _day.c
    age, today = bounds(now)

    def n(*conds):
        return func.coalesce(func.sum(d.pending).filter(and_(*conds)) if conds else func.sum(d.pending), 0)

    return [
        ("pending", n()),
        ("age_0_7", n(d.created_day > age[8])),
        ("age_8_15", n(d.created_day < age[8], d.created_day > age[16])),
        ("age_16_30", n(d.created_day < age[16], d.created_day > age[31])),
        ("age_over_30", n(d.created_day < age[31])),
        ("due_today", literal(0)),  # due today is today's day: counted per case
        ("breached", n(sla.consumer_clock_sql(_day), d.due_day < today)),  # an officer's case has no consumer due
        *((f"level_{k}", n(d.level == k if k < n_levels else d.level >= k)) for k in range(n_levels + 1)),
    ]


def summary_statement(place: Place, row_level: str, n_levels: int, now: datetime, which_day: list, rolled_up) -> Select:
    d = _day.c
    age, today = bounds(now)
    metrics = summary_metrics(n_levels, now)
    where = [d.created_day.not_in(list(age.values())), d.due_day != today, *which_day]
    if place.path != "/":
        where.append(d.office_code.in_(offices.subtree_codes(place.path)))
    per_sub = (
        select(d.office_code.label("key"), *(expr.label(name) for name, expr in metrics))
        .where(*where)
        .group_by(d.office_code)
    )
    return rolled_up(per_sub.subquery("summed"), [name for name, _ in metrics], row_level)


def bound_day_ranges(now: datetime) -> list:
    """SQL: the cases registered on a day an ageing bound falls in or due today, as conditions no case
    meets twice, each one index range: registered on each bound's day, and due today registered on
    none of them."""
    c = _case.c
    when = c.created_at.type
    age, today = bounds(now)

    def within(column, day):
        return and_(column >= literal(_at(day), when), column < literal(_at(day + 1), when))

    days = sorted(set(age.values()))
    return [*(within(c.created_at, day) for day in days),
            and_(within(c.due_at, today), *(~within(c.created_at, day) for day in days))]


def compensation_where(now: datetime) -> list:
    """The open cases owing compensation at `now` (a full day late): ix_case_pending_due's range."""
    return [_case.c.closed_at.is_(None), _case.c.due_at <= literal(sla.late_by_a_day(now), _case.c.due_at.type)]


def today(now: datetime) -> int:
    return pending_days.day_number(now)


def capped_statement(place: Place, row_level: str, now: datetime, which_day: list, rolled_up) -> Select:
    """The compensation of the open cases that reached their cap before today (from mis_capped_day):
    at `now` each owes its cap, whatever its time of day."""
    d = _capped.c
    where = [d.capped_day < today(now), *which_day]
    if place.path != "/":
        where.append(d.office_code.in_(offices.subtree_codes(place.path)))
    per_sub = (
        select(d.office_code.label("key"), func.sum(d.owed_paise).label("compensation_paise"))
        .where(*where)
        .group_by(d.office_code)
    )
    return rolled_up(per_sub.subquery("capped"), ["compensation_paise"], row_level)


def by_kind(place: Place) -> Select:
    """The open cases of each separate kind in the place (one row)."""
    d = _day.c
    where = [d.office_code.in_(offices.subtree_codes(place.path))] if place.path != "/" else []
    return select(
        *(func.coalesce(func.sum(d.pending).filter(kinds.condition(k, _day)), 0).label(k) for k in kinds.SEPARATE)
    ).where(*where)


def whole_days(start: datetime, end: datetime) -> tuple[int, int]:
    """The first and last IST day wholly inside [start, end] (first > last: none)."""
    first, last = pending_days.day_number(start), pending_days.day_number(end)
    if _at(first) != start:
        first += 1
    if _at(last + 1) != end + timedelta(microseconds=1):
        last -= 1
    return first, last


def received_statement(
    place: Place, row_level: str, start: datetime, end: datetime, which_day: list, rolled_up
) -> Select:
    """The cases registered on the days of the period wholly inside it, from mis_day."""
    d = _day.c
    first, last = whole_days(start, end)
    where = [d.created_day >= first, d.created_day <= last, *which_day]
    if place.path != "/":
        where.append(d.office_code.in_(offices.subtree_codes(place.path)))
    per_sub = (
        select(d.office_code.label("key"), func.sum(d.cases).label("received")).where(*where).group_by(d.office_code)
    )
    return rolled_up(per_sub.subquery("summed"), ["received"], row_level)


def received_elsewhere(start: datetime, end: datetime) -> list:
    """SQL: a case registered in the period but on a day only partly inside it (counted one by one)."""
    c = _case.c
    when = c.created_at.type
    first, last = whole_days(start, end)
    inside = [c.created_at.between(literal(start, when), literal(end, when))]
    if first > last:
        return inside
    return [*inside, or_(c.created_at < literal(_at(first), when), c.created_at >= literal(_at(last + 1), when))]


def closed_statement(
    place: Place, row_level: str, start: datetime, end: datetime, which_day: list, rolled_up, names: list[str]
) -> Select:
    """The disposal figures of the cases closed on the days wholly inside the period, from mis_closed_day."""
    d = _closed.c
    first, last = whole_days(start, end)
    where = [d.closed_day >= first, d.closed_day <= last, *which_day]
    if place.path != "/":
        where.append(d.office_code.in_(offices.subtree_codes(place.path)))
    per_sub = (
        select(d.office_code.label("key"), *(func.sum(d[n]).label(n) for n in names))
        .where(*where)
        .group_by(d.office_code)
    )
    return rolled_up(per_sub.subquery("summed"), names, row_level)


def closed_elsewhere(start: datetime, end: datetime) -> list:
    """SQL: a case closed in the period on a day only partly inside it (counted one by one)."""
    c = _case.c
    when = c.closed_at.type
    first, last = whole_days(start, end)
    inside = [c.closed_at.between(literal(start, when), literal(end, when))]
    if first > last:
        return inside
    return [*inside, or_(c.closed_at < literal(_at(first), when), c.closed_at >= literal(_at(last + 1), when))]


def accruing_bounds(now: datetime) -> Select:
    """One row: the earliest UTC day and the latest second any case reaching its cap after today fell
    due, and the last such cap day (NULLs: none)."""
    a = _accruing.c
    return select(func.min(a.first_due_day), func.max(a.last_due), func.max(a.capped_day)).where(a.capped_day > today(now))


def accruing_summable(now: datetime, bounds) -> bool:
    """Whether mis_accruing gives the compensation of the cases reaching their cap after today: none
    of them fell due after `now` (whose days late would count below 0)."""
    return bounds[1] is None or bounds[1] <= int(now.timestamp() // 1)


def accruing_statement(place: Place, row_level: str, now: datetime, which_day: list, rolled_up) -> Select:
    """What the cases reaching their cap after today owe at `now`, from mis_accruing: each row's
    rate x (cases x today's UTC day - their due days - cases, if due later in the day than now's hour)."""
    a = _accruing.c
    day, second = divmod(int(now.timestamp() // 1), pending_days.SECONDS_PER_DAY)
    hour = second // pending_days.SECONDS_PER_HOUR
    days = a.cases * day - a.due_days - case((a.due_hour > hour, a.cases), else_=0)
    where = [a.capped_day > today(now), *which_day]
    if place.path != "/":
        where.append(a.office_code.in_(offices.subtree_codes(place.path)))
    per_sub = (
        select(a.office_code.label("key"), func.sum(sla.rate_sql(_accruing) * days).label("compensation_paise"))
        .where(*where)
        .group_by(a.office_code)
    )
    return rolled_up(per_sub.subquery("accruing"), ["compensation_paise"], row_level)


def now_hour_statement(place: Place, row_level: str, now: datetime, bounds, which: list, rolled_up) -> Select | None:
    """The cases reaching their cap after today that fell due in now's hour of the day but later in it
    than now: accruing_statement() counted each a day late more than it is, so each takes its rate
    off. One index range of ix_case_accruing per cap day × due day (the rows' bounds)."""
    first_due_day, _, last_cap_day = bounds
    if first_due_day is None:
        return None
    day, second = divmod(int(now.timestamp() // 1), pending_days.SECONDS_PER_DAY)
    hour_end = (second // pending_days.SECONDS_PER_HOUR + 1) * pending_days.SECONDS_PER_HOUR
    if second + 1 >= hour_end:
        return None
    c = _case.c
    when = c.due_at.type

    def at(s: int):
        return literal(datetime.fromtimestamp(s, UTC), when)

    # A due time of whole second s is later in its day than now's when s mod 86400 > now's second:
    # due_at >= day start + now's second + 1 (microseconds are dropped by the whole seconds).
    def rows(selects: list) -> Select:
        return union_all(*selects) if len(selects) > 1 else selects[0]

    cap_days = rows([select(literal(d).label("day")) for d in range(today(now) + 1, last_cap_day + 1)]).subquery("cap_days")
    due = rows([
        select(literal(d).label("day"), at(d * pending_days.SECONDS_PER_DAY + second + 1).label("lo"),
               at(d * pending_days.SECONDS_PER_DAY + hour_end).label("hi"))
        for d in range(first_due_day, day + 1)
    ]).subquery("due_windows")
    w = select(cap_days.c.day.label("cap_day"), due.c.lo, due.c.hi).where(due.c.day <= cap_days.c.day).subquery("windows")
    office = func.coalesce(
        c.office_code, select(_account.c.subdivision_code).where(_account.c.account_id == c.account_id).scalar_subquery()
    )
    where = [c.closed_at.is_(None), *which]
    if place.path != "/":
        where.append(office.in_(offices.subtree_codes(place.path)))
    per_sub = (
        select(office.label("key"), func.sum(-sla.rate_sql(_case)).label("compensation_paise"))
        .select_from(w.join(_case, and_(c.compensation_capped_day == w.c.cap_day, c.due_at >= w.c.lo, c.due_at < w.c.hi)))
        .where(*where)
        .group_by(office)
    )
    return rolled_up(per_sub.subquery("now_hour"), ["compensation_paise"], row_level)
