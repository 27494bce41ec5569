"""How fast `wss import bills` loads a CC&B bills extract of 1,000,000 rows, against the raw-sqlite floor.

    .venv/bin/python bench/import_bills.py                # 1,000,000 bills, SQLite in a temp folder
    .venv/bin/python bench/import_bills.py --rows 200000  # smaller
    .venv/bin/python bench/import_bills.py --db postgresql+psycopg://postgres@127.0.0.1:5432/bench

It generates the extracts (CC&B accounts, 12 bills each, and the bills file), imports the accounts, then
times, in the same run:

1. `wss import bills FILE --system ccb --json` as a real command (a subprocess: start-up included);
2. the same command again over the same file (every row an update: the re-run after an interruption);
3. the floor: plain `sqlite3` — csv.reader, the least conversion the store's column types need, one
   `executemany` INSERT in one transaction — into a fresh database of the same schema and pragmas
   (SQLite only).

3'. on PostgreSQL the floor is plain psycopg: one COPY of the same converted rows into the emptied
   bill table (same indexes and foreign key), one transaction.

Each figure is printed with the machine's load average. On SQLite the command's CPU time (start-up
included) is set against the floor's too: SQLite works inside the process, so CPU time is its whole
cost and moves far less with other work on the machine than the wall clock.

Targets (issue 13): SQLite ≤ 1.3x the raw executemany; PostgreSQL 1,000,000 rows ≤ 15 s.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import insert

from wss_tui.store import db, tariff
from wss_tui.store.models import Office
from wss_tui.store.offices import office_rows

WSS = Path(sys.executable).parent / "wss"
ACCOUNT_HEADER = (
    "ACCT_ID,ENTITY_NAME,MOBILE_NBR,EMAIL_ADDR,LANGUAGE_CD,PREM_ADDRESS,CITY,RATE_SCHED_CD,SA_TYPE_DESCR,"
    "CONTRACT_LOAD_KW,SUB_DIVISION_CD,SMART_METER_FLG,ACCT_STATUS,SETUP_DT,CUR_BAL,PAYOFF_BAL"
)
BILL_HEADER = (
    "BILL_ID,ACCT_ID,BILL_MONTH,BILL_START_DT,BILL_END_DT,BILL_DT,DUE_DT,PREV_READ,CURR_READ,MULT_FACTOR,"
    "BILLED_KWH,READ_TYPE,RATE_SCHED_CD,CONTRACT_LOAD_KW,FIXED_CHG,ENERGY_CHG,ED_AMT,ARREAR_AMT,BILL_AMT"
)


def generate(folder: Path, rows: int, seed: int = 1) -> tuple[Path, Path, int]:
    """A CC&B accounts file and a bills file of `rows` bills (12 months per account)."""
    rng = random.Random(seed)
    urban = [o for o in office_rows() if o["level"] == "subdivision" and o["area"] == "URBAN"]
    n_accounts = (rows + 11) // 12
    months = [date(2025, 11, 1)]
    for _ in range(11):
        m = months[-1]
        months.append(date(m.year + (m.month == 12), m.month % 12 + 1, 1))
    periods = []
    for m in months:
        nxt = date(m.year + (m.month == 12), m.month % 12 + 1, 1)
        end = nxt - timedelta(days=1)
        bill_dt = end + timedelta(days=3)
        periods.append((m.strftime("%Y-%m"), m.isoformat(), end.isoformat(), bill_dt.isoformat(), (bill_dt + timedelta(days=15)).isoformat(), (end - m).days + 1))
    accounts_csv, bills_csv = folder / "ccb_accounts_bench.csv", folder / "ccb_bills_bench.csv"
    charges: dict[tuple, tuple[str, str, str, int]] = {}
    written = 0
    with open(accounts_csv, "w", newline="") as fa, open(bills_csv, "w", newline="") as fb:
        wa, wb = csv.writer(fa), csv.writer(fb)
        wa.writerow(ACCOUNT_HEADER.split(","))
        wb.writerow(BILL_HEADER.split(","))
        for i in range(n_accounts):
            sub = urban[i % len(urban)]
            account_id = str(1_000_000_000 + i)
            category, load = ("LMV-1", rng.choice((1, 2, 3, 5))) if rng.random() < 0.85 else ("LMV-2", rng.choice((2, 5, 10)))
            wa.writerow(
                [account_id, f"CONSUMER,{i}", f"9{rng.randrange(10**8, 10**9)}", "", "HIN", f"{i % 900 + 1}/A Ward {i % 40}, {sub['town']}",
                 sub["town"], category, "Residential / Domestic" if category == "LMV-1" else "Non-Domestic", load, sub["code"], "N",
                 "ACTIVE", "2015-04-01", "0.00", "0.00"]
            )
            reading = rng.randrange(1000, 30000)
            for m, (month, start, end, bill_dt, due, days) in enumerate(periods):
                if written == rows:
                    break
                units = rng.randrange(50, 400) * (3 if category == "LMV-2" else 1)
                key = (category, load, units, days)
                if key not in charges:
                    c = tariff.compute(category, "URBAN", load, units, days)
                    charges[key] = (f"{c.fixed_paise / 100:.2f}", f"{c.energy_paise / 100:.2f}", f"{c.duty_paise / 100:.2f}", c.total_paise)
                fixed, energy, duty, total = charges[key]
                prev, reading = reading, reading + units
                wb.writerow(
                    [bill_id(m, i, n_accounts), account_id, month, start, end, bill_dt, due, prev, reading, 1, units, "ACT", category, load,
                     fixed, energy, duty, "0.00", f"{total / 100:.2f}"]
                )
                written += 1
    return accounts_csv, bills_csv, n_accounts


def bill_id(month: int, account: int, n_accounts: int) -> int:
    """As a billing system numbers them: in sequence through each month's billing run; the extract
    lists them account by account, so twelve runs of ascending IDs interleave."""
    return 500_000_000_000 + month * n_accounts + account


def fresh_database(url: str) -> None:
    engine = db.make_engine(url)
    db.drop_all(engine)
    db.upgrade(engine)
    with engine.begin() as conn:
        conn.execute(insert(Office), office_rows())
    engine.dispose()


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def wss_import(url: str, kind: str, path: Path) -> tuple[float, dict, float]:
    """The command's wall clock, its JSON summary, and its CPU seconds (start-up included)."""
    cpu = children_cpu()
    started = time.perf_counter()
    out = subprocess.run(
        [str(WSS), "--db", url, "import", kind, str(path), "--system", "ccb", "--json"], capture_output=True, text=True, env=os.environ | {"WSS_DATABASE_URL": url}
    )
    wall = time.perf_counter() - started
    if out.returncode != 0:
        raise SystemExit(f"wss import {kind} failed ({out.returncode}): {out.stderr.strip()}")
    return wall, json.loads(out.stdout), children_cpu() - cpu


