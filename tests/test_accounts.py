"""The account as a counter operator looks it up: ID rules, context, history, bills, scope."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from wss_tui.store import accounts, db, intake
from wss_tui.store.errors import Denied, Invalid, NotFound

from ._intake_data import free_bill, staff_of

REASON = "Meter reads 4512 but the bill charges for 5120 units"


@pytest.mark.parametrize("typed, expected", [("4705590276", "4705590276"), (" 4705 590 276 ", "4705590276"), ("454536980531", "454536980531"),
                                             ("४७०५५९०२७६", "4705590276")])  # an ID typed on a Hindi keyboard (ids.py)
def test_account_ids_of_both_systems_are_accepted(typed, expected):
    assert accounts.validate_account_id(typed) == expected


@pytest.mark.parametrize("typed", ["", "123", "12345678901", "1234567890123", "47055902AB", "²705590276"])
def test_malformed_account_ids_are_refused(typed):
    with pytest.raises(Invalid) as err:
        accounts.validate_account_id(typed)
    assert err.value.field == "account"


def _busiest_account(engine) -> str:
    """The account with the most cases, so limits and ordering are exercised on real rows."""
    with engine.connect() as conn:
        return conn.execute(
            text('SELECT account_id FROM "case" GROUP BY account_id ORDER BY count(*) DESC, account_id LIMIT 1')
        ).scalar_one()


def test_context_has_the_current_context_fields(engine):
    account_id, _, sub = free_bill(engine, system="MPOWER")
    with db.read(engine) as s:
        a = accounts.account_context(s, account_id)
    with engine.connect() as conn:
        row = conn.execute(text("SELECT * FROM account WHERE account_id = :a"), dict(a=account_id)).mappings().one()
        discom = conn.execute(text("SELECT d.code, d.name FROM office o JOIN office d ON d.code = o.discom WHERE o.code = :c"), dict(c=sub)).one()
    assert (a.account_id, a.system, a.system_label) == (account_id, "MPOWER", "mPower")
    assert (a.person_name, a.premise_address, a.tariff_category, a.area) == (
        row["person_name"],
        row["premise_address"],
        row["tariff_category"],
        "RURAL",
    )
    assert (a.current_balance_paise, a.payoff_balance_paise) == (row["current_balance_paise"], row["payoff_balance_paise"])
    assert (a.office_code, a.discom, a.discom_name) == (sub, discom.code, discom.name)
    # The rates it is billed by today, cited in one line that fits `wss account show` at 80 columns.
    clause = {"LMV-1": "LMV-1 (b) rural metered, non-BPL", "LMV-2": "LMV-2 (a) rural metered",
              "LMV-5": "LMV-5 (A) rural metered"}[a.tariff_category]
    assert a.tariff_rates == f"{clause}, UPERC order of 24-05-2023"
    assert len("Current Balance  " + a.tariff_rates) <= 80


def test_bills_are_the_latest_twelve_newest_first_with_their_open_request(engine):
    account_id = _busiest_account(engine)
    with db.read(engine) as s:
        a = accounts.account_context(s, account_id)
    months = [b.bill_month for b in a.bills]
    assert len(months) == 12 and months == sorted(months, reverse=True)
    with engine.connect() as conn:
        open_cases = dict(
            conn.execute(text('SELECT bill_no, case_id FROM "case" WHERE account_id = :a AND closed_at IS NULL AND bill_no IS NOT NULL'), dict(a=account_id)).all()
        )
    assert open_cases, "the busiest demo account has an open complaint on a bill"
    assert {b.bill_no: b.open_case_id for b in a.bills if b.open_case_id} == {k: v for k, v in open_cases.items() if k in {b.bill_no for b in a.bills}}


def test_activity_is_newest_first_and_limited(engine):
    account_id = _busiest_account(engine)
    with db.read(engine) as s:
        account = s.get(accounts.Account, account_id)
        full = accounts._activity(s, account, limit=1000)
        newest = accounts._activity(s, account, limit=3)
        a = accounts.account_context(s, account_id)
    assert len(full) > 3
    assert [x.at for x in full] == sorted((x.at for x in full), reverse=True)
    assert {x.activity for x in full} == {"Case", "Customer Contact"}
    assert newest == full[:3]
    assert a.activity == full[: accounts.ACTIVITY_LIMIT]
    case = next(x for x in full if x.activity == "Case")
    assert case.description.startswith(("Open - ", "Closed - ")) and f", {case.case_type}, Created: " in case.description


def test_new_request_shows_first_in_activity_and_among_open_todos(engine):
    account_id, bill_no, _ = free_bill(engine)
    with db.read(engine) as s:
        before = accounts.account_context(s, account_id)
    with db.write(engine) as s:
        receipt = intake.submit_request(s, account_id=account_id, bill_no=bill_no, reason=REASON)
    with db.read(engine) as s:
        after = accounts.account_context(s, account_id)
    assert after.activity[0].activity in ("Case", "Customer Contact")
    assert {x.case_id for x in after.activity[:2] if x.case_id} == {receipt.request_id}
    assert after.open_todo_count == before.open_todo_count + 1
    assert receipt.todo_id in {t.todo_id for t in after.open_todos}
    assert next(b for b in after.bills if b.bill_no == bill_no).open_case_id == receipt.request_id
    assert next(b for b in after.bills if b.bill_no == bill_no).state == "DISPUTED"


def test_open_todo_count_matches_the_database(engine):
    account_id = _busiest_account(engine)
    with db.read(engine) as s:
        a = accounts.account_context(s, account_id)
    with engine.connect() as conn:
        expected = conn.execute(text("SELECT count(*) FROM todo WHERE account_id = :a AND status <> 'Complete'"), dict(a=account_id)).scalar_one()
    assert a.open_todo_count == expected == len(a.open_todos)


def test_unknown_account_is_not_found(engine):
    with db.read(engine) as s, pytest.raises(NotFound) as err:
        accounts.account_context(s, "0000000001")
    assert str(err.value) == "account: no account 0000000001; check the number on the consumer's bill"


def test_scope_hides_accounts_of_other_offices(engine):
    account_id, _, sub = free_bill(engine)
    with engine.connect() as conn:
        other = conn.execute(text("SELECT code FROM office WHERE level = 'subdivision' AND code <> :c ORDER BY code LIMIT 1"), dict(c=sub)).scalar_one()
        division = conn.execute(text("SELECT parent_code FROM office WHERE code = :c"), dict(c=sub)).scalar_one()
    own_clerk, ee, stranger = staff_of(engine, sub, "TR-SDC"), staff_of(engine, division, "TR-EE"), staff_of(engine, other, "TR-SDC")
    with db.read(engine) as s:
        assert accounts.account_context(s, account_id, actor_id=own_clerk).account_id == account_id
        assert accounts.account_context(s, account_id, actor_id=ee).account_id == account_id
        with pytest.raises(NotFound) as err:
            accounts.account_context(s, account_id, actor_id=stranger)
        # Out of scope reads exactly like unknown, so other offices' numbers cannot be probed.
        assert str(err.value) == f"account: no account {account_id}; check the number on the consumer's bill"
        with pytest.raises(Denied):
            accounts.account_context(s, account_id, actor_id="NOBODY")
