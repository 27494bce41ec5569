"""The MIS bench's data set generated inside PostgreSQL: INSERT … SELECT over generate_series, with
the secondary indexes dropped during the load and built once after, so 10,000,000 cases and To Dos
take minutes, not hours.

The same shape as mis_escalation.build() (which inserts row by row from Python, for SQLite): the
offices and staff, accounts with 12 monthly bills each, cases in the last two years — `n_pending`
open, registered over the last 60 days, 70% bill-correction complaints (each on a bill of its own);
the others closed 1 to 20 days after registration (registered over two years, a tenth over the last 60
days), a case whose closing would fall after "now" moved back, registration and closing, by its window
of registration (730 or 60 whole days), so each day's closings are about a day's intake, as in a
real office, where cases still open at "now" are the pending ones — each with its To Do, written in
registration order as they would arrive; then the state the nightly sweeps leave: levels reached by
yesterday (the matrix's own cutoffs), caps recorded for the open cases past due and those closed late in the last
45 days, and the MIS's summary (pending_days.rebuild). Pseudo-random numbers are hashes of the row
number (hashint8extended), so a seed gives the same data every time. No escalation To Dos: the MIS
does not read them.
"""

from __future__ import annotations

import sys
import time
from datetime import datetime, timedelta

from sqlalchemy import Engine, bindparam, insert, text

from wss_tui.store import config, db, escalation, pending_days, sla
from wss_tui.store.models import Office, Staff
from wss_tui.store.offices import office_rows

TABLES = ("account", "bill", "case", "todo")


def _say(started: float, what: str) -> None:
    print(f"  {what}, {time.perf_counter() - started:.0f} s so far", file=sys.stderr)


