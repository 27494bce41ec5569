"""How fast the To Do Search pages at 1,000,000 To Dos over 2,000 staff, against raw SQL.

    .venv/bin/python bench/todo_search.py                    # build (or --reuse) and measure SQLite
    .venv/bin/python bench/todo_search.py --reuse --runs 500
    .venv/bin/python bench/todo_search.py --reuse --pg postgresql+psycopg://postgres@127.0.0.1:5432/test

It builds a database of generated To Dos (SQLAlchemy Core executemany in batches; SQLite in a temp
folder, PostgreSQL in schema `wss_bench` of the --pg database), then times in one run, for a few filters:

1. store: `todos.search()` for one page inside `db.read_rows(engine)`, as a screen's worker calls it
   (services.todos) — scope lookup, page query, count and position, related counts;
2. raw: the very statements that call sent (recorded from the engine), replayed with their parameters
   through the `sqlite3` module (psycopg on PostgreSQL) as the store sends them: in one BEGIN …
   ROLLBACK on SQLite, autocommit on PostgreSQL (db.read_rows).

3. hand: the best single statement I can write by hand for the same page (`hand_written`), checked to
   return the same rows and total.

Targets (issue 13, pages of 20): on SQLite ≤ 1.5 ms and ≤ 2x raw and hand-written; the SDO's 30-day
count ≤ 2 ms whatever the table's size; on PostgreSQL ≤ 2.5 ms and ≤ 2x hand-written.

Each measurement is a function returning `Result` rows, and `main()` prints them as one table; the
TUI's figures (Enter to paint, cold start, memory while paging) belong in further such functions.
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine, event, func, insert, select, text
from sqlalchemy.engine import make_url

from wss_tui.store import db, todos
from wss_tui.store.models import BEING_WORKED_ON, COMPLETE, OPEN, Account, Case, Office, Staff, ToDo
from wss_tui.store.offices import office_rows
from wss_tui.store.todos import SearchFilter

BATCH = 20_000
PG_SCHEMA = "wss_bench"
NOW = datetime(2026, 11, 28, 5, 30, tzinfo=UTC)

# Where To Dos stand: most of a year's are long complete; the live queue is the rest.
STATUS_SHARE = ((COMPLETE, 85), (OPEN, 7), (BEING_WORKED_ON, 8))
ROLE_SHARE = (("TR-SDC", 75), ("TR-SDO", 20), ("TR-EE", 5))
PRIORITY_SHARE = ((10, 5), (20, 10), (30, 40), (40, 15), (50, 30))
TYPES = (("IMITCASE", "Please Investigate Disputed Bill"), ("IMDCCASE", "Please Update Mobile Number / E-mail"),
         ("IMMRCASE", "Investigate Meter Related request."), ("IMLECASE", "Investigate Load Enhancement request."))


@dataclass(frozen=True)
class Result:
    """One line of the report; times in milliseconds."""

    what: str
    rows: str
    median_ms: float
    p95_ms: float
    raw_median_ms: float | None = None
    raw_p95_ms: float | None = None
    target: str = ""
    inner_median_ms: float | None = None  # the call alone, in a session already open
    hand_median_ms: float | None = None  # the best hand-written SQL for the same question
    statements: int | None = None  # statements the store sent (BEGIN/ROLLBACK not counted)

    @property
    def ratio(self) -> float | None:
        return self.median_ms / self.raw_median_ms if self.raw_median_ms else None

    @property
    def hand_ratio(self) -> float | None:
        return self.median_ms / self.hand_median_ms if self.hand_median_ms else None


# --- building the data ---------------------------------------------------------------------------


def _short(code: str) -> str:
    return code.removeprefix("ESD-").removeprefix("EDD-").replace("-", "")


def _staff_rows(offices: list[dict], users: int) -> list[dict]:
    """One SDO and one counter operator per sub-division, one EE per division, one SE, CE and DIRC
    per circle, zone and discom; every other user a clerk, spread over the sub-divisions."""
    plan = {"subdivision": ("TR-SDO", "TR-OPR"), "division": ("TR-EE",), "circle": ("TR-SE",), "zone": ("TR-CE",), "discom": ("TR-DIRC",)}
    rows = []
    for office in offices:
        for role in plan[office["level"]]:
            rows.append((office["code"], role, f"{_short(office['code'])}-{role.removeprefix('TR-')}"))
    subdivisions = [o["code"] for o in offices if o["level"] == "subdivision"]
    clerks = users - len(rows)
    for k in range(clerks):
        code = subdivisions[k % len(subdivisions)]
        rows.append((code, "TR-SDC", f"{_short(code)}-SDC{k // len(subdivisions) + 1}"))
    return [
        dict(user_id=user_id, name=f"STAFF,{user_id}", office_code=code, role=role, password_hash="-", active=True, failed_logins=0)
        for code, role, user_id in rows
    ]


def _weighted(rng: random.Random, share) -> Callable[[], object]:
    values, weights = zip(*share)
    cum = [sum(weights[: i + 1]) for i in range(len(weights))]
    return lambda: rng.choices(values, cum_weights=cum)[0]


def build(engine: Engine, *, n_todos: int, users: int, seed: int = 1) -> None:
    """A fresh database of `n_todos` To Dos, on accounts and cases in every sub-division."""
    rng = random.Random(seed)
    db.drop_all(engine)
    db.upgrade(engine)
    offices = office_rows()
    subdivisions = [o for o in offices if o["level"] == "subdivision"]
    parent = {o["code"]: o["parent_code"] for o in offices}
    staff = _staff_rows(offices, users)
    by_office_role: dict[tuple[str, str], list[str]] = {}
    for s in staff:
        by_office_role.setdefault((s["office_code"], s["role"]), []).append(s["user_id"])
    n_accounts, n_cases = max(n_todos // 5, 1), max(n_todos * 3 // 5, 1)
    status, role, priority = _weighted(rng, STATUS_SHARE), _weighted(rng, ROLE_SHARE), _weighted(rng, PRIORITY_SHARE)
    account_office = [subdivisions[i % len(subdivisions)] for i in range(n_accounts)]
    case_account = [rng.randrange(n_accounts) for _ in range(n_cases)]

    def accounts() -> Iterator[dict]:
        for i in range(n_accounts):
            sub = account_office[i]
            yield dict(account_id=str(1_000_000_000 + i), system="CCB", person_name=f"CONSUMER {i}", premise_address=f"{i % 900 + 1}/A Ward {i % 40}, {sub['town']}",
                       town=sub["town"], tariff_category="LMV-1", supply_type="Residential / Domestic", sanctioned_load_kw=2.0,
                       subdivision_code=sub["code"], area=sub["area"] or "URBAN", smart_meter=False, status="ACTIVE",
                       connected_on=date(2010, 1, 1), current_balance_paise=0, payoff_balance_paise=0, language="hi")

    def cases() -> Iterator[dict]:
        for i in range(n_cases):
            at = NOW - timedelta(seconds=rng.randrange(730 * 86400))
            yield dict(case_id=f"{3_000_000_000 + i}", request_type="bill-correction", case_type="Bill Revision Through WSS", channel="wss",
                       account_id=str(1_000_000_000 + case_account[i]), reason="Reading in bill is higher than on the meter.",
                       status="Initiate Bill Complaint", comments="", created_at=at, due_at=at + timedelta(days=7), escalation_level=0)

    def todo_rows() -> Iterator[dict]:
        for i in range(n_todos):
            case_no = rng.randrange(n_cases)
            account_no = case_account[case_no]
            office = account_office[account_no]["code"]
            st, rl = status(), role()
            who_office = parent[office] if rl == "TR-EE" else office
            created = NOW - timedelta(seconds=rng.randrange(730 * 86400))
            assigned = None if st == OPEN else rng.choice(by_office_role[(who_office, rl)])
            todo_type, message = TYPES[rng.randrange(len(TYPES))]
            yield dict(
                todo_id=str(10**13 + i), todo_type=todo_type, role=rl, office_code=office, message=f"{message} ({1_000_000_000 + account_no})",
                status=st, priority=priority(), assigned_to=assigned, sent_by=None, comment="", created_at=created,
                last_assigned_at=None if assigned is None else created + timedelta(hours=3),
                completed_at=created + timedelta(days=4) if st == COMPLETE else None,
                case_id=f"{3_000_000_000 + case_no}", account_id=str(1_000_000_000 + account_no), version=1,
            )

    started = time.perf_counter()
    with engine.begin() as conn:
        conn.execute(insert(Office), offices)
        conn.execute(insert(Staff), staff)
    for table, rows, count in ((Account, accounts(), n_accounts), (Case, cases(), n_cases), (ToDo, todo_rows(), n_todos)):
        done = 0
        while done < count:
            batch = [next(rows) for _ in range(min(BATCH, count - done))]
            with engine.begin() as conn:
                conn.execute(insert(table), batch)
            done += len(batch)
        print(f"  {table.__tablename__}: {count:,} rows, {time.perf_counter() - started:.0f} s so far", file=sys.stderr)
    # Statistics for the planners; on PostgreSQL VACUUM also sets the visibility map that lets the
    # counts run as index-only scans.
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("ANALYZE" if engine.dialect.name == "sqlite" else "VACUUM ANALYZE")


def ready(engine: Engine, n_todos: int, users: int) -> bool:
    """Does the database already hold a bench data set of this size?"""
    try:
        with engine.connect() as conn:
            return conn.scalar(select(func.count()).select_from(ToDo)) == n_todos and conn.scalar(select(func.count()).select_from(Staff)) == users
    except Exception:
        return False


# --- measuring -----------------------------------------------------------------------------------


def _times(fn: Callable[[], object], runs: int, warmup: int = 20) -> list[float]:
    for _ in range(warmup):
        fn()
    out = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t0) * 1000)
    return out


CLOCK = time.perf_counter  # --cpu: time.process_time


def _interleaved(fns: list[Callable[[], object]], runs: int, warmup: int = 20) -> list[list[float]]:
    """Times of each fn, run in turn sample by sample, so a busy machine slows them all alike."""
    out: list[list[float]] = [[] for _ in fns]
    for i in range(warmup + runs):
        for fn, samples in zip(fns, out):
            t0 = CLOCK()
            fn()
            if i >= warmup:
                samples.append((CLOCK() - t0) * 1000)
    return out


def _p95(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=20)[-1]


def recorded(engine: Engine, fn: Callable[[], object]) -> list[tuple[str, object]]:
    """The statements (with parameters) `fn` sends through `engine`, BEGIN/ROLLBACK left out."""
    sent: list[tuple[str, object]] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        if statement.strip().upper() not in ("BEGIN", "BEGIN IMMEDIATE"):
            sent.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", record)
    try:
        fn()
    finally:
        event.remove(engine, "before_cursor_execute", record)
    return sent


def _raw_connection(engine: Engine, sqlite_path: Path | None):
    if sqlite_path is not None:
        conn = sqlite3.connect(sqlite_path, isolation_level=None)
        conn.execute("PRAGMA journal_mode=WAL")
        return conn
    import psycopg

    url = engine.url.set(drivername="postgresql")
    return psycopg.connect(url.render_as_string(hide_password=False), autocommit=True)


def replay(conn, statements, transaction: bool) -> Callable[[], None]:
    def run() -> None:
        cur = conn.cursor()
        if transaction:
            cur.execute("BEGIN")
        for sql, params in statements:
            cur.execute(sql, params)
            cur.fetchall()
        if transaction:
            cur.execute("ROLLBACK")

    return run


def search_cases(engine: Engine) -> list[tuple[str, str, SearchFilter, bool]]:
    """(label, actor, filter, second page?) — a clerk's day first, then the officers'.

    The SDO's month: every status of the sub-division's clerks' To Dos registered in the last 30 days
    (the count over a date range, issue 13)."""
    with engine.connect() as conn:
        clerk = conn.scalar(
            select(ToDo.assigned_to).where(ToDo.office_code == "ESD-INR-1", ToDo.role == "TR-SDC", ToDo.status == BEING_WORKED_ON)
            .group_by(ToDo.assigned_to).order_by(func.count().desc(), ToDo.assigned_to).limit(1)
        )
    return [
        (f"clerk {clerk}: assigned to me, open", clerk, SearchFilter(), False),
        (f"clerk {clerk}: assigned to me, all", clerk, SearchFilter(status=None), False),
        ("clerk: role TR-SDC, open", clerk, SearchFilter(user_filter="role"), False),
        ("clerk: role TR-SDC, open, page 2", clerk, SearchFilter(user_filter="role"), True),
        ("SDO INR1-SDO: role TR-SDC, 30 days, all statuses", "INR1-SDO",
         SearchFilter(user_filter="role", role="TR-SDC", status=None, start=NOW - timedelta(days=30), end=NOW), False),
        ("EE INR-EE: role TR-SDC, open (3 offices)", "INR-EE", SearchFilter(user_filter="role", role="TR-SDC"), False),
        ("DIRC MVVNL-DIRC: role TR-SDC, open (18 offices)", "MVVNL-DIRC", SearchFilter(user_filter="role", role="TR-SDC"), False),
    ]


_COLS = ("todo_id, todo_type, priority, created_at, last_assigned_at, message, status, completed_at, assigned_to, "
         "case_id, account_id")


def hand_written(engine: Engine, actor: str, flt: SearchFilter, after, limit: int) -> tuple[str, dict]:
    """The best SQL I can write by hand for the same question — the page of `limit` rows in page
    order, each with its open case's due columns and its related count, and the filter's total (and
    the position for a second page) — as one statement, the actor's offices written in as known.

    Like the store's it merges one ordered index range per (office, status): an IN over the statuses
    would sort every matching row. The actor's own check and scope are not in it (a lower bound)."""
    sqlite = engine.dialect.name == "sqlite"
    with db.read(engine) as s:
        me, codes = todos.load_actor_scope(s.connection(), actor)
    statuses = {None: (OPEN, BEING_WORKED_ON, COMPLETE), "open": (OPEN, BEING_WORKED_ON)}.get(flt.status, (flt.status,))
    params: dict = {f"s{j}": st for j, st in enumerate(statuses)}
    params.update({f"o{i}": code for i, code in enumerate(codes)})
    offices = ", ".join(f":o{i}" for i in range(len(codes)))
    when = (lambda t: t.astimezone(UTC).replace(tzinfo=None).strftime("%Y-%m-%d %H:%M:%S.%f")) if sqlite else (lambda t: t)
    extra = arm_extra = ""
    seek = "+created_at" if sqlite else "created_at"  # each arm walks its page index in order
    if flt.start:
        extra += " AND created_at >= :start"
        arm_extra += f" AND {seek} >= :start"
        params["start"] = when(flt.start)
    if flt.end:
        extra += " AND created_at <= :end"
        arm_extra += f" AND {seek} <= :end"
        params["end"] = when(flt.end)
    if flt.user_filter == "user":
        params["who"] = (flt.user_id or me.user_id)
        arms = [f"assigned_to = :who AND status = :s{j} AND office_code IN ({offices})" for j in range(len(statuses))]
        where = f"assigned_to = :who AND office_code IN ({offices})"
    else:
        params["who"] = flt.role or me.role
        arms = [f"role = :who AND office_code = :o{i} AND status = :s{j}" for i in range(len(codes)) for j in range(len(statuses))]
        where = f"role = :who AND office_code IN ({offices})"
    where += f" AND status IN ({', '.join(f':s{j}' for j in range(len(statuses)))}){extra}"
    key = "(priority, created_at, todo_id)"
    counted = "NULL"
    if after is not None:
        params.update(cp=after.priority, cc=when(after.created_at), ct=after.todo_id)
        arm_extra += f" AND {key} > (:cp, :cc, :ct)"
        counted = f"(SELECT count(*) FROM todo WHERE {where} AND {key} <= (:cp, :cc, :ct))"
    order = "priority, created_at, todo_id"
    union = " UNION ALL ".join(
        f"SELECT * FROM (SELECT {_COLS} FROM todo WHERE {arm}{arm_extra} ORDER BY {order} LIMIT {limit}) AS a{k}"
        for k, arm in enumerate(arms)
    )
    sql = (
        f"WITH page AS (SELECT * FROM ({union}) AS u ORDER BY {order} LIMIT {limit}) "
        f"SELECT page.*, c.request_type, c.created_at, c.due_at, c.escalation_level, "
        f"CASE WHEN page.case_id IS NULL AND page.account_id IS NULL THEN 0 ELSE "
        f"(SELECT count(*) FROM todo o WHERE o.case_id = page.case_id OR o.account_id = page.account_id) - 1 END, "
        f"(SELECT count(*) FROM todo WHERE {where}), {counted} "
        f'FROM page LEFT JOIN "case" c ON c.case_id = page.case_id AND c.closed_at IS NULL '
        f"ORDER BY page.priority, page.created_at, page.todo_id"
    )
    if not sqlite:
        import re

        sql = re.sub(r":(\w+)", r"%(\1)s", sql)
    return sql, params