def load() -> str:
    return "load average " + " ".join(f"{x:.1f}" for x in os.getloadavg())


def raw_floor(path: Path, bills_csv: Path) -> float:
    """Plain sqlite3: csv.reader, the least conversion (paise as integers, ISO dates kept as text,
    as SQLAlchemy stores them), one executemany in one transaction."""
    conn = sqlite3.connect(path, isolation_level=None)
    for pragma in ("journal_mode=WAL", "foreign_keys=ON", "synchronous=NORMAL"):
        conn.execute(f"PRAGMA {pragma}")

    def paise(text: str) -> int:
        whole, _, frac = text.partition(".")
        return int(whole) * 100 + int(frac or 0)

    started = time.perf_counter()
    with open(bills_csv, newline="") as fh:
        reader = csv.reader(fh)
        next(reader)
        rows = (
            (r[0], r[1], r[2] + "-01", r[3], r[4], r[5], r[6], float(r[7]), float(r[8]), float(r[9]), float(r[10]), r[11], r[12],
             float(r[13]), paise(r[14]), paise(r[15]), paise(r[16]), paise(r[17]), paise(r[18]), "ISSUED")
            for r in reader
        )
        conn.execute("BEGIN")
        conn.executemany(
            "INSERT INTO bill (bill_no, account_id, bill_month, period_from, period_to, bill_date, due_date, prev_reading, curr_reading,"
            " multiplying_factor, units, basis, tariff_category, sanctioned_load_kw, fixed_charge_paise, energy_charge_paise, duty_paise,"
            " arrear_paise, amount_paise, state) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            rows,
        )
        conn.execute("COMMIT")
    elapsed = time.perf_counter() - started
    conn.close()
    return elapsed


