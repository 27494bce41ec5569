"""The MIS and the escalation sweep at 1,000,000 cases (400,000 pending), against hand-written SQL.

    .venv/bin/python bench/mis_escalation.py              # build (or --reuse) and measure
    .venv/bin/python bench/mis_escalation.py --reuse --runs 10

It builds a SQLite file of generated data (SQLAlchemy Core executemany in batches): the offices, a few
staff per sub-division, 200,000 accounts with a year of monthly bills each (the compensation cap reads
them), 1,000,000 cases in registration order on random accounts — 600,000 closed over two years (each
1 to 20 days after its registration, and never after "now": a case that would close later is moved
back, registration and closing, by its window of registration, so every day closes about a day's intake),
400,000 pending registered over the last 60 days, 70% of them bill-correction complaints — each with
its To Do, then the state the nightly sweeps would have left: caps recorded for the cases closed late,
and yesterday's `escalation.sweep()` (levels, escalation To Dos, caps of the open cases then due).
Building takes several minutes; `--reuse` keeps the file. Then, in one run:

1. MIS: `mis.report(session, None)` — the administrator's top, every figure, by discom — inside
   `db.read(engine)` as the screen's worker and `wss mis` call it, against the same figures by
   hand-written SQL through the `sqlite3` module (three statements, as the store's), against the bare
   "pending by office and age" query the issue names, and against that query as it had to be written
   before migration 0002 (through the account).
2. Sweep: `wss escalate`'s sweep (services.escalation: batches of --batch cases, each its own unit of
   work) at the bench's "now" — a day's escalations — then again at the same time (nothing left to
   do), on a copy of the file; wall clock and the process's CPU time (on SQLite the database works in
   the process, so CPU time is the steadier figure on a shared machine). `--sweep-only` skips the MIS.

Targets (issue 5): the MIS ≤ 1 s and ≤ 1.5x the hand-written SQL; the sweep ≤ 5 s, the second ≤ 1 s.
"""

from __future__ import annotations

import argparse
import random
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine, event, func, insert, select, update
from sqlalchemy.engine import make_url

from wss_tui.services import escalation as sweeping
from wss_tui.store import db, escalation, mis, pending_days, sla

try:
    from . import pg_data
except ImportError:  # run as a script
    import pg_data
from wss_tui.store.clock import IST
from wss_tui.store.models import BEING_WORKED_ON, COMPLETE, OPEN, Account, Bill, Case, CaseLog, Office, Staff, ToDo
from wss_tui.store.offices import office_rows

BATCH = 20_000
NOW = datetime(2026, 11, 28, 5, 30, tzinfo=UTC)  # 28-11-2026 11:00 IST, the tests' clock
N_ACCOUNTS = 200_000
N_CASES = 1_000_000
N_PENDING = 400_000
PENDING_DAYS = 60
BILL_MONTHS = 12


# --- building the data ---------------------------------------------------------------------------