def hand_run(conn, sql: str, params: dict) -> Callable[[], None]:
    def run() -> None:
        cur = conn.cursor()
        cur.execute(sql, params)
        cur.fetchall()

    return run


def measure_search(engine: Engine, *, runs: int, sqlite_path: Path | None, label: str, limit: int = 20) -> list[Result]:
    results = []
    raw = _raw_connection(engine, sqlite_path)
    try:
        for what, actor, flt, second in search_cases(engine):
            after = None
            if second:
                with db.read_rows(engine) as s:
                    after = todos.search(s, actor, flt, limit=limit).rows[-1].cursor

            def store() -> todos.Page:
                with db.read_rows(engine) as s:
                    return todos.search(s, actor, flt, after=after, limit=limit)

            page = store()
            statements = recorded(engine, store)
            hand_sql, hand_params = hand_written(engine, actor, flt, after, limit)
            hand = hand_run(raw, hand_sql, hand_params)
            cur = raw.cursor()
            cur.execute(hand_sql, hand_params)
            check = cur.fetchall()
            assert [r[0] for r in check] == [r.todo_id for r in page.rows], (what, "the hand-written SQL disagrees")
            assert check[0][-2] == page.total if check else True, (what, "the hand-written total disagrees")
            with db.read_rows(engine) as s:
                store_ms, inner_ms, raw_ms, hand_ms = _interleaved(
                    [store, lambda: todos.search(s, actor, flt, after=after, limit=limit),
                     replay(raw, statements, sqlite_path is not None), hand], runs
                )
            shown = f"{page.first}-{page.first + len(page.rows) - 1} of {page.total:,}" if page.rows else f"0 of {page.total:,}"
            target = ("≤ 1.5 ms, ≤ 2x raw and hand" if label == "SQLite" else "≤ 2.5 ms, ≤ 2x hand") if not what.startswith(("EE", "DIRC")) else ""
            if what.startswith("SDO"):
                target = "≤ 2 ms, flat with scale" if label == "SQLite" else target
            results.append(Result(f"{label} {what}", shown, statistics.median(store_ms), _p95(store_ms),
                                  statistics.median(raw_ms), _p95(raw_ms), target, statistics.median(inner_ms),
                                  statistics.median(hand_ms), len(statements)))
    finally:
        raw.close()
    return results


