"""The MIS's summary of the cases: those registered and those open, counted per office, request type,
channel, IST day of registration, IST day due and escalation level (table `mis_day`).

Every writer that opens, escalates or closes a case calls one function here in its own transaction —
intake and an officer's own case (`opened`), closing (`closed`), the escalation sweep (`escalated`) —
so the MIS (store/mis/) sums rows per office and day, whatever the number of pending cases. Each
change is an atomic upsert (`INSERT … ON CONFLICT DO UPDATE SET pending = pending + n`, on SQLite and
PostgreSQL alike), so two intakes at once never lose a count. `rebuild` recounts it all from the
cases (migration 0011, `wss demo`, a bench's generated data).

`mis_capped_day` sums the compensation of the open cases that owe their cap and no more, per office
and IST day they reached it (case.compensation_capped_day, sla.capped_at_sql): the sweep adds a case
when it records its cap (`capped`), the closing takes it away (`closed`). The MIS sums the rows of
the days before today. `mis_accruing` counts the same cases per IST day they reach their cap × UTC
hour of the day they fell due, with the sum of their due days: the MIS sums what the cases reaching
their cap after today owe from it, and reads one by one only those of today and of now's hour
(store/mis/summed.py). Both are written by the same calls.

A case is counted under its sub-division as known when it changes (its own office_code, else its
account's): an account moved to another sub-division afterwards moves none of its counts.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, Table, func, select, update
from sqlalchemy.dialects import postgresql, sqlite

from . import sla
from .models import Account, Case, MisAccruing, MisCappedDay, MisClosedDay, MisDay

IST_OFFSET_SECONDS = 19_800  # IST is UTC+5:30 all year
SECONDS_PER_DAY = 86_400
KEY = ("office_code", "request_type", "channel", "created_day", "due_day", "level")
CLOSED_KEY = ("office_code", "request_type", "channel", "closed_day")
CAPPED_KEY = ("office_code", "request_type", "channel", "capped_day")
ACCRUING_KEY = ("capped_day", "due_hour", "office_code", "request_type", "channel")
SECONDS_PER_HOUR = 3_600

_day = MisDay.__table__
_closed = MisClosedDay.__table__
_capped = MisCappedDay.__table__
_accruing = MisAccruing.__table__
_case = Case.__table__
_account = Account.__table__


def day_number(at: datetime) -> int:
    """The IST day of `at`, numbered from 01-01-1970."""
    return (int(at.timestamp() // 1) + IST_OFFSET_SECONDS) // SECONDS_PER_DAY


def day_start(day: int) -> int:
    """The first second (since 1970) of IST day `day`."""
    return day * SECONDS_PER_DAY - IST_OFFSET_SECONDS


def day_sql(column):
    """day_number() of a stored time, in SQL (both engines: whole seconds, integer division of a
    positive number)."""
    return (sla.epoch_sql(column) + IST_OFFSET_SECONDS) // SECONDS_PER_DAY


def _upsert(conn: Connection):
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    return dialect.insert(_day)


def _add(conn: Connection, rows) -> None:
    """rows: a list of dicts, or a SELECT of KEY + pending + cases; each added to its row's counts."""
    stmt = _upsert(conn)
    stmt = stmt.values(rows) if isinstance(rows, list) else stmt.from_select([*KEY, "pending", "cases"], rows)
    stmt = stmt.on_conflict_do_update(
        index_elements=list(KEY),
        set_={"pending": _day.c.pending + stmt.excluded.pending, "cases": _day.c.cases + stmt.excluded.cases},
    )
    conn.execute(stmt)


def _key(case: Case, office_code: str, level: int | None = None) -> dict:
    return dict(
        office_code=office_code,
        request_type=case.request_type,
        channel=case.channel,
        created_day=day_number(case.created_at),
        due_day=day_number(case.due_at),
        level=case.escalation_level if level is None else level,
    )


def _office(conn: Connection, case: Case) -> str:
    if case.office_code:
        return case.office_code
    return conn.scalar(select(_account.c.subdivision_code).where(_account.c.account_id == case.account_id))


def opened(conn: Connection, case: Case) -> None:
    """A case registered (intake, an officer's own case): one more pending."""
    _add(conn, [{**_key(case, _office(conn, case), level=case.escalation_level or 0), "pending": 1, "cases": 1}])


def closed(conn: Connection, case: Case) -> None:
    """A case just closed (its closing and closure record written): one fewer open, at the level it
    had (its row is locked by the closing), and its disposal figures added to its day of closing —
    the MIS's own SQL over this one case (mis/query.py), so the two cannot disagree."""
    c = _case.c
    level = conn.scalar(select(c.escalation_level).where(c.case_id == case.case_id))
    _add(conn, [{**_key(case, _office(conn, case), level=level), "pending": -1, "cases": 0}])
    _add_closed(conn, [c.case_id == case.case_id])
    # Its owed cap no longer counted (none while its cap was not recorded).
    _add_capped(conn, [c.case_id == case.case_id, c.compensation_capped_day.is_not(None)], c.compensation_capped_day, -1)