def build(engine: Engine, *, now: datetime, n_cases: int, n_pending: int, n_accounts: int, seed: int = 1,
          pending_days_back: int = 60, bill_months: int = 12) -> None:
    started = time.perf_counter()
    db.drop_all(engine)
    db.upgrade(engine)
    offices = office_rows()
    subs = [o["code"] for o in offices if o["level"] == "subdivision"]
    staff = []
    for code in subs:
        short = code.removeprefix("ESD-").replace("-", "")
        for role, n in (("TR-SDC", 2), ("TR-SDO", 1)):
            for k in range(1, n + 1):
                staff.append(dict(user_id=f"{short}-{role[3:]}{k}", name=f"STAFF,{short}{k}", office_code=code, role=role,
                                  password_hash="-", active=True, failed_logins=0))
    with engine.begin() as conn:
        conn.execute(insert(Office), offices)
        conn.execute(insert(Staff), staff)
    sla_days = {code: rt.sla_days for code, rt in config.request_types().items()}
    this_month = now.date().replace(day=1)
    params = dict(seed=seed, n_acc=n_accounts, n_cases=n_cases, n_pend=n_pending, now=now, months=bill_months,
                  month0=this_month, pend_s=pending_days_back * 86400, nsub=len(subs))
    with engine.begin() as conn:
        conn.exec_driver_sql("SET LOCAL synchronous_commit = off")
        # The sub-divisions numbered 0 … n-1 with their staff, for the joins below.
        conn.exec_driver_sql("CREATE TEMP TABLE bench_sub (k int PRIMARY KEY, code text, sdc1 text, sdc2 text) ON COMMIT DROP")
        conn.execute(text("INSERT INTO bench_sub VALUES (:k, :code, :a, :b)"),
                     [dict(k=k, code=c, a=f"{c.removeprefix('ESD-').replace('-', '')}-SDC1",
                           b=f"{c.removeprefix('ESD-').replace('-', '')}-SDC2") for k, c in enumerate(subs)])
        dropped = []
        for table in TABLES:
            for name, ddl in conn.execute(text(
                "SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.tablename = :t AND i.schemaname = current_schema() "
                "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)"), {"t": table}):
                conn.exec_driver_sql(f'DROP INDEX "{name}"')
                dropped.append(ddl)
        conn.exec_driver_sql("SET LOCAL session_replication_role = replica")  # no per-row foreign key checks while loading
        conn.execute(text("""
            INSERT INTO account (account_id, system, person_name, premise_address, town, tariff_category, supply_type,
                sanctioned_load_kw, subdivision_code, area, smart_meter, status, connected_on, current_balance_paise,
                payoff_balance_paise, language)
            SELECT (1000000000 + i)::text, 'CCB', 'CONSUMER ' || i, (i % 900 + 1) || '/A Ward ' || (i % 40), 'Lucknow', 'LMV-1',
                'Residential / Domestic', 2.0, s.code, 'URBAN', false, 'ACTIVE', DATE '2010-01-01', 0, 0, 'hi'
            FROM generate_series(CAST(0 AS bigint), :n_acc - 1) i JOIN bench_sub s ON s.k = i % :nsub"""), params)
        _say(started, f"accounts: {n_accounts:,}")
        conn.execute(text("""
            INSERT INTO bill (bill_no, account_id, bill_month, period_from, period_to, bill_date, due_date, multiplying_factor, units, basis,
                tariff_category, sanctioned_load_kw, fixed_charge_paise, energy_charge_paise, duty_paise, arrear_paise,
                amount_paise, state)
            SELECT (100000000000 + i * :months + b)::text, (1000000000 + i)::text, m, m, m + 27, m + 32, m + 47,
                1.0, 150 * l, 'ACT', 'LMV-1', l, 11000 * l, 90000 * l, 4500 * l, 0, 105500 * l, 'ISSUED'
            FROM generate_series(CAST(0 AS bigint), :n_acc - 1) i
            CROSS JOIN LATERAL (SELECT (ARRAY[1, 2, 2, 3, 5])[1 + (hashint8extended(i, :seed) & 2147483647) % 5] AS l) load
            CROSS JOIN LATERAL generate_series(1, :months) b
            CROSS JOIN LATERAL (SELECT (CAST(:month0 AS date) - make_interval(months => b))::date AS m) month"""), params)
        _say(started, f"bills: {n_accounts * bill_months:,}")
        # Case i: open when i < n_pend; a bill-correction complaint 70% of the time, an open one on
        # bill (i div n_acc) + 1 of account i mod n_acc, so no two open complaints share a bill.
        conn.execute(text("""
            CREATE TEMP TABLE bench_case ON COMMIT DROP AS
            SELECT r.i, r.pending, r.a, r.bill_case, r.h, r.created,
                r.created + make_interval(days => CASE WHEN r.bill_case THEN :sla_bill ELSE :sla_other END) AS due,
                CASE WHEN NOT r.pending THEN r.created + r.takes END AS closed
            FROM (SELECT q.*, q.drawn - CASE WHEN NOT q.pending AND q.drawn + q.takes > CAST(:now AS timestamptz)
                                             THEN make_interval(secs => q.win) ELSE interval '0' END AS created
                  FROM (SELECT p.*, make_interval(hours => (24 + (p.h / 7) % (24 * 19))::int) AS takes,
                            CAST(:now AS timestamptz) - make_interval(secs => (hashint8extended(p.i, :seed + 3) & 2147483647)::bigint
                                                                              % p.win) AS drawn
                        FROM (SELECT i, i < :n_pend AS pending,
                                CASE WHEN i < :n_pend THEN i % :n_acc ELSE (hashint8extended(i, :seed + 1) & 2147483647) % :n_acc END AS a,
                                (hashint8extended(i, :seed + 2) & 2147483647) % 10 < 7 AS bill_case,
                                CASE WHEN i < :n_pend OR (hashint8extended(i, :seed + 4) & 2147483647) % 10 = 0 THEN :pend_s
                                     ELSE 730 * 86400 END AS win,
                                (hashint8extended(i, :seed + 5) & 2147483647) AS h
                              FROM generate_series(CAST(0 AS bigint), :n_cases - 1) i) p) q) r"""),
            {**params, "sla_bill": sla_days["bill-correction"], "sla_other": sla_days["mobile-email"]})
        # The level yesterday's sweep left (the matrix's cutoffs) and the cap the sweeps recorded — on
        # the open cases due by yesterday and those closed late in the last 45 days — written with the
        # case: the cap is sla.cap_sql's figure for this data, 30% of the fixed charges of the bills up
        # to the case's month (the account's load × Rs 110 a month, the bills being the last 12 months).
        cut = escalation.cutoffs(now - timedelta(days=1))
        reached = " ".join(f"WHEN c.created <= :cut_{n} THEN {n}" for n in sorted(cut, reverse=True))
        rule = sla.rule()
        conn.execute(text(f"""
            INSERT INTO "case" (case_id, request_type, case_type, channel, account_id, bill_no, reason, status, comments,
                created_at, due_at, closed_at, escalation_level, office_code, compensation_cap_paise)
            SELECT (1000000000 + (c.i * 1000000007) % 9000000000)::text,
                CASE WHEN c.bill_case THEN 'bill-correction' ELSE 'mobile-email' END,
                CASE WHEN c.bill_case THEN 'Bill Revision Through WSS' ELSE 'Data Correction Through WSS' END, 'wss',
                (1000000000 + c.a)::text,
                CASE WHEN c.pending AND c.bill_case THEN (100000000000 + c.a * :months + c.i / :n_acc + 1)::text END,
                'Reading in bill is higher than on the meter.',
                CASE WHEN c.pending THEN 'Initiate Bill Complaint' WHEN c.h % 4 = 0 THEN 'Reject the Case' ELSE 'Case Completed' END,
                '', c.created, c.due, c.closed,
                CASE WHEN c.pending AND c.bill_case THEN CASE {reached} ELSE 0 END ELSE 0 END, s.code,
                CASE WHEN (c.pending AND c.due <= CAST(:now AS timestamptz) - interval '1 day')
                       OR (c.closed > CAST(:now AS timestamptz) - interval '45 days' AND c.closed > c.due)
                     THEN div(11000 * (ARRAY[1, 2, 2, 3, 5])[1 + (hashint8extended(c.a, :seed) & 2147483647) % 5]
                              * least(:cap_bills, greatest(0, :months - greatest(:m0 - (extract(year FROM c.created) * 12
                                      + extract(month FROM c.created) - 1)::int, 1) + 1)) * :pct, 100)::bigint END
            FROM bench_case c JOIN bench_sub s ON s.k = c.a % :nsub
            ORDER BY c.created""").bindparams(*(bindparam(f"cut_{n}", t) for n, t in cut.items())),
            {**params, "cap_bills": rule.cap_bills, "pct": rule.cap_percent, "m0": this_month.year * 12 + this_month.month - 1})
        _say(started, f"cases: {n_cases:,}")
        conn.execute(text("""
            INSERT INTO todo (todo_id, todo_type, role, office_code, message, status, priority, assigned_to, sent_by, comment,
                created_at, last_assigned_at, completed_at, case_id, account_id, version)
            SELECT (10000000000000 + c.i)::text, 'IMITCASE', 'TR-SDC', s.code, 'Please Investigate Disputed Bill', t.status, 30,
                t.holder, NULL, '', c.created, CASE WHEN t.holder IS NOT NULL THEN c.created + interval '2 hours' END,
                k.closed_at, k.case_id, k.account_id, 1
            FROM bench_case c JOIN bench_sub s ON s.k = c.a % :nsub
            JOIN "case" k ON k.case_id = (1000000000 + (c.i * 1000000007) % 9000000000)::text
            CROSS JOIN LATERAL (SELECT CASE WHEN NOT c.pending THEN 'Complete' WHEN c.h % 10 < 4 THEN 'Open'
                                            ELSE 'Being Worked On' END AS status) st
            CROSS JOIN LATERAL (SELECT st.status AS status, CASE WHEN st.status = 'Open' THEN NULL
                                       WHEN c.h % 3 = 0 THEN s.sdc2 ELSE s.sdc1 END AS holder) t
            ORDER BY c.created"""), params)
        _say(started, f"To Dos: {n_cases:,}")
        for ddl in dropped:
            conn.exec_driver_sql(ddl)
        _say(started, f"{len(dropped)} indexes built")
    with engine.begin() as conn:
        rows = pending_days.rebuild(conn)
        _say(started, f"mis_day: {rows:,} rows")
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("VACUUM ANALYZE")
    _say(started, "analysed")

