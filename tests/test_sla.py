"""The SLA's due time and the compensation owed when a complaint is late, checked by hand.

The account of these cases has a year of bills at Rs 220 fixed charges a month — 12 x 220 = Rs 2,640,
so the cap is 30% of that, Rs 792 — plus two older bills and one after the complaint's month with
Rs 10,000 fixed charges each, which must not count.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import insert, select, update

from wss_tui.store import db, sla
from wss_tui.store.clock import IST
from wss_tui.store.errors import Invalid, NotFound
from wss_tui.store.models import Account, Bill, Case
from wss_tui.store.offices import office_rows
from wss_tui.store.models import Office

NOW = datetime(2026, 11, 28, 11, 0, tzinfo=IST)
SUB = "ESD-INR-1"
MONTHLY_FIXED = 22_000  # paise
CAP = 12 * MONTHLY_FIXED * 30 // 100  # 79,200 paise: Rs 792


def month(year: int, m: int) -> date:
    return date(year, m, 1)


def add_account(conn, account_id: str, bills: list[tuple[date, int]], subdivision: str = SUB) -> None:
    conn.execute(
        insert(Account),
        [dict(account_id=account_id, system="CCB", person_name="TEST CONSUMER", premise_address="1/A Test Nagar",
              town="Lucknow", tariff_category="LMV-1", supply_type="Residential / Domestic", sanctioned_load_kw=2.0,
              subdivision_code=subdivision, area="URBAN", connected_on=date(2010, 1, 1))],
    )
    if bills:
        conn.execute(
            insert(Bill),
            [
                dict(bill_no=f"{account_id[-6:]}{n:06d}", account_id=account_id, bill_month=m, period_from=m,
                     period_to=m + timedelta(days=27), bill_date=m + timedelta(days=30), due_date=m + timedelta(days=45),
                     units=100.0, basis="ACT", tariff_category="LMV-1", sanctioned_load_kw=2.0, fixed_charge_paise=fixed,
                     energy_charge_paise=50_000, duty_paise=2_500, arrear_paise=0, amount_paise=fixed + 52_500)
                for n, (m, fixed) in enumerate(bills)
            ],
        )


def add_case(conn, case_id: str, account_id: str, created: datetime, *, closed: datetime | None = None,
             request_type: str = "bill-correction", status: str = "Initiate Bill Complaint") -> None:
    conn.execute(
        insert(Case),
        [dict(case_id=case_id, request_type=request_type, case_type="Bill Revision Through WSS", channel="wss",
              account_id=account_id, reason="Reading in bill is higher than on the meter.", status=status,
              created_at=created, due_at=sla.due_at(created, request_type), closed_at=closed)],
    )


def created_due(due: datetime) -> datetime:
    """The registration time of a bill complaint due at `due` (7 days before)."""
    return due - timedelta(days=7)


@pytest.fixture
def cases(empty_engine):
    """The account of the module docstring and one case per situation, keyed by what it shows."""
    year = [(month(2025, m), MONTHLY_FIXED) for m in range(11, 13)] + [(month(2026, m), MONTHLY_FIXED) for m in range(1, 11)]
    ignored = [(month(2025, 9), 1_000_000), (month(2025, 10), 1_000_000), (month(2026, 12), 1_000_000)]
    made = {
        "10 days late": dict(created=created_due(NOW - timedelta(days=10))),
        "20 days late, capped": dict(created=created_due(NOW - timedelta(days=20))),
        "closed 3 days 23 hours late": dict(
            created=created_due(NOW - timedelta(days=30)), closed=NOW - timedelta(days=30) + timedelta(days=3, hours=23)
        ),
        "closed before due": dict(created=created_due(NOW - timedelta(days=5)), closed=NOW - timedelta(days=6)),
        "23h59m late": dict(created=created_due(NOW - timedelta(hours=23, minutes=59))),
        "exactly a day late": dict(created=created_due(NOW - timedelta(days=1))),
        "not yet due": dict(created=NOW - timedelta(days=2)),
    }
    with empty_engine.begin() as conn:
        conn.execute(insert(Office), office_rows())
        add_account(conn, "1000000001", year + ignored)
        add_account(conn, "1000000002", [])  # no bills on record: the cap is 0
        ids = {}
        for n, (what, spec) in enumerate(made.items()):
            ids[what] = f"70000000{n:02d}"
            add_case(conn, ids[what], "1000000001", spec["created"], closed=spec.get("closed"))
        ids["late, no bills"] = "7000000099"
        add_case(conn, ids["late, no bills"], "1000000002", created_due(NOW - timedelta(days=10)))
    return empty_engine, ids


def test_due_time_comes_from_the_request_type():
    at = datetime(2026, 11, 2, 10, 0, tzinfo=IST)
    assert sla.due_at(at, "bill-correction") == datetime(2026, 11, 9, 10, 0, tzinfo=IST)
    assert sla.due_at(at, "mobile-email") == datetime(2026, 11, 5, 10, 0, tzinfo=IST)
    assert sla.due_at(at, "category-change") == datetime(2026, 11, 17, 10, 0, tzinfo=IST)
    with pytest.raises(Invalid, match="unknown request type 'refund'"):
        sla.due_at(at, "refund")


def test_days_late_are_full_days_after_the_due_time():
    due = datetime(2026, 11, 20, 10, 0, tzinfo=IST)
    assert sla.days_late(due, due - timedelta(days=3)) == 0
    assert sla.days_late(due, due) == 0
    assert sla.days_late(due, due + timedelta(hours=23, minutes=59, seconds=59)) == 0
    assert sla.days_late(due, due + timedelta(days=1)) == 1
    assert sla.days_late(due, due + timedelta(days=3, hours=23)) == 3
    assert sla.days_late(due, due + timedelta(days=41, seconds=1)) == 41


@pytest.mark.parametrize(
    "what, days, owed",
    [
        ("10 days late", 10, 50_000),  # Rs 50 x 10
        ("20 days late, capped", 20, CAP),  # Rs 1,000 accrued, capped at Rs 792
        ("closed 3 days 23 hours late", 3, 15_000),  # counted to the closing, not to now
        ("closed before due", 0, 0),
        ("23h59m late", 0, 0),
        ("exactly a day late", 1, 5_000),
        ("not yet due", 0, 0),
        ("late, no bills", 10, 0),  # no fixed charges on record: nothing to pay out of
    ],
)
def test_compensation_by_hand(cases, what, days, owed):
    engine, ids = cases
    with db.read(engine) as session:
        got = sla.for_case(session, ids[what], now=NOW)
    assert (got.days_late, got.owed_paise) == (days, owed)
    assert got.accrued_paise == days * 5_000
    assert got.cap_paise == (0 if what == "late, no bills" else CAP)
    assert got.capped == (what in ("20 days late, capped", "late, no bills"))
    assert got.closed == what.startswith("closed")


def test_the_sql_expression_gives_the_same_amounts(cases):
    engine, ids = cases
    case = Case.__table__
    with db.read(engine) as session:
        in_sql = dict(
            session.connection().execute(
                select(case.c.case_id, sla.compensation_sql(case, NOW)).where(case.c.closed_at.is_(None))
            ).all()
        )
        by_hand = {cid: sla.for_case(session, cid, now=NOW).owed_paise for cid in in_sql}
    assert in_sql == by_hand
    assert in_sql[ids["20 days late, capped"]] == CAP


def test_a_recorded_cap_stands_for_the_bills(cases):
    engine, ids = cases
    case = Case.__table__
    with engine.begin() as conn:
        conn.execute(update(case).where(case.c.case_id == ids["20 days late, capped"]).values(compensation_cap_paise=12_345))
    with db.read(engine) as session:
        assert sla.for_case(session, ids["20 days late, capped"], now=NOW).owed_paise == 12_345
        assert sla.for_case(session, ids["10 days late"], now=NOW).owed_paise == 50_000


def test_compensation_rates_per_request_type_and_none_for_an_officers_case():
    """request_types.toml: bill-correction Rs 50 a day, mobile-email 0 (not a compensated service), the
    rest without a figure of their own take escalation.toml's Rs 50; an officer's case has no complainant."""
    assert sla.rate_paise("bill-correction", "wss") == 50 * 100
    assert sla.rate_paise("mobile-email", "walk-in") == 0
    assert sla.rate_paise("load-change", "csc") == 50 * 100
    assert sla.rate_paise("meter-replacement", "officer") == 0
    assert sla.rate_paise("bill-correction", "officer") == 0
    # 10 full days late at Rs 50 = Rs 500, under a cap of 30% of Rs 3,000 = Rs 900; at 0 a day, nothing.
    due = datetime(2026, 11, 1, tzinfo=UTC)
    assert sla.compensation_paise(due, due + timedelta(days=10, hours=5), 3_000_00, 5_000) == 500_00
    assert sla.compensation_paise(due, due + timedelta(days=10, hours=5), 3_000_00, 0) == 0


def test_an_unknown_case_is_named(cases):
    engine, _ = cases
    with db.read(engine) as session, pytest.raises(NotFound, match="no case 1234567890"):
        sla.for_case(session, "1234567890", now=NOW)


def test_sql_and_python_agree_on_every_demo_case_at_second_boundaries(engine):
    """Over the demo's cases, at instants a second either side of whole days late: the SQL
    expression equals the plain function fed with the bills read here."""
    case, bill = Case.__table__, Bill.__table__
    with engine.connect() as conn:
        rows = conn.execute(select(case.c.case_id, case.c.account_id, case.c.created_at, case.c.due_at,
                                   case.c.request_type, case.c.channel)).all()
        bills = conn.execute(select(bill.c.account_id, bill.c.bill_month, bill.c.fixed_charge_paise)).all()
    rng = random.Random(5)
    sample = rng.sample(rows, 40)
    for r in sample:
        until = r.due_at + timedelta(days=rng.randrange(0, 40)) + timedelta(seconds=rng.choice((-1, 0, 1)))
        mine = sorted((b for b in bills if b.account_id == r.account_id and b.bill_month <= r.created_at.astimezone(UTC).date()),
                      key=lambda b: b.bill_month)[-12:]
        expected = sla.compensation_paise(r.due_at, until, sum(b.fixed_charge_paise for b in mine),
                                          sla.rate_paise(r.request_type, r.channel))
        with engine.connect() as conn:
            got = conn.execute(select(sla.compensation_sql(case, until)).where(case.c.case_id == r.case_id)).scalar_one()
        assert got == expected, (r.case_id, until)


def test_demo_cases_fall_due_by_the_sla_rule_in_their_sub_division(engine):
    """Every writer of cases uses sla.due_at and records the sub-division: the demo as intake does."""
    with db.read(engine) as session:
        rows = session.execute(
            select(Case.created_at, Case.request_type, Case.due_at, Case.office_code, Account.subdivision_code)
            .join(Account, Account.account_id == Case.account_id)
        ).all()
    assert rows
    for r in rows:
        assert r.due_at == sla.due_at(r.created_at, r.request_type)
        assert r.office_code == r.subdivision_code