def capped_day_sql(cap=None):
    """The IST day each case with its cap recorded (or `cap`) stops accruing (sla.capped_at_sql)."""
    return (sla.capped_at_sql(_case, cap) + IST_OFFSET_SECONDS) // SECONDS_PER_DAY


def recording_caps(cap) -> tuple[dict, tuple]:
    """What the sweep's UPDATE that records the caps of open cases sets (the cap `cap` and the day it
    is reached) and returns for capped(): one statement, so each case's row is written once."""
    c = _case.c
    values = {"compensation_cap_paise": cap, "compensation_capped_day": capped_day_sql(cap)}
    return values, (_office_sql(), c.request_type, c.channel, c.compensation_capped_day, sla.capped_owed_sql(_case),
                    sla.epoch_sql(c.due_at))


def capped(conn: Connection, recorded) -> int:
    """The rows the sweep's recording of caps returned (recording_caps): each case added to
    mis_capped_day, in the sweep's transaction. Returns how many."""
    sums: dict[tuple, list[int]] = {}
    hours: dict[tuple, list[int]] = {}
    n = 0
    for office, request_type, channel, day, owed, due in recorded:  # a day's newly due cases: a few rows per office
        n += 1
        row = sums.setdefault((office, request_type, channel, day), [0, 0])
        row[0] += 1
        row[1] += int(owed)
        due_day, second = divmod(int(due), SECONDS_PER_DAY)
        hour = hours.setdefault((day, second // SECONDS_PER_HOUR, office, request_type, channel), [0, 0, due_day, int(due)])
        hour[0] += 1
        hour[1] += due_day
        hour[2] = min(hour[2], due_day)
        hour[3] = max(hour[3], int(due))
    # In key order, as every writer of the MIS's day rows takes them (store/locking.py).
    rows = [{**dict(zip(CAPPED_KEY, key)), "cases": cases, "owed_paise": owed} for key, (cases, owed) in sorted(sums.items())]
    for i in range(0, len(rows), 1000):
        _upsert_capped(conn, rows[i:i + 1000])
    rows = [{**dict(zip(ACCRUING_KEY, key)), "cases": v[0], "due_days": v[1], "first_due_day": v[2], "last_due": v[3]}
            for key, v in sorted(hours.items())]
    for i in range(0, len(rows), 1000):
        _upsert_accruing(conn, rows[i:i + 1000])
    return n


def _add_capped(conn: Connection, where: list, day, sign: int, accruing: bool = True) -> None:
    """Each case `where` picks (with its cap recorded) added (sign 1) to or taken (-1) from the row of
    `day`."""
    c = _case.c
    cols = (_office_sql(), c.request_type, c.channel, day)
    _upsert_capped(conn, select(*cols, func.count() * sign, func.sum(sla.capped_owed_sql(_case)) * sign)
                   .where(*where).group_by(*cols).order_by(*cols))
    if accruing:
        _add_accruing(conn, where, day, sign)


def _add_accruing(conn: Connection, where: list, day, sign: int) -> None:
    c = _case.c
    due = sla.epoch_sql(c.due_at)
    cols = (day, (due % SECONDS_PER_DAY) // SECONDS_PER_HOUR, _office_sql(), c.request_type, c.channel)
    _upsert_accruing(conn, select(*cols, func.count() * sign, func.sum(due // SECONDS_PER_DAY) * sign,
                                  func.min(due // SECONDS_PER_DAY), func.max(due))
                     .where(*where).group_by(*cols).order_by(*cols))


def _upsert_accruing(conn: Connection, rows) -> None:
    """rows: a list of dicts, or a SELECT of ACCRUING_KEY + cases + due_days + first_due_day + last_due;
    each added to its row, the bounds widened (never narrowed: a closing leaves them as they were)."""
    pg = conn.dialect.name == "postgresql"
    stmt = (postgresql if pg else sqlite).insert(_accruing)
    names = ["cases", "due_days", "first_due_day", "last_due"]
    stmt = stmt.values(rows) if isinstance(rows, list) else stmt.from_select([*ACCRUING_KEY, *names], rows)
    a = _accruing.c
    least, greatest = (func.least, func.greatest) if pg else (func.min, func.max)  # SQLite's two-argument min/max
    conn.execute(
        stmt.on_conflict_do_update(
            index_elements=list(ACCRUING_KEY),
            set_={"cases": a.cases + stmt.excluded.cases, "due_days": a.due_days + stmt.excluded.due_days,
                  "first_due_day": least(a.first_due_day, stmt.excluded.first_due_day),
                  "last_due": greatest(a.last_due, stmt.excluded.last_due)},
        )
    )


def _upsert_capped(conn: Connection, rows) -> None:
    """rows: a list of dicts, or a SELECT of CAPPED_KEY + cases + owed_paise; each added to its row."""
    stmt = (postgresql if conn.dialect.name == "postgresql" else sqlite).insert(_capped)
    stmt = stmt.values(rows) if isinstance(rows, list) else stmt.from_select([*CAPPED_KEY, "cases", "owed_paise"], rows)
    conn.execute(
        stmt.on_conflict_do_update(
            index_elements=list(CAPPED_KEY),
            set_={"cases": _capped.c.cases + stmt.excluded.cases, "owed_paise": _capped.c.owed_paise + stmt.excluded.owed_paise},
        )
    )


def _add_closed(conn: Connection, where: list) -> None:
    from .mis.query import closed_metrics  # the MIS package imports the store's writers

    c = _case.c
    metrics = closed_metrics()
    cols = (_office_sql(), c.request_type, c.channel, day_sql(c.closed_at))
    stmt = (postgresql if conn.dialect.name == "postgresql" else sqlite).insert(_closed)
    stmt = stmt.from_select(
        [*CLOSED_KEY, *(name for name, _ in metrics)],
        select(*cols, *(func.coalesce(expr, 0) for _, expr in metrics))
        .where(c.closed_at.is_not(None), *where)
        .group_by(*cols),
    )
    conn.execute(
        stmt.on_conflict_do_update(
            index_elements=list(CLOSED_KEY), set_={name: _closed.c[name] + stmt.excluded[name] for name, _ in metrics}
        )
    )


def _office_sql():
    c = _case.c
    return func.coalesce(
        c.office_code,
        select(_account.c.subdivision_code).where(_account.c.account_id == c.account_id).scalar_subquery(),
    )


def escalated(conn: Connection, moves: Table) -> None:
    """The sweep's cases moving up: `moves` has, per case, its key as the sweep read it with the case
    locked in its unit of work (`case_office`, request_type, channel, created_day and due_day, as
    day_number() gives them), from_level and level. Counted from `moves` alone: joining the cases
    again would read 28,000 case rows twice for what the sweep's read already holds."""
    m = moves.c
    for level_col, sign in ((m.from_level, -1), (m.level, 1)):
        cols = (m.case_office, m.request_type, m.channel, m.created_day, m.due_day, level_col)
        # In key order: each row is locked as it is upserted, and the same rows in two orders deadlock.
        _add(conn, select(*cols, func.count() * sign, func.count() * sign).group_by(*cols).order_by(*cols))


def rebuild(conn: Connection) -> int:
    """Recount every case; returns the rows of mis_day written."""
    rows = recount_days(conn)
    recount_capped(conn)
    return rows


def recount_capped(conn: Connection, *, accruing: bool = True) -> None:
    """Each open case's day of reaching its recorded cap worked out again (a rule changed, or a case
    written behind the writers' backs), and mis_capped_day recounted from them."""
    c = _case.c
    conn.execute(
        update(_case)
        .where(c.closed_at.is_(None), c.compensation_cap_paise.is_not(None),
               c.compensation_capped_day.is_distinct_from(capped_day_sql()))
        .values(compensation_capped_day=capped_day_sql())
    )
    conn.execute(
        update(_case)
        .where(c.closed_at.is_(None), c.compensation_cap_paise.is_(None), c.compensation_capped_day.is_not(None))
        .values(compensation_capped_day=None)
    )
    conn.execute(_capped.delete())
    if accruing:  # migration 0014 recounts before 0015 makes mis_accruing
        conn.execute(_accruing.delete())
    _add_capped(conn, [c.closed_at.is_(None), c.compensation_capped_day.is_not(None)], c.compensation_capped_day, 1, accruing)


def recount_accruing(conn: Connection) -> None:
    """mis_accruing recounted from the open cases' recorded cap days (migration 0015)."""
    c = _case.c
    conn.execute(_accruing.delete())
    _add_accruing(conn, [c.closed_at.is_(None), c.compensation_capped_day.is_not(None)], c.compensation_capped_day, 1)


def recount_days(conn: Connection) -> int:
    """mis_day and mis_closed_day recounted from the cases; returns the rows of mis_day written."""
    conn.execute(_closed.delete())
    _add_closed(conn, [])
    conn.execute(_day.delete())
    c = _case.c
    office = func.coalesce(
        c.office_code,
        select(_account.c.subdivision_code).where(_account.c.account_id == c.account_id).scalar_subquery(),
    )
    cols = (office, c.request_type, c.channel, day_sql(c.created_at), day_sql(c.due_at), c.escalation_level)
    _add(
        conn,
        select(*cols, func.count().filter(c.closed_at.is_(None)), func.count())
        .where(c.case_id.is_not(None))
        .group_by(*cols),
    )
    return conn.scalar(select(func.count()).select_from(_day))
