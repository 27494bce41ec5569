"""The MIS figures equal an independent count over the same rows, at every level and in every scope.

`expected()` below reads the demo's cases, bills, To Dos, closures and revisions into plain Python and
counts them by the rules as the issue states them — nothing shared with store/mis/ but the data.
"""

from __future__ import annotations

import csv
import json
from collections import defaultdict
from datetime import UTC, datetime, time, timedelta

import pytest
from sqlalchemy import insert, select, text, update

from wss_tui.store import clock, db, escalation, mis, pending_days
from wss_tui.store.clock import IST
from wss_tui.store.errors import Denied, Invalid, NotFound
from wss_tui.store.models import (
    Account,
    Bill,
    BillRevision,
    Case,
    CaseClosure,
    Office,
    SmsOutbox,
    Staff,
    ToDo,
)

from ._cli import wss as run_wss

LEVELS = ("discom", "zone", "circle", "division", "subdivision")


@pytest.fixture
def data(engine):
    """The demo after a sweep (levels, caps), with some closures, revisions, and half the cases
    without their office column (as rows written before migration 0002's writers set it)."""
    now = clock.now()
    with db.write(engine) as session:
        escalation.sweep(session, now)
    case = Case.__table__
    with engine.begin() as conn:
        closed = conn.execute(
            select(case.c.case_id, case.c.account_id, case.c.closed_at, case.c.status)
            .where(case.c.closed_at.is_not(None)).order_by(case.c.case_id)
        ).all()
        subs = dict(conn.execute(select(Account.account_id, Account.subdivision_code)).all())
        staff = conn.execute(select(Staff.user_id, Staff.office_code).where(Staff.role == "TR-SDC")).all()
        clerk_of = {office: user for user, office in staff}
        # Closures as store/revision/closure.py records them: by OTP, by an EE without, by an officer; the rest
        # have none (closed before closures were recorded).
        methods = ("OTP", "NO-OTP", "OFFICER")
        conn.execute(
            insert(CaseClosure),
            [dict(case_id=c.case_id, office_code=subs[c.account_id], outcome=c.status, method=methods[i % 3], reason="",
                  comment="done", closed_by=clerk_of[subs[c.account_id]], closed_at=c.closed_at)
             for i, c in enumerate(closed[: len(closed) * 2 // 3])],
        )
        # Approved and proposed revisions, this month and last.
        bills = conn.execute(
            select(Bill.bill_no, Bill.account_id, Bill.amount_paise, ToDo.todo_id, case.c.case_id)
            .join(case, case.c.bill_no == Bill.bill_no).join(ToDo, ToDo.case_id == case.c.case_id)
            .order_by(Bill.bill_no).limit(12)
        ).all()
        conn.execute(
            insert(BillRevision),
            [dict(case_id=b.case_id, bill_no=b.bill_no, account_id=b.account_id, office_code=subs[b.account_id],
                  status="APPROVED" if i % 4 else "PROPOSED", reason_code="READING", remark="test",
                  amount_before_paise=b.amount_paise, basis="ACT", units=100.0, tariff_category="LMV-1",
                  sanctioned_load_kw=2.0, days=30, fixed_charge_paise=0, energy_charge_paise=0, duty_paise=0,
                  arrear_paise=0, amount_paise=b.amount_paise - 1000 * (i + 1), difference_paise=-1000 * (i + 1) * (1 if i % 5 else -3),
                  maker_id=clerk_of[subs[b.account_id]], proposed_at=now - timedelta(days=3 + 7 * i),
                  source_todo_id=b.todo_id, approver_role="TR-SDO", approver_office=subs[b.account_id],
                  decided_at=now - timedelta(days=2 + 7 * i) if i % 4 else None)
             for i, b in enumerate(bills)],
        )
        conn.execute(update(case).where(text("substr(case_id, 10, 1) IN ('1', '3', '5', '7', '9')")).values(office_code=None))
        # Some bill cases become officers' own revision cases (meter replacement): no complainant.
        conn.execute(update(case).where(text("substr(case_id, 9, 2) IN ('02', '42', '72') AND request_type = 'bill-correction'"))
                     .values(channel="officer", request_type="meter-replacement", case_type="Bill Revision on Meter Replacement"))
        # Some SMS that delivery gave up on, one of them a case's second failure.
        conn.execute(update(SmsOutbox).where(text("id % 7 = 3")).values(status="FAILED", tries=5, last_error="HTTP 503"))
        assert conn.scalar(select(text("count(*)")).select_from(SmsOutbox).where(SmsOutbox.status == "FAILED")) > 5
        assert conn.scalar(select(text("count(*)")).select_from(case).where(case.c.office_code.is_(None))) > 20
        pending_days.rebuild(conn)  # the cases were changed here behind the writers' backs
    return engine


def _rows(conn, model):
    return conn.execute(select(model.__table__)).all()


def of_kind(c, kind: str) -> bool:
    """Bill-revision complaints (the default): consumers' bill-correction requests; "service": their
    other requests; "officer-case": officers' own revision cases; "all": every case."""
    if kind == "all":
        return True
    if kind == "officer-case":
        return c.channel == "officer"
    bill = c.request_type == "bill-correction"
    return c.channel != "officer" and (bill if kind == "bill-revision" else not bill)


# Rs per full day late, request_types.toml: Rs 50 for a bill complaint, 0 for a mobile/e-mail update
# (not a compensated service), the escalation.toml default (Rs 50) for the rest; nothing on an officer's case.
def rate_paise(c) -> int:
    return 0 if c.channel == "officer" or c.request_type == "mobile-email" else 5000


def expected(engine, *, now, start, end, scope_path="/", level="discom", office_path=None,
             kind="bill-revision") -> dict[str, dict]:
    """Each figure per row key, counted in Python from the rows themselves."""
    with engine.connect() as conn:
        cases, accounts, offices_, bills, todos, closures, revisions, messages = (
            _rows(conn, m) for m in (Case, Account, Office, Bill, ToDo, CaseClosure, BillRevision, SmsOutbox)
        )
    sub_of = {a.account_id: a.subdivision_code for a in accounts}
    path_of = {o.code: o.path for o in offices_}
    bills_of = defaultdict(list)
    for b in bills:
        bills_of[b.account_id].append(b)
    first_todo: dict[str, object] = {}
    for t in sorted(todos, key=lambda t: (t.created_at, t.todo_id)):
        if t.case_id and t.case_id not in first_todo and t.office_code == sub_of[t.account_id]:
            first_todo[t.case_id] = t
    confirmed = {c.case_id for c in closures if c.method in ("OTP", "OFFICER")}
    failed_sms = defaultdict(int)
    for m in messages:
        failed_sms[m.case_id] += m.status == "FAILED"
    within = office_path or scope_path

    def key_of(sub: str, officer: str | None) -> str | None:
        if not path_of[sub].startswith(within):
            return None
        if level == "officer":
            return officer or ""
        return path_of[sub].strip("/").split("/")[LEVELS.index(level)]

    def owed(c, until) -> int:
        days = (int(until.timestamp()) - int(c.due_at.timestamp())) // 86400
        if days <= 0:
            return 0
        if c.compensation_cap_paise is not None:
            cap = c.compensation_cap_paise
        else:
            year = sorted((b for b in bills_of[c.account_id] if b.bill_month <= c.created_at.astimezone(UTC).date()),
                          key=lambda b: b.bill_month)[-12:]
            cap = sum(b.fixed_charge_paise for b in year) * 30 // 100
        return min(days * rate_paise(c), cap)

    midnight = datetime.combine(now.astimezone(IST).date() + timedelta(days=1), time(), tzinfo=IST)
    out: dict[str, dict] = defaultdict(lambda: defaultdict(int))
    kind_of_case = {c.case_id: of_kind(c, kind) for c in cases}
    for c in cases:
        if not kind_of_case[c.case_id]:
            continue
        holder = first_todo.get(c.case_id)
        key = key_of(sub_of[c.account_id], holder.assigned_to if holder else None)
        if key is None:
            continue
        f = out[key]
        if c.closed_at is None:
            age = (now - c.created_at) // timedelta(days=1)
            f["pending"] += 1
            f["age_0_7" if age <= 7 else "age_8_15" if age <= 15 else "age_16_30" if age <= 30 else "age_over_30"] += 1
            consumer = c.channel != "officer"  # an officer's case: its due_at is the office's target, no SLA
            f["due_today"] += consumer and now <= c.due_at < midnight
            f["breached"] += consumer and c.due_at < now
            f[f"level_{min(c.escalation_level, 4)}"] += 1
            f["compensation_paise"] += owed(c, now)
        f["sms_failed"] += failed_sms[c.case_id]
        if start <= c.created_at <= end:
            f["received"] += 1
        if c.closed_at is not None and start <= c.closed_at <= end:
            f["closed"] += 1
            f["closed_within_sla"] += c.channel != "officer" and c.closed_at <= c.due_at
            f["rejected"] += c.status == "Reject the Case"
            f["closed_without_otp"] += c.case_id not in confirmed
            f["closed_compensation_paise"] += owed(c, c.closed_at)
    for r in revisions:
        if r.status == "APPROVED" and start <= r.decided_at <= end and kind_of_case[r.case_id]:
            key = key_of(r.office_code, r.maker_id)
            if key is not None:
                out[key]["revisions_approved"] += 1
                out[key]["revision_amount_paise"] += r.difference_paise
    return {k: dict(v) for k, v in out.items()}


def figures_of(report) -> dict[str, dict]:
    return {r.key: {k: v for k, v in mis.export_row(r.figures).items() if v} for r in report.rows}


def nonzero(counted: dict[str, dict]) -> dict[str, dict]:
    return {k: {n: v for n, v in f.items() if v} for k, f in counted.items()}


@pytest.mark.parametrize("level", LEVELS)
def test_every_level_of_the_administrators_mis_equals_a_count_by_hand(data, level):
    now = clock.now()
    with db.read(data) as session:
        report = mis.report(session, None, level=level)
    start, end = mis.this_month(now)
    counted = nonzero(expected(data, now=now, start=start, end=end, level=level))
    assert {k: f for k, f in figures_of(report).items() if f} == {k: f for k, f in counted.items() if f}
    with data.connect() as conn:
        offices_at_level = conn.scalar(select(text("count(*)")).select_from(Office).where(Office.level == level))
    assert len(report.rows) == offices_at_level  # every office listed, those with nothing too
    assert report.total.pending == sum(r.figures.pending for r in report.rows) > 100
    assert report.total.compensation_paise > 0 and report.total.closed_without_otp > 0
    assert report.total.revisions_approved > 0 and report.total.sms_failed > 5


@pytest.mark.parametrize("kind", ["service", "officer-case", "all"])
def test_each_kind_of_case_equals_a_count_by_hand_and_the_three_are_shown_apart(data, kind):
    now = clock.now()
    with db.read(data) as session:
        report = mis.report(session, None, kind=kind)
        default = mis.report(session, None)
    start, end = mis.this_month(now)
    counted = nonzero(expected(data, now=now, start=start, end=end, kind=kind))
    assert {k: f for k, f in figures_of(report).items() if f} == {k: f for k, f in counted.items() if f}
    by_kind = dict(default.pending_by_kind)
    with data.connect() as conn:
        cases = conn.execute(select(Case.__table__).where(Case.closed_at.is_(None))).all()
    assert by_kind == {k: sum(of_kind(c, k) for c in cases) for k in ("bill-revision", "service", "officer-case")}
    assert all(by_kind.values()) and default.total.pending == by_kind["bill-revision"]
    if kind == "all":
        assert report.total.pending == sum(by_kind.values())
    if kind == "officer-case":  # no complainant: nothing owed, nothing breached, however long open
        assert report.total.pending > 0 and report.total.compensation_paise == 0 and report.total.breached == 0


def test_one_channel_only(data):
    now = clock.now()
    with db.read(data) as session:
        report = mis.report(session, None, channel="walk-in")
        with pytest.raises(Invalid, match="^channel: 'fax' is not a channel; use one of: wss, walk-in"):
            mis.report(session, None, channel="fax")
        with pytest.raises(Invalid, match="^kind: 'x' is not a kind of case; use one of: bill-revision, service"):
            mis.report(session, None, kind="x")
    with data.connect() as conn:
        walk_in = [c for c in conn.execute(select(Case.__table__).where(Case.closed_at.is_(None))).all()
                   if c.channel == "walk-in" and of_kind(c, "bill-revision")]
    assert report.total.pending == len(walk_in) > 0


def test_officers_of_a_sub_division_and_a_longer_period(data):
    now = clock.now()
    start = datetime(2026, 4, 1, tzinfo=IST)
    with db.read(data) as session:
        subdivision = session.scalar(select(Case.office_code).where(Case.office_code.is_not(None)).order_by(Case.case_id))
        path = session.get(Office, subdivision).path
        report = mis.report(session, None, office=subdivision, start=start)
    assert report.row_level == "officer"
    counted = nonzero(expected(data, now=now, start=start, end=now, level="officer", office_path=path))
    assert figures_of(report) == {k: f for k, f in counted.items() if f}
    assert all(not r.drillable for r in report.rows)


@pytest.mark.parametrize("actor, top", [("INR-EE", "EDD-INR"), ("INR1-SDC1", "ESD-INR-1"), ("LKO-CE", "LKO")])
def test_staff_see_their_own_offices_only(data, actor, top):
    now = clock.now()
    with db.read(data) as session:
        report = mis.report(session, actor)
        path = session.get(Office, top).path
    start, end = mis.this_month(now)
    assert report.office_code == top and not report.can_go_up
    below = "officer" if report.office_level == "subdivision" else LEVELS[LEVELS.index(report.office_level) + 1]
    counted = nonzero(expected(data, now=now, start=start, end=end, scope_path=path, level=below))
    assert {k: f for k, f in figures_of(report).items() if f} == {k: f for k, f in counted.items() if f}
    with db.read(data) as session, pytest.raises(NotFound, match="no office ESD-AGR-1 in your offices"):
        mis.report(session, actor, office="ESD-AGR-1")


def test_drill_down_breadcrumb_and_the_way_back_up(data):
    with db.read(data) as session:
        top = mis.report(session, "MVVNL-DIRC")
        zone = mis.report(session, "MVVNL-DIRC", office=top.rows[0].key)
        circle = mis.report(session, "MVVNL-DIRC", office=zone.rows[0].key)
    assert (top.office_code, top.row_level, top.can_go_up) == ("MVVNL", "zone", False)
    assert (zone.row_level, zone.parent_code, zone.can_go_up) == ("circle", "MVVNL", True)
    assert [code for code, _ in circle.breadcrumb] == ["MVVNL", zone.office_code, circle.office_code]
    assert circle.row_level == "division" and circle.parent_code == zone.office_code
    assert zone.total.pending == next(r.figures.pending for r in top.rows if r.key == zone.office_code)


def test_the_office_column_or_the_account_give_the_same_figures(data):
    with db.read(data) as session:
        mixed = mis.report(session, None, level="subdivision")
    with db.write(data) as session:
        escalation.sweep(session, clock.now())  # fills the open cases' offices
    with data.begin() as conn:
        conn.execute(text("UPDATE \"case\" SET office_code = (SELECT subdivision_code FROM account a WHERE a.account_id = \"case\".account_id)"))
    with db.read(data) as session:
        filled = mis.report(session, None, level="subdivision")
    assert mixed.rows == filled.rows


@pytest.mark.parametrize(
    "kwargs, error, message",
    [
        (dict(actor="INR1-OPR"), Denied, "does not work complaints"),
        (dict(actor="NOBODY"), Denied, "NOBODY is not an active staff member"),
        (dict(office="XYZ"), NotFound, "no office XYZ in your offices"),
        (dict(office="EDD-INR", level="zone"), Invalid, "'zone' is not below EDD-INR; use one of: subdivision, officer"),
        (dict(start=datetime(2026, 11, 20, tzinfo=IST), end=datetime(2026, 11, 10, tzinfo=IST)), Invalid, "the period ends before it starts"),
    ],
)
def test_refusals_name_what_to_fix(engine, kwargs, error, message):
    actor = kwargs.pop("actor", None)
    with db.read(engine) as session, pytest.raises(error, match=message):
        mis.report(session, actor, **kwargs)


def test_named_periods():
    now = datetime(2026, 11, 28, 11, 0, tzinfo=IST)
    assert mis.period("this month", now) == (datetime(2026, 11, 1, tzinfo=IST), now)
    assert mis.period("last month", now) == (datetime(2026, 10, 1, tzinfo=IST), datetime(2026, 11, 1, tzinfo=IST) - timedelta(microseconds=1))
    assert mis.period("financial year", now) == (datetime(2026, 4, 1, tzinfo=IST), now)
    assert mis.period("financial year", datetime(2027, 2, 3, tzinfo=IST))[0] == datetime(2026, 4, 1, tzinfo=IST)
    assert mis.period("today", now) == (datetime(2026, 11, 28, tzinfo=IST), now)


# --- wss mis ------------------------------------------------------------------------------------


def wss(demo_url, *args):
    """Through the command's entry point, in this process (tests/_cli.py), with COLUMNS=80."""
    return run_wss("--db", demo_url, *args, columns=80)


def test_wss_mis_prints_the_same_figures_as_json_csv_and_80_column_tables(data, demo_url, tmp_path):
    with db.read(data) as session:
        report = mis.report(session, None, office="EDD-INR")
    out = wss(demo_url, "mis", "--office", "EDD-INR", "--json")
    assert out.returncode == 0, out.stderr
    payload = json.loads(out.stdout)
    assert payload["total"] == mis.export_row(report.total)
    assert [r["key"] for r in payload["rows"]] == ["ESD-INR-1", "ESD-INR-2"]
    assert payload["rows"][0]["pending"] == report.rows[0].figures.pending

    sheet = tmp_path / "mis.csv"
    shown = wss(demo_url, "mis", "--office", "EDD-INR", "--csv", str(sheet))
    assert shown.returncode == 0, shown.stderr
    *tables, wrote = shown.stdout.splitlines()
    assert max(len(line) for line in tables) <= 80
    assert wrote == f"wrote 3 rows to {sheet}"
    with open(sheet, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert [r["key"] for r in rows] == ["ESD-INR-1", "ESD-INR-2", "EDD-INR"]
    assert int(rows[-1]["pending"]) == report.total.pending
    assert int(rows[-1]["compensation_paise"]) == report.total.compensation_paise
    # The fixed clock is in November 2026: the period starts on the 1st, written in IST.
    assert rows[0]["period_from"] == payload["period"]["from"] == "2026-11-01T00:00:00+05:30"
    total_line = next(line for line in shown.stdout.splitlines() if line.strip().startswith("Total"))
    assert f"{report.total.pending:,}" in total_line


def test_wss_mis_refuses_with_one_line(engine, demo_url):
    out = wss(demo_url, "mis", "--office", "NOPE")
    assert (out.returncode, out.stdout) == (1, "")
    assert out.stderr == "error: office: no office NOPE in your offices; check the code (wss mis lists them)\n"
    out = wss(demo_url, "mis", "--from", "31-02-2026")
    assert out.returncode == 1 and out.stderr.startswith("error: from: cannot read '31-02-2026'")
