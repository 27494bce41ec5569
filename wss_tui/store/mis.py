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

from dataclasses import dataclass, fields
from datetime import datetime, time, timedelta

from sqlalchemy import Select, and_, exists, func, literal, select, union_all
from sqlmodel import Session

from .revision import closure
from . import clock, config, escalation, offices, sla, sms, timefmt
from .clock import IST
from .errors import Denied, Invalid, NotFound
from . import text as text_rule
from .models import APPROVED, Account, BillRevision, Case, CaseClosure, Office, SmsOutbox, Staff, ToDo

OFFICER = "officer"
GROUP_LEVELS = (*config.OFFICE_LEVELS, OFFICER)
ALL = "all"  # the level of the administrator's top: every discom
AGE_BUCKETS = ("0-7", "8-15", "16-30", "over 30")  # full days since registration
# Bucket lower bounds in days: a case aged d full days is in the last bucket whose bound is <= d.
_AGE_FROM = (0, 8, 16, 31)
REJECTED = "Reject the Case"
UNASSIGNED = ""

_case = Case.__table__
_account = Account.__table__
_office = Office.__table__
_todo = ToDo.__table__
_closure = CaseClosure.__table__
_revision = BillRevision.__table__
_staff = Staff.__table__
_sms = SmsOutbox.__table__


@dataclass(frozen=True)
class Figures:
    pending: int = 0
    age_0_7: int = 0
    age_8_15: int = 0
    age_16_30: int = 0
    age_over_30: int = 0
    due_today: int = 0  # not yet due, due before midnight IST
    breached: int = 0
    levels: tuple[int, ...] = ()  # pending cases at escalation level 0, 1, 2, …
    compensation_paise: int = 0  # accrued on the pending cases up to now
    received: int = 0
    closed: int = 0
    closed_within_sla: int = 0
    rejected: int = 0
    closed_without_otp: int = 0
    closed_compensation_paise: int = 0  # owed on the cases closed in the period
    revisions_approved: int = 0  # bill revisions approved in the period
    revision_amount_paise: int = 0  # their net change to the bills (negative: credited to consumers)
    sms_failed: int = 0  # messages on these cases that delivery gave up on, of any date

    @property
    def ageing(self) -> tuple[int, int, int, int]:
        return (self.age_0_7, self.age_8_15, self.age_16_30, self.age_over_30)

    def __add__(self, other: Figures) -> Figures:
        values = {}
        for f in fields(self):
            a, b = getattr(self, f.name), getattr(other, f.name)
            if f.name == "levels":
                width = max(len(a), len(b))
                values[f.name] = tuple(x + y for x, y in zip(a + (0,) * (width - len(a)), b + (0,) * (width - len(b))))
            else:
                values[f.name] = a + b
        return Figures(**values)


@dataclass(frozen=True)
class MisRow:
    key: str  # office code, or the officer's user ID ("" for cases nobody has taken)
    name: str
    level: str  # discom … subdivision, or officer
    figures: Figures
    drillable: bool  # Enter goes one level down from this row


@dataclass(frozen=True)
class MisReport:
    office_code: str | None  # whose subtree; None: every discom (the administrator's top)
    office_name: str
    office_level: str  # discom … subdivision, or "all"
    breadcrumb: list[tuple[str | None, str]]  # (code, name) from the top of the actor's scope down
    parent_code: str | None  # one level up (None with can_go_up: the administrator's top)
    can_go_up: bool  # False at the top of the actor's scope
    row_level: str
    rows: list[MisRow]
    total: Figures
    period_start: datetime
    period_end: datetime
    as_of: datetime
    escalation_levels: int  # levels of the matrix; Figures.levels has one more (level 0)


@dataclass(frozen=True)
class _Place:
    code: str | None
    name: str
    level: str
    path: str  # "/" for the administrator's top