def measure_detail(engine: Engine, *, runs: int, sqlite_path: Path | None, label: str) -> list[Result]:
    """`todos.get` (the To Do Entry behind Enter) for the first To Do of the clerk's page, in
    `db.read_rows` as services.todos runs it, against the replay of its statements."""
    _, actor, flt, _ = search_cases(engine)[0]
    with db.read_rows(engine) as s:
        todo_id = todos.search(s, actor, flt, limit=1).rows[0].todo_id

    def store() -> todos.TodoDetail:
        with db.read_rows(engine) as s:
            return todos.get(s, actor, todo_id)

    statements = recorded(engine, store)
    raw = _raw_connection(engine, sqlite_path)
    try:
        with db.read_rows(engine) as s:
            store_ms, inner_ms, raw_ms = _interleaved(
                [store, lambda: todos.get(s, actor, todo_id), replay(raw, statements, sqlite_path is not None)], runs
            )
    finally:
        raw.close()
    return [Result(f"{label} To Do Entry: todos.get", todo_id, statistics.median(store_ms), _p95(store_ms),
                   statistics.median(raw_ms), _p95(raw_ms), "", statistics.median(inner_ms), None, len(statements))]


def page_plan(engine: Engine, sqlite_path: Path | None) -> list[str]:
    """The query plan of the clerk's page query, for the report."""
    _, actor, flt, _ = search_cases(engine)[0]
    statements = recorded(engine, lambda: _search_once(engine, actor, flt))
    sql, params = next((q, p) for q, p in statements if "LIMIT" in q)
    conn = _raw_connection(engine, sqlite_path)
    try:
        cur = conn.cursor()
        if sqlite_path is not None:
            return [row[3] for row in cur.execute("EXPLAIN QUERY PLAN " + sql, params).fetchall()]
        cur.execute("EXPLAIN " + sql, params)
        return [row[0] for row in cur.fetchall()]
    finally:
        conn.close()


