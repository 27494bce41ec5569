"""The MIS: pending complaints and their disposal, by office, for the MIS screen and `wss mis` alike.

`report()` is the one query both call. It counts in SQL — one pass over the cases of the office's
subtree, every figure a SUM of a CASE, grouped by sub-division (or by officer) and then rolled up to
the level asked for through the office table — so no case is ever loaded into Python, whatever the
volume. The rows partition the office's subtree, so the total is the sum of the rows.

Pending: open cases by age since registration (0–7, 8–15, 16–30, over 30 full days), due later today,
breached (past their due time), by escalation level, and the compensation accrued so far (sla.py).
Disposal in a period: received, closed, closed within their SLA, rejected, closed without the
consumer's OTP (store/revision/closure.py), the compensation owed on those closed, and the bill revisions
approved with the net amount they changed. And, whatever the period, the SMS to consumers that
delivery gave up on (store/sms/): a consumer who never got the registration number or the
OTP is a complaint the office must phone.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

from sqlalchemy import select
from sqlmodel import Session

from .. import clock, escalation
from ..clock import IST
from ..errors import Invalid
from ..models import Office, Staff
from . import scope as who
from .figures import Figures, MisReport, MisRow, from_mapping
from . import kinds, summed
from .query import UNASSIGNED, pending_by_kind, statements
from .scope import OFFICER, Place

_office = Office.__table__
_staff = Staff.__table__


def report(
    session: Session,
    actor_id: str | None,
    *,
    office: str | None = None,
    level: str | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
    now: datetime | None = None,
    kind: str = kinds.BILL_REVISION,
    channel: str | None = None,
    summary: bool = True,
) -> MisReport:
    """The MIS of `office` (default: the top of the actor's scope) with one row per office at `level`
    (default: the level below) or per officer; disposal over [start, end] (default: this month so far);
    of the cases of `kind` (kinds.KINDS: bill-revision complaints by default), through `channel` if given.
    `actor_id` None is the administrator's command line: every office. `summary` False counts the
    pending, received and closed figures from every case instead of the summaries (mis_day,
    mis_closed_day): the same figures, which the tests hold it to."""
    now = now or clock.now()
    start, end = _period(start, end, now)
    which = kinds.which(kind, channel)
    scope = who.scope(session, actor_id)
    place = who.place(session, scope, office)
    row_level = who.row_level(place, level)
    n_levels = len(escalation.matrix().levels)
    if session.connection().dialect.name == "postgresql":
        # The cap's subqueries (never run for a case whose cap is recorded) make the planner's cost
        # estimates huge, and PostgreSQL then compiles each statement with JIT: 5–6 s of compiling
        # for 0.5 s of work at 1,000,000 cases. For this transaction only.
        session.connection().exec_driver_sql("SET LOCAL jit = off")
        # The compensation sums every owing case grouped by office: a sort of a few hundred thousand
        # rows that spilled to disk at the default 4 MB.
        session.connection().exec_driver_sql("SET LOCAL work_mem = '64MB'")
    which_on = (lambda table: kinds.which(kind, channel, table)) if summary else None
    # The bounds of mis_accruing's rows that count (summed.now_hour_statement reads the cases between them).
    accruing = session.connection().execute(summed.accruing_bounds(now)).one() if summary else None
    found: dict[str, dict] = {}
    for stmt in statements(place, row_level, n_levels, now, start, end, which, which_on, accruing):
        for r in session.connection().execute(stmt):
            values = found.setdefault(r.key, {})
            for name, value in r._mapping.items():
                if name != "key":
                    values[name] = values.get(name, 0) + int(value or 0)
    by_kind = dict.fromkeys(kinds.SEPARATE, 0)
    for r in session.connection().execute(summed.by_kind(place) if summary else pending_by_kind(place, row_level)):
        for k in by_kind:
            by_kind[k] += int(r._mapping[k] or 0)
    figures_by_key = {key: from_mapping(values, n_levels) for key, values in found.items()}
    rows = _rows(session, place, row_level, figures_by_key, n_levels)
    total = sum((r.figures for r in rows), Figures(levels=(0,) * (n_levels + 1)))
    parent, can_go_up = who.parent(place, scope)
    return MisReport(
        office_code=place.code,
        office_name=place.name,
        office_level=place.level,
        breadcrumb=who.breadcrumb(session, place, scope),
        parent_code=parent,
        can_go_up=can_go_up,
        row_level=row_level,
        rows=rows,
        total=total,
        period_start=start,
        period_end=end,
        as_of=now,
        escalation_levels=n_levels,
        kind=kind,
        channel=channel,
        pending_by_kind=tuple(by_kind.items()),
    )


def this_month(now: datetime) -> tuple[datetime, datetime]:
    """The default period: from the 1st of this month (IST) to now."""
    return period("this month", now)


PERIODS = ("this month", "last month", "financial year", "today")


def period(name: str, now: datetime) -> tuple[datetime, datetime]:
    """A named disposal period, in IST days: this month or the financial year (April to March) so
    far, the whole of last month, or today so far."""
    today = now.astimezone(IST).date()

    def start_of(day) -> datetime:
        return datetime.combine(day, time(), tzinfo=IST).astimezone(now.tzinfo)

    if name == "this month":
        return start_of(today.replace(day=1)), now
    if name == "last month":
        first = today.replace(day=1)
        return start_of((first - timedelta(days=1)).replace(day=1)), start_of(first) - timedelta(microseconds=1)
    if name == "financial year":
        year = today.year if today.month >= 4 else today.year - 1
        return start_of(today.replace(year=year, month=4, day=1)), now
    if name == "today":
        return start_of(today), now
    raise Invalid("period", f"unknown period {name!r}; use one of: {', '.join(PERIODS)}")


def _period(start: datetime | None, end: datetime | None, now: datetime) -> tuple[datetime, datetime]:
    default_start, default_end = this_month(now)
    start, end = start or default_start, end or default_end
    for name, when in (("from", start), ("to", end)):
        if when.tzinfo is None:
            raise Invalid(name, "give the time with its zone (timefmt.parse_when does)")
    if start > end:
        raise Invalid("to", "the period ends before it starts; swap --from and --to")
    return start, end


def _rows(session: Session, place: Place, row_level: str, figures: dict[str, Figures], n_levels: int) -> list[MisRow]:
    conn = session.connection()
    if row_level == OFFICER:
        names = dict(conn.execute(select(_staff.c.user_id, _staff.c.name).where(_staff.c.user_id.in_([k for k in figures if k]))).all()) if figures else {}
        keys = sorted(figures, key=lambda k: (k == UNASSIGNED, k))
        return [MisRow(k, names.get(k, k) if k else "(not taken)", OFFICER, figures[k], drillable=False) for k in keys]
    zero = Figures(levels=(0,) * (n_levels + 1))
    # Every office at the level is listed, an office with nothing pending too: a zero is a figure.
    found = conn.execute(
        select(_office.c.code, _office.c.name)
        .where(_office.c.level == row_level, _office.c.path.startswith(place.path, autoescape=True))
        .order_by(_office.c.path)
    ).all()
    return [MisRow(o.code, o.name, row_level, figures.get(o.code, zero), drillable=True) for o in found]