def report(
    session: Session,
    actor_id: str | None,
    *,
    office: str | None = None,
    level: str | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
    now: datetime | None = None,
) -> MisReport:
    """The MIS of `office` (default: the top of the actor's scope) with one row per office at `level`
    (default: the level below) or per officer; disposal over [start, end] (default: this month so far).
    `actor_id` None is the administrator's command line: every office."""
    now = now or clock.now()
    start, end = _period(start, end, now)
    scope = _scope(session, actor_id)
    place = _place(session, scope, office)
    row_level = _row_level(place, level)
    n_levels = len(escalation.matrix().levels)
    found: dict[str, dict] = {}
    for stmt in _statements(place, row_level, n_levels, now, start, end):
        for r in session.connection().execute(stmt):
            found.setdefault(r.key, {}).update(r._mapping)
    figures_by_key = {key: _figures(values, n_levels) for key, values in found.items()}
    rows = _rows(session, place, row_level, figures_by_key, n_levels)
    total = sum((r.figures for r in rows), Figures(levels=(0,) * (n_levels + 1)))
    parent, can_go_up = _parent(place, scope)
    return MisReport(
        office_code=place.code,
        office_name=place.name,
        office_level=place.level,
        breadcrumb=_breadcrumb(session, place, scope),
        parent_code=parent,
        can_go_up=can_go_up,
        row_level=row_level,
        rows=rows,
        total=total,
        period_start=start,
        period_end=end,
        as_of=now,
        escalation_levels=n_levels,
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


# --- who sees what -----------------------------------------------------------------------------


def _scope(session: Session, actor_id: str | None) -> _Place:
    if actor_id is None:
        return _Place(None, "All discoms", ALL, "/")
    staff = session.get(Staff, actor_id.strip().upper())
    if staff is None or not staff.active:
        raise Denied("user", f"{actor_id} is not an active staff member; log in again")
    role = config.roles().get(staff.role)
    if role is None or not role.works_todos:
        raise Denied("role", f"{staff.role} does not work complaints, so has no MIS; ask your SDO")
    path = offices.scope_path(session, staff)
    top = offices.get(session, path.strip("/").split("/")[-1])
    return _Place(top.code, top.name, top.level, top.path)


def _place(session: Session, scope: _Place, code: str | None) -> _Place:
    if code is None:
        return scope
    code = text_rule.check("office", code.strip().upper())  # PostgreSQL fails on a NUL in a key
    found = session.get(Office, code)
    # Outside the actor's offices looks the same as not there at all.
    if found is None or not found.path.startswith(scope.path):
        raise NotFound("office", f"no office {code} in your offices; check the code (wss mis lists them)")
    return _Place(found.code, found.name, found.level, found.path)


def _row_level(place: _Place, level: str | None) -> str:
    below = config.OFFICE_LEVELS[config.OFFICE_LEVELS.index(place.level) + 1 :] if place.level != ALL else config.OFFICE_LEVELS
    if level is None:
        return below[0] if below else OFFICER
    level = level.strip().lower().replace("-", "")
    if level == OFFICER or level in below:
        return level
    allowed = ", ".join((*below, OFFICER))
    raise Invalid("level", f"{level!r} is not below {place.code or 'the top'}; use one of: {allowed}")


def _parent(place: _Place, scope: _Place) -> tuple[str | None, bool]:
    if place.path == scope.path:
        return None, False
    codes = place.path.strip("/").split("/")
    return (codes[-2] if len(codes) > 1 else None), True


def _breadcrumb(session: Session, place: _Place, scope: _Place) -> list[tuple[str | None, str]]:
    crumbs: list[tuple[str | None, str]] = [(None, scope.name)] if scope.code is None else []
    codes = place.path.strip("/").split("/") if place.code else []
    start = len(scope.path.strip("/").split("/")) - 1 if scope.code else 0
    wanted = codes[start:]
    names = dict(session.connection().execute(select(_office.c.code, _office.c.name).where(_office.c.code.in_(wanted))).all()) if wanted else {}
    return crumbs + [(c, names.get(c, c)) for c in wanted]


# --- the query ---------------------------------------------------------------------------------


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


def _pending_metrics(n_levels: int, now: datetime) -> list[tuple[str, object]]:
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
        ("due_today", _count(c.due_at >= literal(now, when), c.due_at < literal(end_of_today, when))),
        ("breached", _count(c.due_at < literal(now, when))),
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


def _closed_metrics() -> list[tuple[str, object]]:
    c = _case.c
    # Confirmed by the consumer's OTP, or an officer's own case with no consumer to confirm: any other
    # closing — an EE's closing without OTP, or one from before closures were recorded — counts.
    confirmed = exists().where(_closure.c.case_id == c.case_id, _closure.c.method.in_((closure.BY_OTP, closure.BY_OFFICER)))
    return [
        ("closed", func.count()),
        ("closed_within_sla", _count(c.closed_at <= c.due_at)),
        ("rejected", _count(c.status == REJECTED)),
        ("closed_without_otp", _count(~confirmed)),
        ("closed_compensation_paise", func.sum(sla.compensation_sql(_case, c.closed_at))),
    ]


def _statements(place: _Place, row_level: str, n_levels: int, now: datetime, start: datetime, end: datetime) -> list[Select]:
    """Five statements, each one pass over an index range: the open cases (ix_case_pending), the
    cases received in the period (ix_case_received), those closed in it (ix_case_closed_at), the
    bill revisions approved in it, and the failed SMS (ix_sms_outbox_status_next) with their cases."""
    when = _case.c.created_at.type
    in_period = (literal(start, when), literal(end, when))
    return [
        _grouped(place, row_level, [_case.c.closed_at.is_(None)], _pending_metrics(n_levels, now)),
        _grouped(place, row_level, [_case.c.created_at.between(*in_period)], _received_metrics()),
        _grouped(place, row_level, [_case.c.closed_at.between(*in_period)], _closed_metrics()),
        _revisions(place, row_level, in_period),
        _grouped(place, row_level, [_sms.c.status == sms.FAILED, _sms.c.case_id == _case.c.case_id], [("sms_failed", func.count())]),
    ]


def _grouped(place: _Place, row_level: str, where: list, metrics: list[tuple[str, object]]) -> Select:
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


def _revisions(place: _Place, row_level: str, in_period) -> Select:
    """Bill revisions approved in the period: how many, and the net change they made to the bills
    (negative: the consumers were credited). By the proposing officer at the officer level."""
    r = _revision.c
    metrics = [("revisions_approved", func.count()), ("revision_amount_paise", func.sum(r.difference_paise))]
    where = [r.status == APPROVED, r.decided_at.between(*in_period)]
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
    sub, grp = _office.alias("sub"), _office.alias("grp")
    return (
        select(grp.c.code.label("key"), *(func.sum(per_sub.c[name]).label(name) for name in names))
        .select_from(
            per_sub.join(sub, sub.c.code == per_sub.c.key).join(
                grp, and_(grp.c.level == row_level, func.substr(sub.c.path, 1, func.length(grp.c.path)) == grp.c.path)
            )
        )
        .group_by(grp.c.code)
    )


def _figures(m: dict, n_levels: int) -> Figures:
    values = {f.name: int(m[f.name] or 0) for f in fields(Figures) if f.name in m}
    values["levels"] = tuple(int(m.get(f"level_{k}") or 0) for k in range(n_levels + 1))
    return Figures(**values)


def _rows(session: Session, place: _Place, row_level: str, figures: dict[str, Figures], n_levels: int) -> list[MisRow]:
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


# The money figures, as the tables head them. Tables show them rounded to the rupee (timefmt.whole_rupees);
# CSV and JSON carry the exact paise.
MONEY_LABELS = {
    "compensation_paise": "Comp Rs",
    "closed_compensation_paise": "Disposal Comp Rs",
    "revision_amount_paise": "Rev Rs",
}


def rounding_notes(report: MisReport, names: tuple[str, ...] = tuple(MONEY_LABELS)) -> list[str]:
    """A line for each money column whose rows, each rounded to the rupee, do not add up to the
    rounded total (Rs 0.50 in each of two rows shows as 1 and 1, their total of Rs 1.00 as 1)."""
    notes = []
    for name in names:
        rows = [getattr(r.figures, name) for r in report.rows]
        total = getattr(report.total, name)
        if timefmt.rounding_gap(rows, total):
            shown = sum(timefmt.round_rupees(p) for p in rows)
            notes.append(
                f"{MONEY_LABELS[name]}: rows rounded to the rupee add to {timefmt.whole_rupees(shown * 100)}; "
                f"the total is {timefmt.rupees(total).removesuffix('INR')}"
            )
    return notes


def export_columns(escalation_levels: int) -> list[str]:
    """The column names of a CSV or JSON row, in order (the figures of Figures, levels spread)."""
    names = []
    for f in fields(Figures):
        if f.name == "levels":
            names += [f"level_{k}" for k in range(escalation_levels + 1)]
        else:
            names.append(f.name)
    return names


def export_row(figures: Figures) -> dict[str, int]:
    out: dict[str, int] = {}
    for f in fields(Figures):
        value = getattr(figures, f.name)
        if f.name == "levels":
            out.update({f"level_{k}": n for k, n in enumerate(value)})
        else:
            out[f.name] = value
    return out