def _search_once(engine: Engine, actor: str, flt: SearchFilter) -> None:
    with db.read(engine) as s:
        todos.search(s, actor, flt)


# --- report --------------------------------------------------------------------------------------


def print_table(results: list[Result]) -> None:
    def ms(value: float | None) -> str:
        return "" if value is None else f"{value:.2f}"

    head = ("measure", "page", "stmts", "median ms", "p95 ms", "call only", "raw med", "x raw", "hand med", "x hand", "target")
    cells = [
        (r.what, r.rows, r.statements or "", ms(r.median_ms), ms(r.p95_ms), ms(r.inner_median_ms), ms(r.raw_median_ms),
         "" if r.ratio is None else f"{r.ratio:.1f}", ms(r.hand_median_ms), "" if r.hand_ratio is None else f"{r.hand_ratio:.1f}",
         r.target)
        for r in results
    ]
    widths = [max(len(str(c)) for c in col) for col in zip(head, *cells)]
    for row in (head, *cells):
        print("  ".join(str(c).ljust(w) if i < 2 or i == 10 else str(c).rjust(w) for i, (c, w) in enumerate(zip(row, widths))))


def _pg_engine(url: str) -> Engine:
    admin = db.make_engine(url)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{PG_SCHEMA}"'))
    admin.dispose()
    scoped = make_url(url).update_query_dict({"options": f"-csearch_path={PG_SCHEMA}"})
    return db.make_engine(scoped.render_as_string(hide_password=False))