def _month(day: date, back: int) -> date:
    index = day.year * 12 + day.month - 1 - back
    return date(index // 12, index % 12 + 1, 1)


def _sqlite_text(at: datetime) -> str:
    """A time as UTCDateTime stores it on SQLite (naive UTC text), for the hand-written SQL."""
    return at.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")


def build(engine: Engine, *, seed: int = 1) -> None:
    rng = random.Random(seed)
    db.drop_all(engine)
    db.upgrade(engine)
    offices = office_rows()
    subdivisions = [o for o in offices if o["level"] == "subdivision"]
    staff = []
    for o in subdivisions:
        short = o["code"].removeprefix("ESD-").replace("-", "")
        for role, n in (("TR-SDC", 2), ("TR-SDO", 1)):
            for k in range(1, n + 1):
                staff.append(dict(user_id=f"{short}-{role[3:]}{k}", name=f"STAFF,{short}{k}", office_code=o["code"], role=role,
                                  password_hash="-", active=True, failed_logins=0))
    holders = {o["code"]: [s["user_id"] for s in staff if s["office_code"] == o["code"]] for o in subdivisions}
    account_sub = [subdivisions[i % len(subdivisions)]["code"] for i in range(N_ACCOUNTS)]
    this_month = NOW.date().replace(day=1)

    def accounts() -> Iterator[dict]:
        for i in range(N_ACCOUNTS):
            sub = account_sub[i]
            yield dict(account_id=str(1_000_000_000 + i), system="CCB", person_name=f"CONSUMER {i}", premise_address=f"{i % 900 + 1}/A Ward {i % 40}",
                       town="Lucknow", tariff_category="LMV-1", supply_type="Residential / Domestic", sanctioned_load_kw=2.0,
                       subdivision_code=sub, area="URBAN", smart_meter=False, status="ACTIVE", connected_on=date(2010, 1, 1),
                       current_balance_paise=0, payoff_balance_paise=0, language="hi")

    def bills() -> Iterator[dict]:
        for i in range(N_ACCOUNTS):
            load = rng.choice((1, 2, 2, 3, 5))
            for back in range(BILL_MONTHS, 0, -1):
                month = _month(this_month, back)
                yield dict(bill_no=str(100_000_000_000 + i * BILL_MONTHS + back), account_id=str(1_000_000_000 + i), bill_month=month,
                           period_from=month, period_to=month + timedelta(days=27), bill_date=month + timedelta(days=32),
                           due_date=month + timedelta(days=47), units=float(150 * load), basis="ACT", tariff_category="LMV-1",
                           sanctioned_load_kw=float(load), fixed_charge_paise=11_000 * load, energy_charge_paise=90_000 * load,
                           duty_paise=4_500 * load, arrear_paise=0, amount_paise=105_500 * load, state="ISSUED")

    # Cases go in as they would arrive: in registration order, on any account, with random IDs.
    # A closed case is registered over the window of its kind and closed 1 to 20 days later; one whose
    # closing would fall after NOW goes back, with its registration, by that window (whole days), so
    # the closings of each day are about a day's intake, as in a real office — not piled up at NOW.
    def closed_case() -> tuple[datetime, bool, timedelta]:
        window = timedelta(days=PENDING_DAYS if rng.random() < 0.1 else 730)
        created = NOW - timedelta(seconds=rng.randrange(int(window.total_seconds())))
        takes = timedelta(hours=rng.randrange(24, 24 * 20))
        return (created - window if created + takes > NOW else created), False, takes

    registered = sorted(
        [(NOW - timedelta(seconds=rng.randrange(PENDING_DAYS * 86400)), True, None) for _ in range(N_PENDING)]
        + [closed_case() for _ in range(N_CASES - N_PENDING)],
        key=lambda r: r[0],
    )
    ids = rng.sample(range(10**9, 10**10), N_CASES)
    disputed: dict[int, int] = {}  # account -> bills of it under an open complaint (uq_case_open_bill)
    case_logs: list[dict] = []

    def cases_and_todos() -> Iterator[tuple[dict, dict]]:
        for i, (created, pending, takes) in enumerate(registered):
            account = rng.randrange(N_ACCOUNTS)
            bill_correction = rng.random() < 0.7
            bill_no = None
            if pending and bill_correction:
                back = disputed.get(account, 0) + 1
                if back > BILL_MONTHS:
                    bill_correction = False
                else:
                    disputed[account] = back
                    bill_no = str(100_000_000_000 + account * BILL_MONTHS + back)
            closed_at = None if pending else created + takes
            rejected = not pending and rng.random() < 0.25
            sub = account_sub[account]
            case_id = str(ids[i])
            status = OPEN if pending and rng.random() < 0.4 else (BEING_WORKED_ON if pending else COMPLETE)
            holder = None if status == OPEN else rng.choice(holders[sub])
            request_type = "bill-correction" if bill_correction else "mobile-email"
            if closed_at is not None:
                case_logs.append(dict(case_id=case_id, at=closed_at, log_type="Status Changed", details="closed", user_id=holder))
            yield (
                dict(case_id=case_id, request_type=request_type,
                     case_type="Bill Revision Through WSS" if bill_correction else "Data Correction Through WSS", channel="wss",
                     account_id=str(1_000_000_000 + account), bill_no=bill_no, reason="Reading in bill is higher than on the meter.",
                     status=("Reject the Case" if rejected else "Case Completed") if closed_at else "Initiate Bill Complaint",
                     comments="", created_at=created, due_at=sla.due_at(created, request_type),
                     closed_at=closed_at, escalation_level=0, office_code=sub),
                dict(todo_id=str(10**13 + i), todo_type="IMITCASE", role="TR-SDC", office_code=sub, message="Please Investigate Disputed Bill",
                     status=status, priority=30, assigned_to=holder, sent_by=None, comment="", created_at=created,
                     last_assigned_at=None if holder is None else created + timedelta(hours=2), completed_at=closed_at,
                     case_id=case_id, account_id=str(1_000_000_000 + account), version=1),
            )

    started = time.perf_counter()
    with engine.begin() as conn:
        conn.execute(insert(Office), offices)
        conn.execute(insert(Staff), staff)

    def load(table, rows: Iterator[dict], what: str) -> None:
        done = 0
        while batch := [row for _, row in zip(range(BATCH), rows)]:
            with engine.begin() as conn:
                conn.execute(insert(table), batch)
            done += len(batch)
        print(f"  {what}: {done:,} rows, {time.perf_counter() - started:.0f} s so far", file=sys.stderr)

    load(Account, accounts(), "accounts")
    load(Bill, bills(), "bills")
    pairs = cases_and_todos()
    done = 0
    while batch := [pair for _, pair in zip(range(BATCH), pairs)]:
        with engine.begin() as conn:
            conn.execute(insert(Case), [c for c, _ in batch])
            conn.execute(insert(ToDo), [t for _, t in batch])
        done += len(batch)
    print(f"  cases and To Dos: {done:,} each, {time.perf_counter() - started:.0f} s so far", file=sys.stderr)
    load(CaseLog, iter(case_logs), "case logs")
    # The state the nightly sweeps left: each case's cap recorded while it was open and past due
    # (done here for the closed cases at once), then yesterday's sweep — levels reached, escalation
    # To Dos, caps of the open cases then due.
    case_t = Case.__table__
    with db.write(engine) as session:
        session.connection().execute(
            update(case_t)
            .where(case_t.c.closed_at.is_not(None), case_t.c.closed_at > case_t.c.due_at)
            .values(compensation_cap_paise=sla.cap_sql(case_t))
        )
    with db.write(engine) as session:
        done = escalation.sweep(session, NOW - timedelta(days=1))
    print(f"  yesterday's sweep: {done.cases:,} cases escalated, {time.perf_counter() - started:.0f} s so far", file=sys.stderr)
    with engine.begin() as conn:
        pending_days.rebuild(conn)  # the MIS's counts of the cases written above behind the writers' backs
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("ANALYZE")


def ready(engine: Engine) -> bool:
    try:
        with engine.connect() as conn:
            return conn.scalar(select(func.count()).select_from(Case)) == N_CASES
    except Exception:
        return False


# --- hand-written SQL ----------------------------------------------------------------------------

# The reference: pending complaints by sub-division and age, nothing else.
PENDING_BY_AGE = """
SELECT c.office_code, count(*),
       sum(c.created_at > :d8), sum(c.created_at <= :d8 AND c.created_at > :d16),
       sum(c.created_at <= :d16 AND c.created_at > :d31), sum(c.created_at <= :d31)
FROM "case" c
WHERE c.closed_at IS NULL
GROUP BY c.office_code
"""

# The same, as it had to be written before migration 0002 gave cases their office: through the account.
PENDING_BY_AGE_JOINED = """
SELECT a.subdivision_code, count(*),
       sum(c.created_at > :d8), sum(c.created_at <= :d8 AND c.created_at > :d16),
       sum(c.created_at <= :d16 AND c.created_at > :d31), sum(c.created_at <= :d31)
FROM "case" c CROSS JOIN account a ON a.account_id = c.account_id
WHERE c.closed_at IS NULL
GROUP BY a.subdivision_code
"""

_CAP = """coalesce(c.compensation_cap_paise,
           (SELECT coalesce(sum(f), 0) FROM (SELECT b.fixed_charge_paise AS f FROM bill b
             WHERE b.account_id = c.account_id AND b.bill_month <= c.created_at
             ORDER BY b.bill_month DESC LIMIT :bills)) * :pct / 100)"""

# Every figure the store's report gives, by discom, as one would write it by hand for SQLite over the
# same schema: one pass over the open cases, one over those received, one over those closed.
ALL_PENDING = f"""
SELECT o.discom, count(*),
    sum(c.created_at > :d8), sum(c.created_at <= :d8 AND c.created_at > :d16),
    sum(c.created_at <= :d16 AND c.created_at > :d31), sum(c.created_at <= :d31),
    sum(c.due_at >= :now AND c.due_at < :midnight), sum(c.due_at < :now),
    sum(c.escalation_level = 0), sum(c.escalation_level = 1), sum(c.escalation_level = 2),
    sum(c.escalation_level = 3), sum(c.escalation_level >= 4),
    sum(CASE WHEN c.due_at <= :late THEN min((:now_s - CAST(strftime('%s', c.due_at) AS INTEGER)) / 86400 * :per_day, {_CAP}) END)
FROM "case" c JOIN office o ON o.code = c.office_code
WHERE c.closed_at IS NULL
GROUP BY o.discom ORDER BY o.discom
"""

RECEIVED = """
SELECT o.discom, count(*)
FROM "case" c JOIN office o ON o.code = c.office_code
WHERE c.created_at BETWEEN :start AND :end
GROUP BY o.discom ORDER BY o.discom
"""

CLOSED = f"""
SELECT o.discom, count(*), sum(c.closed_at <= c.due_at), sum(c.status = 'Reject the Case'),
    sum(NOT EXISTS (SELECT 1 FROM case_log l WHERE l.case_id = c.case_id AND l.log_type = 'OTP Verified')),
    sum(CASE WHEN (CAST(strftime('%s', c.closed_at) AS INTEGER) - CAST(strftime('%s', c.due_at) AS INTEGER)) / 86400 > 0
        THEN min((CAST(strftime('%s', c.closed_at) AS INTEGER) - CAST(strftime('%s', c.due_at) AS INTEGER)) / 86400 * :per_day,
                 {_CAP}) ELSE 0 END)
FROM "case" c JOIN office o ON o.code = c.office_code
WHERE c.closed_at BETWEEN :start AND :end
GROUP BY o.discom ORDER BY o.discom
"""


def hand_params(now: datetime) -> dict:
    start, end = mis.this_month(now)
    midnight = datetime.combine(now.astimezone(IST).date() + timedelta(days=1), datetime.min.time(), tzinfo=IST)
    rule = sla.rule()
    return {
        "d8": _sqlite_text(now - timedelta(days=8)), "d16": _sqlite_text(now - timedelta(days=16)),
        "d31": _sqlite_text(now - timedelta(days=31)), "now": _sqlite_text(now), "midnight": _sqlite_text(midnight),
        "now_s": int(now.timestamp()), "per_day": rule.paise_per_day, "bills": rule.cap_bills, "pct": rule.cap_percent,
        "late": _sqlite_text(sla.late_by_a_day(now)),
        "start": _sqlite_text(start), "end": _sqlite_text(end),
    }


# --- measuring -----------------------------------------------------------------------------------


def _interleaved(fns: list[Callable[[], object]], runs: int, warmup: int = 1) -> list[list[float]]:
    """Seconds of each fn, run in turn sample by sample, so a busy machine slows them all alike."""
    out: list[list[float]] = [[] for _ in fns]
    for i in range(warmup + runs):
        for fn, samples in zip(fns, out):
            t0 = time.perf_counter()
            fn()
            if i >= warmup:
                samples.append(time.perf_counter() - t0)
    return out


def measure_mis(engine: Engine, path: Path, runs: int) -> list[str]:
    raw = sqlite3.connect(path, isolation_level=None)
    params = hand_params(NOW)

    def store():
        with db.read(engine) as s:
            return mis.report(s, None, now=NOW)

    def hand_all():
        pending, received, closed = (raw.execute(sql, params).fetchall() for sql in (ALL_PENDING, RECEIVED, CLOSED))
        return [(*p[:-1], p[-1] or 0, *r[1:], *c[1:]) for p, r, c in zip(pending, received, closed)]

    def hand_pending():
        return raw.execute(PENDING_BY_AGE, params).fetchall()

    # The first of the report's statements alone: the pending figures by office (ages, due today,
    # breached, levels, compensation), through SQLAlchemy as the report runs it.
    start, end = mis.this_month(NOW)
    place = mis.scope.Place(None, "All discoms", mis.ALL, "/")
    pending_stmt = mis.query.statements(place, "discom", len(escalation.matrix().levels), NOW, start, end)[0]

    def store_pending():
        with db.read(engine) as s:
            return s.connection().execute(pending_stmt).all()

    # The query built by the same store code: count and the four ageing buckets only.
    ages_stmt = mis.query.grouped(place, "discom", [Case.__table__.c.closed_at.is_(None)], mis.query.pending_metrics(4, NOW)[:5])

    def store_ages():
        with db.read(engine) as s:
            return s.connection().execute(ages_stmt).all()

    def hand_pending_joined():
        return raw.execute(PENDING_BY_AGE_JOINED, params).fetchall()

    report, by_hand = store(), hand_all()
    # The same figures, or the comparison means nothing.
    store_rows = [(r.key, r.figures.pending, *r.figures.ageing, r.figures.due_today, r.figures.breached, *r.figures.levels,
                   r.figures.compensation_paise, r.figures.received, r.figures.closed, r.figures.closed_within_sla,
                   r.figures.rejected, r.figures.closed_without_otp, r.figures.closed_compensation_paise) for r in report.rows]
    assert store_rows == [tuple(row) for row in by_hand], (store_rows, by_hand)
    store_s, all_s, pending_s, joined_s, store_pending_s, store_ages_s = _interleaved(
        [store, hand_all, hand_pending, hand_pending_joined, store_pending, store_ages], runs
    )
    raw.close()
    med = statistics.median
    t = report.total
    lines = [
        f"MIS over {N_CASES:,} cases, {t.pending:,} pending ({t.breached:,} breached, Rs {t.compensation_paise // 100:,} compensation accrued), "
        f"{len(report.rows)} discom rows; median of {runs} runs, seconds:",
        f"  store mis.report() in db.read()              {med(store_s):6.3f}   (max {max(store_s):.3f})",
        f"  hand-written SQL, the same figures (sqlite3) {med(all_s):6.3f}   store / hand = {med(store_s) / med(all_s):.2f}x",
        f"  hand-written pending by sub-division and age {med(pending_s):6.3f}   store / this = {med(store_s) / med(pending_s):.2f}x",
        f"  the same through the account (before 0002)   {med(joined_s):6.3f}",
        f"  store: the report's pending statement alone  {med(store_pending_s):6.3f}   (every pending figure, by discom)",
        f"  store: pending by office and age only        {med(store_ages_s):6.3f}   store / hand = {med(store_ages_s) / med(pending_s):.2f}x",
        "  targets: ≤ 1 s; ≤ 1.5x the hand-written SQL",
    ]
    return lines


BATCH = sweeping.BATCH
ONE_UNIT = False  # --one-unit: the whole sweep in one unit of work (escalation.sweep), not in batches


def _sweep(engine: Engine, at: datetime):
    if ONE_UNIT:
        with db.write(engine) as session:
            return escalation.sweep(session, at)
    return sweeping.sweep(engine, at, batch=BATCH)


def _sweeps(path: Path, moments: list[datetime], cpu: list[float] | None = None) -> tuple[list[float], list]:
    """Sweep a copy of the file at each moment in turn; seconds and reports of each run (CPU seconds
    of each run appended to `cpu`)."""
    work = path.with_name(path.stem + "-sweep.db")
    shutil.copyfile(path, work)
    for suffix in ("-wal", "-shm"):
        Path(str(work) + suffix).unlink(missing_ok=True)
    engine = db.make_engine(f"sqlite:///{work}")
    try:
        times, reports = [], []
        for at in moments:
            t0, c0 = time.perf_counter(), time.process_time()
            reports.append(_sweep(engine, at))
            times.append(time.perf_counter() - t0)
            if cpu is not None:
                cpu.append(time.process_time() - c0)
    finally:
        engine.dispose()
        work.unlink(missing_ok=True)
        for suffix in ("-wal", "-shm"):
            Path(str(work) + suffix).unlink(missing_ok=True)
    return times, reports


def measure_sweep(path: Path) -> list[str]:
    cpu: list[float] = []
    times, (first, second) = _sweeps(path, [NOW, NOW], cpu)
    per_level = ", ".join(f"L{n} {c:,}" for n, c in first.escalated.items())
    # The same day's escalations swept hourly, as docs/escalation.md suggests for cron.
    lines = []
    if not ONE_UNIT:
        hourly_times, hourly = _sweeps(path, [NOW - timedelta(hours=h) for h in range(23, -1, -1)])
        lines = [f"  the same day swept hourly: {sum(r.cases for r in hourly):,} cases in 24 runs, "
                 f"slowest {max(hourly_times):.3f}, median {statistics.median(hourly_times):.3f}, "
                 f"all {sum(hourly_times):.1f}"]
    return [
        f"Sweep at {NOW:%d-%m-%Y %H:%M} UTC, a day after the last (on a copy of the file), "
        f"{'one unit of work' if ONE_UNIT else f'batches of {BATCH:,}'}, seconds:",
        f"  first run   {times[0]:6.3f} (CPU {cpu[0]:6.3f})   {first.cases:,} cases escalated ({per_level}), "
        f"{first.todos_created:,} To Dos created, {first.priorities_raised:,} priorities raised",
        f"  second run  {times[1]:6.3f} (CPU {cpu[1]:6.3f})   {second.cases:,} cases escalated",
        *lines,
        "  targets: ≤ 3 s (issue 13); second run ≤ 1 s",
    ]


def _pg_admin(url: str):
    import psycopg

    plain = make_url(url).set(drivername="postgresql", database="postgres").render_as_string(hide_password=False)
    return psycopg.connect(plain, autocommit=True)


def measure_mis_pg(engine: Engine, runs: int) -> list[str]:
    """PostgreSQL: the store's report against the replay of its own statements through psycopg."""
    import psycopg

    def store():
        with db.read(engine) as s:
            return mis.report(s, None, now=NOW)

    sent: list[tuple[str, object]] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        sent.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", record)
    try:
        report = store()
    finally:
        event.remove(engine, "before_cursor_execute", record)
    raw = psycopg.connect(engine.url.set(drivername="postgresql").render_as_string(hide_password=False), autocommit=True)
    raw.execute("SET jit = off")  # as the store's report does: JIT compiling costs more than these statements
    raw.execute("SET work_mem = '64MB'")

    def replay():
        with raw.cursor() as cur:
            cur.execute("BEGIN")
            for sql, params in sent:
                cur.execute(sql, params)
                if cur.description:
                    cur.fetchall()
            cur.execute("ROLLBACK")

    def store_full():
        with db.read(engine) as s:
            return mis.report(s, None, now=NOW, summary=False)

    hp = pg_hand_params(NOW)

    def hand(sql):
        def run():
            with raw.cursor() as cur:
                cur.execute(sql, hp)
                return cur.fetchall()
        return run

    full_report = store_full()
    assert [r.figures for r in full_report.rows] == [r.figures for r in report.rows]
    by_hand, by_hand_summary = hand(PG_HAND_FULL)(), hand(PG_HAND_SUMMARY)()
    pending_rows = [(r.key, r.figures.pending, *r.figures.ageing, r.figures.due_today, r.figures.breached, *r.figures.levels,
                     r.figures.compensation_paise) for r in report.rows if r.figures.pending]
    assert pending_rows == [tuple(int(v or 0) if i else v for i, v in enumerate(row)) for row in by_hand], (pending_rows, by_hand)
    assert [tuple(r) for r in by_hand] == [tuple(r) for r in by_hand_summary]
    store_s, replay_s, full_s, hand_s, hand_sum_s = _interleaved(
        [store, replay, store_full, hand(PG_HAND_FULL), hand(PG_HAND_SUMMARY)], runs)
    raw.close()
    med = statistics.median
    t = report.total
    return [
        f"MIS on PostgreSQL over {N_CASES:,} cases, {t.pending:,} pending ({t.breached:,} breached); median of {runs} runs, seconds:",
        f"  store mis.report() in db.read() (mis_day)      {med(store_s):6.3f}   (max {max(store_s):.3f})",
        f"  replay of its {len(sent)} statements (psycopg)         {med(replay_s):6.3f}   store / replay = {med(store_s) / med(replay_s):.2f}x",
        f"  store, every open case (summary=False)         {med(full_s):6.3f}   full / summary = {med(full_s) / med(store_s):.2f}x",
        f"  hand-written pending figures, every open case  {med(hand_s):6.3f}",
        f"  hand-written pending figures, mis_day's way    {med(hand_sum_s):6.3f}   store / this = {med(store_s) / med(hand_sum_s):.2f}x "
        "(the store's report has the disposal figures too)",
        "  targets: ≤ 0.5 s at 1,000,000 cases; ≤ 1 s at 10,000,000",
    ]


# PostgreSQL, the pending figures by discom written by hand: over every open case, and from mis_day
# plus the cases of the four bound days, and the compensation from mis_capped_day plus the cases
# still accruing (the store's way).
_PG_CAP = """coalesce(c.compensation_cap_paise,
           (SELECT coalesce(sum(f), 0) FROM (SELECT b.fixed_charge_paise AS f FROM bill b
             WHERE b.account_id = c.account_id AND b.bill_month <= c.created_at
             ORDER BY b.bill_month DESC LIMIT %(bills)s) x) * %(pct)s / 100)"""
_PG_RATE = "CASE WHEN c.channel = 'officer' OR c.request_type = 'mobile-email' THEN 0 ELSE %(per_day)s END"
_PG_PER_CASE = """count(*) AS pending,
    count(*) FILTER (WHERE c.created_at > %(d8)s), count(*) FILTER (WHERE c.created_at <= %(d8)s AND c.created_at > %(d16)s),
    count(*) FILTER (WHERE c.created_at <= %(d16)s AND c.created_at > %(d31)s), count(*) FILTER (WHERE c.created_at <= %(d31)s),
    count(*) FILTER (WHERE c.due_at >= %(now)s AND c.due_at < %(midnight)s), count(*) FILTER (WHERE c.due_at < %(now)s),
    count(*) FILTER (WHERE c.escalation_level = 0), count(*) FILTER (WHERE c.escalation_level = 1),
    count(*) FILTER (WHERE c.escalation_level = 2), count(*) FILTER (WHERE c.escalation_level = 3),
    count(*) FILTER (WHERE c.escalation_level >= 4)"""
PG_HAND_FULL = f"""
SELECT o.discom, {_PG_PER_CASE},
    sum(least((%(now_s)s - floor(extract(epoch FROM c.due_at))::bigint) / 86400 * {_PG_RATE}, {_PG_CAP}))
        FILTER (WHERE c.due_at <= %(late)s)
FROM "case" c JOIN office o ON o.code = c.office_code
WHERE c.closed_at IS NULL AND c.request_type = 'bill-correction' AND c.channel <> 'officer'
GROUP BY o.discom ORDER BY o.discom
"""
PG_HAND_SUMMARY = f"""
WITH summed AS (
  SELECT d.office_code, sum(d.pending) AS pending,
    sum(d.pending) FILTER (WHERE d.created_day > %(b8)s) a0, sum(d.pending) FILTER (WHERE d.created_day < %(b8)s AND d.created_day > %(b16)s) a1,
    sum(d.pending) FILTER (WHERE d.created_day < %(b16)s AND d.created_day > %(b31)s) a2, sum(d.pending) FILTER (WHERE d.created_day < %(b31)s) a3,
    0 AS due_today, sum(d.pending) FILTER (WHERE d.due_day < %(today)s) breached,
    sum(d.pending) FILTER (WHERE d.level = 0) l0, sum(d.pending) FILTER (WHERE d.level = 1) l1, sum(d.pending) FILTER (WHERE d.level = 2) l2,
    sum(d.pending) FILTER (WHERE d.level = 3) l3, sum(d.pending) FILTER (WHERE d.level >= 4) l4, 0 AS comp
  FROM mis_day d
  WHERE d.created_day NOT IN (%(b8)s, %(b16)s, %(b31)s) AND d.due_day <> %(today)s
    AND d.request_type = 'bill-correction' AND d.channel <> 'officer'
  GROUP BY d.office_code
), bound AS (
  SELECT c.office_code, {_PG_PER_CASE}, 0 AS comp
  FROM "case" c
  WHERE c.closed_at IS NULL AND c.request_type = 'bill-correction' AND c.channel <> 'officer'
    AND ((c.created_at >= %(b8s)s AND c.created_at < %(b8e)s) OR (c.created_at >= %(b16s)s AND c.created_at < %(b16e)s)
      OR (c.created_at >= %(b31s)s AND c.created_at < %(b31e)s) OR (c.due_at >= %(todays)s AND c.due_at < %(todaye)s))
  GROUP BY c.office_code
), capped AS (
  SELECT d.office_code, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, sum(d.owed_paise)
  FROM mis_capped_day d
  WHERE d.capped_day < %(today)s AND d.request_type = 'bill-correction' AND d.channel <> 'officer'
  GROUP BY d.office_code
), owed AS (
  SELECT c.office_code, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    sum(least((%(now_s)s - floor(extract(epoch FROM c.due_at))::bigint) / 86400 * {_PG_RATE}, c.compensation_cap_paise))
  FROM "case" c
  WHERE c.closed_at IS NULL AND c.due_at <= %(late)s AND c.request_type = 'bill-correction' AND c.channel <> 'officer'
    AND c.compensation_capped_day >= %(today)s
  GROUP BY c.office_code
), owed_unrecorded AS (
  SELECT c.office_code, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    sum(least((%(now_s)s - floor(extract(epoch FROM c.due_at))::bigint) / 86400 * {_PG_RATE}, {_PG_CAP}))
  FROM "case" c
  WHERE c.closed_at IS NULL AND c.due_at <= %(late)s AND c.request_type = 'bill-correction' AND c.channel <> 'officer'
    AND c.compensation_capped_day IS NULL
  GROUP BY c.office_code
)
SELECT o.discom, sum(pending), sum(a0), sum(a1), sum(a2), sum(a3), sum(due_today), sum(breached), sum(l0), sum(l1), sum(l2),
       sum(l3), sum(l4), sum(comp)
FROM (SELECT * FROM summed UNION ALL SELECT * FROM bound UNION ALL SELECT * FROM capped UNION ALL SELECT * FROM owed
      UNION ALL SELECT * FROM owed_unrecorded) x
JOIN office o ON o.code = x.office_code
GROUP BY o.discom ORDER BY o.discom
"""


def pg_hand_params(now: datetime) -> dict:
    from wss_tui.store import pending_days

    midnight = datetime.combine(now.astimezone(IST).date() + timedelta(days=1), datetime.min.time(), tzinfo=IST)
    rule = sla.rule()
    out = {"now": now, "midnight": midnight, "now_s": int(now.timestamp()), "per_day": rule.paise_per_day,
           "bills": rule.cap_bills, "pct": rule.cap_percent, "late": sla.late_by_a_day(now)}
    for d in (8, 16, 31):
        out[f"d{d}"] = now - timedelta(days=d)
        b = pending_days.day_number(now - timedelta(days=d))
        out[f"b{d}"] = b
        out[f"b{d}s"] = datetime.fromtimestamp(pending_days.day_start(b), UTC)
        out[f"b{d}e"] = datetime.fromtimestamp(pending_days.day_start(b + 1), UTC)
    today = pending_days.day_number(now)
    out.update(today=today, todays=datetime.fromtimestamp(pending_days.day_start(today), UTC),
               todaye=datetime.fromtimestamp(pending_days.day_start(today + 1), UTC))
    return out


def measure_sweep_pg(url: str) -> list[str]:
    """The sweep on a copy of the bench database (CREATE DATABASE … TEMPLATE), twice at NOW."""
    source = make_url(url).database
    copy_name = f"{source}_sweep"
    with _pg_admin(url) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{copy_name}"')
        admin.execute(f'CREATE DATABASE "{copy_name}" TEMPLATE "{source}"')
    engine = db.make_engine(make_url(url).set(database=copy_name).render_as_string(hide_password=False))
    try:
        times, reports = [], []
        for at in (NOW, NOW):
            t0 = time.perf_counter()
            reports.append(_sweep(engine, at))
            times.append(time.perf_counter() - t0)
    finally:
        engine.dispose()
        with _pg_admin(url) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{copy_name}"')
    first, second = reports
    per_level = ", ".join(f"L{n} {c:,}" for n, c in first.escalated.items())
    return [
        f"Sweep on PostgreSQL at {NOW:%d-%m-%Y %H:%M} UTC, a day after the last (on a copy of the database), "
        f"{'one unit of work' if ONE_UNIT else f'batches of {BATCH:,}'}, seconds:",
        f"  first run   {times[0]:6.3f}   {first.cases:,} cases escalated ({per_level}), {first.todos_created:,} To Dos created",
        f"  second run  {times[1]:6.3f}   {second.cases:,} cases escalated",
    ]


def _scale(factor: float) -> None:
    global N_ACCOUNTS, N_CASES, N_PENDING
    N_ACCOUNTS, N_CASES, N_PENDING = (max(int(n * factor), 1) for n in (N_ACCOUNTS, N_CASES, N_PENDING))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sqlite", type=Path, default=Path(tempfile.gettempdir()) / "wss-bench" / "mis.db", help="SQLite file to build or reuse")
    parser.add_argument("--reuse", action="store_true", help="reuse the file when it already holds the data set")
    parser.add_argument("--runs", type=int, default=5, help="timed runs of each MIS query (after one warm-up)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--scale", type=float, default=1.0, help="multiply accounts, cases and pending cases (0.2: 200,000 cases)")
    parser.add_argument("--pg", metavar="URL", help="PostgreSQL instead of SQLite: a database of its own (it is emptied), e.g. …/wss_bench_mis")
    parser.add_argument("--batch", type=int, default=sweeping.BATCH, help="cases per unit of work of the sweep")
    parser.add_argument("--sweep-only", action="store_true", help="measure the sweep alone (skip the MIS)")
    parser.add_argument("--one-unit", action="store_true",
                        help="the sweep in one unit of work instead of batches (no hourly runs)")
    parser.add_argument("--no-sweep", action="store_true", help="PostgreSQL: measure the MIS only")
    parser.add_argument("--accounts", type=int, help="accounts instead of the scale's (at least pending / 12: a bill each)")
    args = parser.parse_args(argv)
    global BATCH, ONE_UNIT  # noqa: PLW0603 - a run's settings, as _scale() sets the sizes
    BATCH, ONE_UNIT = args.batch, args.one_unit
    _scale(args.scale)
    if args.accounts:
        global N_ACCOUNTS
        N_ACCOUNTS = args.accounts
    if args.pg:
        engine = db.make_engine(args.pg)
        if args.reuse and ready(engine):
            print(f"reusing {engine.url.database}", file=sys.stderr)
            db.upgrade(engine)
        else:
            t0 = time.perf_counter()
            pg_data.build(engine, now=NOW, n_cases=N_CASES, n_pending=N_PENDING, n_accounts=N_ACCOUNTS, seed=args.seed)
            print(f"built in {time.perf_counter() - t0:.0f} s", file=sys.stderr)
        lines = [] if args.sweep_only else measure_mis_pg(engine, args.runs)
        engine.dispose()
        if not args.no_sweep:
            lines += measure_sweep_pg(args.pg)
        print("\n".join(lines))
        return

    engine = db.make_engine(f"sqlite:///{args.sqlite}")
    if args.reuse and ready(engine):
        print(f"reusing {args.sqlite}", file=sys.stderr)
        db.upgrade(engine)  # tables added by later migrations, empty
    else:
        print(f"building {args.sqlite} …", file=sys.stderr)
        t0 = time.perf_counter()
        build(engine, seed=args.seed)
        print(f"built in {time.perf_counter() - t0:.0f} s", file=sys.stderr)
    lines = [] if args.sweep_only else measure_mis(engine, args.sqlite, args.runs)
    engine.dispose()
    lines += measure_sweep(args.sqlite)
    print("\n".join(lines))


if __name__ == "__main__":
    main()
