"""One bill's money, worked by hand: a replaced meter (old MF 2), a register rollover on a 5-digit meter,
the late payment surcharge on the disputed amount reversed at approval, the new due date; and the
refusals, each one line that writes nothing. The clock is fixed at 28-11-2026 (conftest)."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from wss_tui.store import db, revision, tariff
from wss_tui.store.errors import Invalid
from wss_tui.store.models import Account, Bill, BillRevision, CaseLog
from wss_tui.store.revision.calc import Correction, describe, figures_of
from wss_tui.store.revision.terms import lps, whole_months

from ._revision_data import CLERK, SDO, approve, bill_of, complaint, counts, detail, execute, one, propose

pytestmark = pytest.mark.usefixtures("queue_routing")

REMARK = "Meter replaced on 12-08; old meter's final reading from the MRI report"


def set_bill(engine, bill_no: str, **values) -> None:
    sets = ", ".join(f"{k} = :{k}" for k in values)
    execute(engine, f"UPDATE bill SET {sets} WHERE bill_no = :bill_no", bill_no=bill_no, **values)


def change(**fields) -> Correction:
    return Correction("METER-CHANGE", REMARK, **fields)


def charges_for(engine, bill_no: str, units: float) -> int:
    with db.read(engine) as s:
        bill = s.get(Bill, bill_no)
        area = s.get(Account, bill.account_id).area
        return tariff.compute(bill.tariff_category, area, bill.sanctioned_load_kw, units,
                              tariff.billing_days(bill.period_from, bill.period_to), on=bill.period_to,
                              arrear_paise=bill.arrear_paise).amount_paise


# --- meter change -------------------------------------------------------------------------------------


def test_a_meter_change_bills_the_old_meters_last_units_at_its_own_mf(engine):
    c = complaint(engine)
    set_bill(engine, c.bill_no, prev_reading=4_512, curr_reading=35, multiplying_factor=1)
    # Old meter 4,512 → 4,552 at MF 2: 40 x 2 = 80; new meter 5 → 35 at the bill's MF 1: 30. Units 110.
    info = propose(engine, c, change(old_final_reading=4_552, old_multiplying_factor=2, new_initial_reading=5))
    a = info.after
    assert (a.units, a.curr_reading, a.prev_reading, a.multiplying_factor, a.basis) == (110, 35, 4_512, 1, "ACT")
    assert (a.old_final_reading, a.old_multiplying_factor, a.new_initial_reading) == (4_552, 2, 5)
    assert a.amount_paise == charges_for(engine, c.bill_no, 110)
    with db.read(engine) as s:
        rev = s.get(BillRevision, info.revision_id)
        assert (rev.old_final_reading, rev.old_multiplying_factor, rev.new_initial_reading) == (4_552, 2, 5)
        assert rev.rollover_digits is None
        text = describe(figures_of(s.get(Bill, c.bill_no)), info.after)
        logged = s.scalars(select(CaseLog.details).where(CaseLog.case_id == c.case_id,
                                                         CaseLog.log_type == "Revision Proposed")).one()
    assert text.startswith("meter changed: old meter 4,512 → 4,552 x MF 2, new meter 5 → 35 x MF 1, ")
    assert "meter changed: old meter 4,512 → 4,552 x MF 2" in logged
    assert info.flags == ()


def test_a_meter_change_with_the_new_meters_own_mf_and_reading(engine):
    c = complaint(engine)
    set_bill(engine, c.bill_no, prev_reading=4_512, curr_reading=35, multiplying_factor=1)
    # 40 x 2 + (47 - 5) x 3 = 80 + 126 = 206.
    info = propose(engine, c, change(old_final_reading=4_552, old_multiplying_factor=2, new_initial_reading=5,
                                     new_multiplying_factor=3, curr_reading=47))
    assert (info.after.units, info.after.curr_reading, info.after.multiplying_factor) == (206, 47, 3)


def test_fractional_readings_add_up_exactly(engine):
    c = complaint(engine)
    set_bill(engine, c.bill_no, prev_reading=100.1, curr_reading=35, multiplying_factor=1)
    # (100.3 - 100.1) x 2 + (35 - 34.9) x 1 = 0.4 + 0.1 = 0.5, not 0.5000000000000xx.
    info = propose(engine, c, change(old_final_reading=100.3, old_multiplying_factor=2, new_initial_reading=34.9))
    assert info.after.units == 0.5


@pytest.mark.parametrize(
    "fields, field, words",
    [
        (dict(old_final_reading=4_552, new_initial_reading=5), "meter change",
         "needs the old meter's multiplying factor; enter it"),
        (dict(), "meter change", "needs the old meter's final reading, the old meter's multiplying factor, "
                                 "the new meter's initial reading; enter them"),
        (dict(old_final_reading=4_500, old_multiplying_factor=2, new_initial_reading=5), "old final",
         "final reading 4,500 is below its previous reading 4,512"),
        (dict(old_final_reading=4_552, old_multiplying_factor=2, new_initial_reading=50), "reading",
         "current reading 35 is below its initial reading 50"),
        (dict(old_final_reading=4_552, old_multiplying_factor=2, new_initial_reading=-5), "new initial",
         "cannot be negative"),
        (dict(old_final_reading=4_552, old_multiplying_factor=0, new_initial_reading=5), "old MF", "more than 0"),
        (dict(old_final_reading=4_552, old_multiplying_factor=2, new_initial_reading=5, units=80), "units",
         "clear the units"),
        (dict(old_final_reading=4_552, old_multiplying_factor=2, new_initial_reading=5, basis="ASS"), "basis",
         "ACT"),
    ],
)
def test_meter_change_nonsense_is_one_line_and_writes_nothing(engine, fields, field, words):
    c = complaint(engine)
    set_bill(engine, c.bill_no, prev_reading=4_512, curr_reading=35, multiplying_factor=1)
    before = counts(engine)
    with pytest.raises(Invalid) as err, db.write(engine) as s:
        revision.propose(s, CLERK, c.todo_id, c.version, change(**fields))
    assert (err.value.field, "\n" in str(err.value)) == (field, False)
    assert words in err.value.message
    assert counts(engine) == before


def test_meter_readings_under_another_reason_are_refused(engine):
    c = complaint(engine)
    with pytest.raises(Invalid, match="are for reason METER-CHANGE; choose it, or clear them"), db.write(engine) as s:
        revision.propose(s, CLERK, c.todo_id, c.version,
                         Correction("READING", REMARK, curr_reading=40, old_final_reading=10))


# --- register rollover ------------------------------------------------------------------------------


def test_a_five_digit_register_rolls_over_and_is_flagged_for_the_approver(engine):
    c = complaint(engine)
    set_bill(engine, c.bill_no, prev_reading=99_950, curr_reading=99_990, multiplying_factor=2)
    # 99,950 → 99,999 → 0 → 30: 100,000 - 99,950 + 30 = 80 register units, x MF 2 = 160 kWh.
    info = propose(engine, c, Correction("READING", "Meter photo shows 00030: the register passed 99999",
                                         curr_reading=30))
    assert (info.after.units, info.after.curr_reading, info.after.rollover_digits) == (160, 30, 5)
    assert info.after.amount_paise == charges_for(engine, c.bill_no, 160)
    assert info.flags == ("register rollover (5 digits): check the reading",)
    approval = detail(engine, SDO, info.approval_todo_id)
    assert approval.message.endswith("; register rollover (5 digits): check the reading")
    with db.read(engine) as s:
        assert s.get(BillRevision, info.revision_id).rollover_digits == 5
        logged = s.scalars(select(CaseLog.details).where(CaseLog.case_id == c.case_id,
                                                         CaseLog.log_type == "Revision Proposed")).one()
        seen = revision.worksheet(s, SDO, info.approval_todo_id)
    assert "register rollover (5 digits)" in logged
    assert seen.mode == revision.DECIDE and seen.revision.flags == info.flags


def test_a_six_digit_meter_given_by_the_maker(engine):
    c = complaint(engine)
    set_bill(engine, c.bill_no, prev_reading=999_990, curr_reading=999_995, multiplying_factor=1)
    # 1,000,000 - 999,990 + 12 = 22.
    info = propose(engine, c, Correction("READING", "Six-digit meter passed 999999 on the 20th",
                                         curr_reading=12, digits=6))
    assert (info.after.units, info.after.rollover_digits) == (22, 6)


@pytest.mark.parametrize(
    "prev, curr, digits, field, words",
    [
        # 100,000 - 40,000 + 100 = 60,100 units: more than half the register.
        (40_000, 100, None, "reading", "lower than the previous reading 40,000 and 60,100 units is too many for a "
                                       "5-digit rollover; check it, or choose reason METER-CHANGE"),
        (99_950, 30, 4, "digits", "reading 99,950 does not fit a 4-digit register (at most 9,999)"),
        (99_950, 30, 8, "digits", "4 to 7 digits, not 8"),
        (99_950, -30, None, "reading", "cannot be negative"),
    ],
)
def test_implausible_rollovers_are_refused(engine, prev, curr, digits, field, words):
    c = complaint(engine)
    set_bill(engine, c.bill_no, prev_reading=prev, curr_reading=prev + 10, multiplying_factor=1)
    before = counts(engine)
    with pytest.raises(Invalid) as err, db.write(engine) as s:
        revision.propose(s, CLERK, c.todo_id, c.version,
                         Correction("READING", "Meter photo shows a lower reading", curr_reading=curr, digits=digits))
    assert err.value.field == field and words in err.value.message and "\n" not in str(err.value)
    assert counts(engine) == before


# --- the late payment surcharge and the new due date ------------------------------------------------


def test_whole_months_and_lps_by_hand():
    assert whole_months(date(2026, 8, 20), date(2026, 11, 28)) == 3  # 20-09, 20-10, 20-11
    assert whole_months(date(2026, 8, 29), date(2026, 11, 28)) == 2  # 29-11 not reached
    assert whole_months(date(2026, 12, 5), date(2026, 11, 28)) == 0  # not yet due
    assert whole_months(date(2025, 11, 28), date(2026, 11, 28)) == 12
    # Rs 100.00 taken off, 3 months at 1.25%: 100 x 0.0125 x 3 = Rs 3.75.
    assert lps(50_000, 40_000, date(2026, 8, 20), date(2026, 11, 28), 1.25).paise == 375
    # Rs 86.62 x 0.0125 x 3 = 3.24825: Rs 3.25, half up.
    assert lps(84_700, 76_038, date(2026, 8, 20), date(2026, 11, 28), 1.25).paise == 325
    # A revision that raises the bill reverses nothing.
    assert lps(40_000, 50_000, date(2026, 8, 20), date(2026, 11, 28), 1.25).paise == 0


def test_approval_reverses_the_lps_on_the_disputed_amount_and_sets_the_new_due_date(engine):
    c = complaint(engine)
    set_bill(engine, c.bill_no, due_date=date(2026, 8, 20))
    bill = bill_of(engine, c.bill_no)
    balance = one(engine, "SELECT current_balance_paise, payoff_balance_paise FROM account WHERE account_id = :a",
                  a=c.account_id)
    # The arrear alone lowered by Rs 100.00 (duty is on fixed and energy charges only): the bill falls
    # by exactly Rs 100.00; 3 whole months past 20-08 at 1.25%: LPS Rs 3.75 reversed.
    info = propose(engine, c, Correction("ARREAR", "Payment of 12-07 not adjusted against this bill",
                                         arrear_paise=bill.arrear_paise - 100_00))
    assert (info.difference_paise, info.lps.months, info.lps.paise) == (-100_00, 3, 375)
    assert info.balance_change_paise == -100_00 - 375
    assert (info.due_date_before, info.due_date_after, info.revised_due_days) == (date(2026, 8, 20), None, 15)
    assert info.lps.text == "LPS 1.25% x 3 months on 100.00INR: 3.75INR reversed"
    assert "LPS -3.75INR" in detail(engine, SDO, info.approval_todo_id).message

    done = approve(engine, SDO, info)
    assert (done.lps.paise, done.balance_change_paise) == (375, -100_00 - 375)
    assert done.due_date_after == date(2026, 12, 13)  # 28-11-2026 + 15 days
    after = one(engine, "SELECT current_balance_paise, payoff_balance_paise FROM account WHERE account_id = :a",
                a=c.account_id)
    assert (after[0] - balance[0], after[1] - balance[1]) == (-10_375, -10_375)
    with db.read(engine) as s:
        new_bill = s.get(Bill, done.new_bill_no)
        rev = s.get(BillRevision, done.revision_id)
        logged = s.scalars(select(CaseLog.details).where(CaseLog.case_id == c.case_id,
                                                         CaseLog.log_type == "Revision Approved")).one()
        assert s.get(Account, c.account_id).current_balance_paise == after[0]
        assert new_bill.due_date == date(2026, 12, 13) and new_bill.amount_paise == bill.amount_paise - 100_00
        assert (rev.lps_percent, rev.lps_months, rev.lps_paise) == (1.25, 3, 375)
    assert "due 13-12-2026" in logged and "LPS 1.25% x 3 months on 100.00INR: 3.75INR reversed" in logged
    assert "-103.75INR posted to the account" in logged


def test_a_revision_that_raises_the_bill_reverses_no_lps(engine):
    c = complaint(engine)
    set_bill(engine, c.bill_no, due_date=date(2026, 8, 20))
    bill = bill_of(engine, c.bill_no)
    info = propose(engine, c, Correction("ARREAR", "Cheque of 12-07 returned unpaid by the bank",
                                         arrear_paise=bill.arrear_paise + 100_00))
    assert (info.lps.paise, info.balance_change_paise) == (0, 100_00)
    assert "LPS" not in detail(engine, SDO, info.approval_todo_id).message
    assert approve(engine, SDO, info).balance_change_paise == 100_00


def test_the_lps_counts_months_to_the_approval_not_the_proposal(engine, monkeypatch):
    c = complaint(engine)
    set_bill(engine, c.bill_no, due_date=date(2026, 8, 29))
    bill = bill_of(engine, c.bill_no)
    info = propose(engine, c, Correction("ARREAR", "Payment of 12-07 not adjusted against this bill",
                                         arrear_paise=bill.arrear_paise - 100_00))
    assert (info.lps.months, info.lps.paise) == (2, 250)  # 28-11 is short of 29-11
    monkeypatch.setenv("WSS_NOW", "2026-12-01T11:00:00+05:30")
    with db.read(engine) as s:  # what the approver sees today is what approving posts
        assert revision.worksheet(s, SDO, info.approval_todo_id).revision.lps.months == 3
    done = approve(engine, SDO, info)
    assert (done.lps.months, done.lps.paise, done.balance_change_paise) == (3, 375, -10_375)
    assert done.due_date_after == date(2026, 12, 16)