def prepare(engine: Engine, args, label: str) -> None:
    if args.reuse and ready(engine, args.todos, args.users):
        print(f"{label}: reusing {args.todos:,} To Dos", file=sys.stderr)
        return
    print(f"{label}: building {args.todos:,} To Dos over {args.users:,} staff …", file=sys.stderr)
    started = time.perf_counter()
    build(engine, n_todos=args.todos, users=args.users, seed=args.seed)
    print(f"{label}: built in {time.perf_counter() - started:.0f} s", file=sys.stderr)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sqlite", type=Path, default=Path(tempfile.gettempdir()) / "wss-bench" / "todos.db", help="SQLite file to build or reuse")
    parser.add_argument("--reuse", action="store_true", help="reuse the database when it already holds a data set of this size")
    parser.add_argument("--todos", type=int, default=1_000_000)
    parser.add_argument("--users", type=int, default=2_000)
    parser.add_argument("--runs", type=int, default=300, help="timed runs per measure (after 20 warm-up runs)")
    parser.add_argument("--limit", type=int, default=20, help="rows per page (the 80x24 screen shows 20)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--pg", metavar="URL", help=f"also build and measure on PostgreSQL (schema {PG_SCHEMA})")
    parser.add_argument("--no-sqlite", action="store_true", help="PostgreSQL only")
    parser.add_argument("--cpu", action="store_true",
                        help="time this process's CPU, not the wall clock: on a machine loaded far past its cores the wall "
                             "clock counts the time other work held the CPU (SQLite only: PostgreSQL works in its own process)")
    args = parser.parse_args(argv)
    global CLOCK
    if args.cpu:
        CLOCK = time.process_time

    results: list[Result] = []
    plans: dict[str, list[str]] = {}
    targets: list[tuple[str, Engine, Path | None]] = []
    if not args.no_sqlite:
        targets.append(("SQLite", db.make_engine(f"sqlite:///{args.sqlite}"), args.sqlite))
    if args.pg:
        targets.append(("PostgreSQL", _pg_engine(args.pg), None))
    for label, engine, path in targets:
        prepare(engine, args, label)
        results += measure_search(engine, runs=args.runs, sqlite_path=path, label=label, limit=args.limit)
        results += measure_detail(engine, runs=args.runs, sqlite_path=path, label=label)
        plans[label] = page_plan(engine, path)
        engine.dispose()

    print(f"\nTo Do Search at {args.todos:,} To Dos, {args.users:,} staff; {args.runs} runs each.\n"
          "median/p95: db.read_rows() + todos.search(), as a screen's worker runs it; call only: todos.search() in\n"
          "a unit of work already open; raw: the same statements through the driver, as the store sends them;\n"
          "hand: the best hand-written single statement for the same page, total and related counts\n")
    print_table(results)
    for label, plan in plans.items():
        print(f"\n{label} plan of the clerk's page query:")
        for line in plan:
            print("   ", line)


if __name__ == "__main__":
    main()
