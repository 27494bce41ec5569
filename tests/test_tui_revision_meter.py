"""The revision screen at 80x24 with a meter change (old MF 2), a register rollover flagged for the
approver, and the late payment surcharge reversed beside the new due date (Pilot). Figures as worked by
hand in tests/test_revision_meter.py."""

from __future__ import annotations

from datetime import date

import pytest

from wss_tui.screens.dialogs import ConfirmDialog

from ._revision_data import SDO, bill_of, complaint, counts, detail, execute, propose
from .test_tui_revision import cell, open_revision, revisions_of, typed
from .tui_helpers import app_as, settle, table, text_of
from wss_tui.store.revision.calc import Correction

pytestmark = pytest.mark.usefixtures("queue_routing")


def set_bill(engine, bill_no: str, **values) -> None:
    sets = ", ".join(f"{k} = :{k}" for k in values)
    execute(engine, f"UPDATE bill SET {sets} WHERE bill_no = :bill_no", bill_no=bill_no, **values)


async def test_a_meter_change_shows_both_meters_and_is_proposed(engine):
    c = complaint(engine)
    # Billed as if the new meter were read from zero: 35 units.
    set_bill(engine, c.bill_no, prev_reading=4_512, curr_reading=35, multiplying_factor=1, units=35)
    app = app_as(engine)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_revision(pilot, c.todo_id)
        await typed(pilot, reason="METER-CHANGE")
        await typed(pilot, old_final="4552", old_mf="2", new_initial="5")
        # 40 x 2 + 30 x 1 = 110.
        assert cell(app, "units", "revised") == "110" and cell(app, "units", "change") == "+75"
        assert (cell(app, "old_final", "revised"), cell(app, "old_mf", "revised"),
                cell(app, "new_initial", "revised")) == ("4,552", "2", "5")
        assert cell(app, "due", "revised") == "approval + 15 days"
        assert text_of(app, "#rev-error") == ""
        await typed(pilot, old_mf="")  # a piece missing: one line, no preview
        assert text_of(app, "#rev-error") == ("meter change: needs the old meter's multiplying "
                                              "factor; enter it")
        assert cell(app, "units", "revised") == ""
        await typed(pilot, old_mf="2", remark="Meter replaced on 12-08; MRI report attached")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("y")
        await settle(pilot)
    [(revision_id, status)] = revisions_of(engine, c.case_id)
    assert status == "PROPOSED"


async def test_a_rollover_is_flagged_for_the_approver_and_the_lps_shown(engine):
    c = complaint(engine)
    set_bill(engine, c.bill_no, prev_reading=99_950, curr_reading=99_995, multiplying_factor=1,
             due_date=date(2026, 8, 20))
    app = app_as(engine)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_revision(pilot, c.todo_id)
        await typed(pilot, reading="30")
        # 100,000 - 99,950 + 30 = 80 units.
        assert cell(app, "units", "revised") == "80" and cell(app, "register", "revised") == "rollover, 5 digits"
        assert "register rollover (5 digits): check the reading" in text_of(app, "#rev-summary")
        await typed(pilot, reading="60000")  # 100,000 - 99,950 + 60,000 = 60,050: not a rollover
        assert "60,050 units is too many for a 5-digit rollover" in text_of(app, "#rev-error")
    info = propose(engine, c, Correction("READING", "Meter photo shows 00030: the register passed 99999",
                                         curr_reading=30))
    before = counts(engine)
    app = app_as(engine, SDO)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_revision(pilot, info.approval_todo_id)
        assert "Check: register rollover (5 digits): check the reading" in text_of(app, "#rev-decision")
        assert table(app, "#lines").get_row_index("register") is not None
    assert counts(engine) == before
    assert detail(engine, SDO, info.approval_todo_id).message.endswith("register rollover (5 digits): check the reading")


async def test_the_lps_reversed_and_the_new_due_date_in_the_comparison(engine):
    c = complaint(engine)
    set_bill(engine, c.bill_no, due_date=date(2026, 8, 20))
    bill = bill_of(engine, c.bill_no)
    app = app_as(engine)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_revision(pilot, c.todo_id)
        await typed(pilot, arrear=f"{(bill.arrear_paise - 100_00) / 100:.2f}")
        # Rs 100.00 off, 3 whole months past 20-08 at 1.25%: Rs 3.75 reversed; balance -103.75.
        assert (cell(app, "lps", "bill"), cell(app, "lps", "revised"), cell(app, "lps", "change")) == (
            "3.75", "0.00", "-3.75")
        assert (cell(app, "due", "bill"), cell(app, "due", "revised")) == ("20-08-2026", "approval + 15 days")
        assert "· surcharge (LPS) -3.75 · -103.75INR credit" in text_of(app, "#rev-summary")