def raw_floor_pg(url: str, bills_csv: Path) -> float:
    """Plain psycopg: the bill table emptied, then csv.reader, the same least conversion, and one
    COPY into it in one transaction — the same indexes and foreign key as the import writes through."""
    import psycopg

    from sqlalchemy.engine import make_url

    def paise(text: str) -> int:
        whole, _, frac = text.partition(".")
        return int(whole) * 100 + int(frac or 0)

    plain = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(plain) as conn:
        conn.execute("TRUNCATE bill CASCADE")
        conn.commit()
        started = time.perf_counter()
        with open(bills_csv, newline="") as fh, conn.cursor() as cur:
            reader = csv.reader(fh)
            next(reader)
            with cur.copy(
                "COPY bill (bill_no, account_id, bill_month, period_from, period_to, bill_date, due_date, prev_reading, curr_reading,"
                " multiplying_factor, units, basis, tariff_category, sanctioned_load_kw, fixed_charge_paise, energy_charge_paise, duty_paise,"
                " arrear_paise, amount_paise, state) FROM STDIN"
            ) as copy:
                for r in reader:
                    copy.write_row((r[0], r[1], r[2] + "-01", r[3], r[4], r[5], r[6], r[7], r[8], r[9], r[10], r[11], r[12], r[13],
                                    paise(r[14]), paise(r[15]), paise(r[16]), paise(r[17]), paise(r[18]), "ISSUED"))
        conn.commit()
        return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--db", help="database URL (default: SQLite files in the work folder)")
    parser.add_argument("--dir", type=Path, help="work folder (default: a temporary one, removed after); extracts of --rows found there are reused")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="wss-bench-") as tmp:
        folder = args.dir or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        print(f"start: {load()}")
        t = time.perf_counter()
        accounts_csv, bills_csv = folder / "ccb_accounts_bench.csv", folder / "ccb_bills_bench.csv"
        marker = folder / f"bench-{args.rows}.rows"
        if marker.exists() and bills_csv.exists():
            n_accounts = (args.rows + 11) // 12
            print(f"reusing the extracts of {args.rows:,} bills in the work folder")
        else:
            accounts_csv, bills_csv, n_accounts = generate(folder, args.rows)
            marker.write_text("")
            print(f"generated {n_accounts:,} accounts and {args.rows:,} bills ({bills_csv.stat().st_size / 1e6:.0f} MB) in {time.perf_counter() - t:.1f} s")

        url = args.db or f"sqlite:///{folder / 'wss.db'}"
        fresh_database(url)
        wall, summary, _ = wss_import(url, "accounts", accounts_csv)
        print(f"wss import accounts: {summary['rows']:,} rows in {wall:.1f} s")

        wall, summary, cpu = wss_import(url, "bills", bills_csv)
        assert summary["inserted"] == args.rows and summary["rejected"] == 0, summary
        print(f"wss import bills (fresh): {summary['rows']:,} rows in {wall:.1f} s wall, {summary['seconds']:.1f} s import "
              f"({summary['rows_per_second']:,} rows/s); CPU of the command {cpu:.1f} s")
        wall2, summary, cpu2 = wss_import(url, "bills", bills_csv)
        assert summary["updated"] == args.rows, summary
        print(f"wss import bills (re-run, all updates): {wall2:.1f} s wall, {summary['seconds']:.1f} s import; CPU {cpu2:.1f} s")

        if url.startswith("sqlite"):
            floor_db = folder / "floor.db"
            fresh_database(f"sqlite:///{floor_db}")
            wss_import(f"sqlite:///{floor_db}", "accounts", accounts_csv)
            floor_cpu = time.process_time()
            floor = raw_floor(floor_db, bills_csv)
            floor_cpu = time.process_time() - floor_cpu
            # SQLite works inside the process: its CPU time is the whole cost, and moves less with the
            # machine's load than the wall clock does.
            print(f"floor, raw sqlite3 executemany: {floor:.1f} s wall, CPU {floor_cpu:.1f} s  "
                  f"(wss import is {wall / floor:.2f}x the floor by the wall clock, {cpu / floor_cpu:.2f}x by CPU time)")
            print(f"target: <= 1.3x the floor -> {'met' if wall <= 1.3 * floor else 'NOT met'} by the wall clock, "
                  f"{'met' if cpu <= 1.3 * floor_cpu else 'NOT met'} by CPU time")
        else:
            floor = raw_floor_pg(url, bills_csv)
            print(f"floor, raw psycopg COPY into the bill table: {floor:.1f} s  (wss import is {wall / floor:.2f}x the floor)")
            print(f"target: 1,000,000 rows <= 15 s -> {'met' if wall * 1_000_000 / args.rows <= 15 else 'NOT met'} "
                  f"(scaled from {args.rows:,} rows)")
        print(f"end: {load()}")


if __name__ == "__main__":
    main()
