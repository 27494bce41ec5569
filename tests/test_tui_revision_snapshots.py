"""Screenshots of the bill revision screens, the OTP dialog and the walk-in counter, at 80x24 and 120x40.

Deterministic: the fixed clock and seed-7 demo data (conftest), complaints taken from the demo rather
than made with random request IDs, a steady cursor. Update with `--snapshot-update` only after
looking at snapshot_report.html.
"""

from __future__ import annotations

import pytest
from textual.widgets import Input, Label

from wss_tui.store.revision.calc import Correction

from ._revision_data import SDO, Complaint, approve, bill_of, demo_complaint, execute, propose

from .tui_helpers import app_as, no_blink, notifications, preview_now, settle, until  # noqa: F401  (no_blink is a fixture)

SIZES = pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])


def lower_reading(engine, c: Complaint) -> Correction:
    return Correction("READING", "Meter photo shows 15 units less than billed",
                      curr_reading=bill_of(engine, c.bill_no).curr_reading - 15)


async def fill(pilot, **fields) -> None:
    for field_id, value in fields.items():
        pilot.app.screen.query_one(f"#{field_id}").value = value
    await preview_now(pilot)


@SIZES
def test_revision_proposal(engine, snap_compare, no_blink, size):
    c = demo_complaint(engine)
    reading = str(int(bill_of(engine, c.bill_no).curr_reading) - 15)
    app = app_as(engine)

    async def typed(pilot):
        await settle(pilot)
        app.open_todo(c.todo_id)
        await settle(pilot)
        await pilot.press("v")
        await settle(pilot)
        await fill(pilot, reading=reading, remark="Meter photo shows a lower reading")

    assert snap_compare(app, terminal_size=size, run_before=typed)


@SIZES
def test_revision_lower_reading_refused(engine, snap_compare, no_blink, size):
    c = demo_complaint(engine)
    reading = str(int(bill_of(engine, c.bill_no).prev_reading) - 100)
    app = app_as(engine)

    async def typed(pilot):
        await settle(pilot)
        app.open_todo(c.todo_id)
        await settle(pilot)
        await pilot.press("v")
        await settle(pilot)
        await fill(pilot, reading=reading)

    assert snap_compare(app, terminal_size=size, run_before=typed)


@SIZES
def test_revision_approval(engine, snap_compare, no_blink, size):
    c = demo_complaint(engine)
    info = propose(engine, c, lower_reading(engine, c))
    app = app_as(engine, SDO)

    async def opened(pilot):
        await settle(pilot)
        app.open_todo(info.approval_todo_id)
        await settle(pilot)
        await pilot.press("v")
        await settle(pilot)

    assert snap_compare(app, terminal_size=size, run_before=opened)


@SIZES
def test_otp_dialog_wrong_length(engine, snap_compare, no_blink, size):
    c = demo_complaint(engine)
    approve(engine, SDO, propose(engine, c, lower_reading(engine, c)))
    app = app_as(engine)
    posted: list[str] = []
    notify = app.notify

    def noting(message, *args, **kwargs):
        posted.append(str(message))
        return notify(message, *args, **kwargs)

    app.notify = noting

    async def closing(pilot):
        await settle(pilot)
        app.open_todo(c.todo_id)
        await settle(pilot)
        await pilot.press("c")
        await settle(pilot)
        await fill(pilot, comment="Bill revised on the actual reading")
        await pilot.press("ctrl+s")
        # The OTP goes in a worker; the dialog comes after it, and takes the cursor on mounting.
        await until(pilot, lambda: isinstance(app.focused, Input) and app.focused.id == "otp", "the OTP field")
        await fill(pilot, otp="12345")
        await pilot.press("enter")
        error = "OTP: type the 6 digits the consumer reads from the SMS"
        await until(pilot, lambda: str(app.screen.query_one(".dialog-error", Label).content) == error, error)
        # The toast that says the OTP went lives 4 seconds of wall time: under load it had gone by the
        # screenshot (or by this line) in some runs and not others. Caught as it was posted, then
        # cleared, so the picture is the dialog's.
        assert any(n.startswith("OTP queued for ******") for n in posted)
        app.clear_notifications()
        await settle(pilot)

    assert snap_compare(app, terminal_size=size, run_before=closing)


@SIZES
def test_close_case_dialog_refused_by_the_store(engine, snap_compare, no_blink, size):
    """No revision approved, so not "Case Completed": the store's long line wraps inside the dialog."""
    c = demo_complaint(engine)
    app = app_as(engine)

    async def refused(pilot):
        await settle(pilot)
        app.open_todo(c.todo_id)
        await settle(pilot)
        await pilot.press("c")
        await settle(pilot)
        await fill(pilot, comment="Bill revised on the actual reading")
        await pilot.press("ctrl+s")
        await settle(pilot)

    assert snap_compare(app, terminal_size=size, run_before=refused)


@SIZES
def test_walk_in_counter(engine, snap_compare, no_blink, size):
    c = demo_complaint(engine)
    app = app_as(engine, "INR1-OPR")

    async def looked_up(pilot):
        await settle(pilot)
        await fill(pilot, account=c.account_id)
        await pilot.press("enter")
        await settle(pilot)
        await fill(pilot, reason="too short")
        await pilot.press("ctrl+s")
        await settle(pilot)

    assert snap_compare(app, terminal_size=size, run_before=looked_up)



def set_bill(engine, bill_no: str, **values) -> None:
    sets = ", ".join(f"{k} = :{k}" for k in values)
    execute(engine, f"UPDATE bill SET {sets} WHERE bill_no = :bill_no", bill_no=bill_no, **values)


def test_revision_meter_change(engine, snap_compare, no_blink):
    """The meter row under reason METER-CHANGE: the old meter 31,549 → 31,600 at MF 2 (102) and the new
    one 0 → 35 at the bill's MF 1 (35): 137 units where 126 were billed."""
    c = demo_complaint(engine)
    old_final = str(int(bill_of(engine, c.bill_no).prev_reading) + 51)
    app = app_as(engine)

    async def typed(pilot):
        await settle(pilot)
        app.open_todo(c.todo_id)
        await settle(pilot)
        await pilot.press("v")
        await settle(pilot)
        await fill(pilot, reason="METER-CHANGE")
        await fill(pilot, **{"reading": "35", "old-final": old_final, "old-mf": "2", "new-initial": "0",
                             "remark": "Meter replaced on 12-08; MRI report"})

    assert snap_compare(app, terminal_size=(80, 24), run_before=typed)


def test_revision_rollover_approval(engine, snap_compare, no_blink):
    """The approver's view of a 5-digit register's rollover (99,950 → 30: 80 units), flagged, with the
    surcharge reversed on the credit and the new due date further down the lines."""
    c = demo_complaint(engine)
    set_bill(engine, c.bill_no, prev_reading=99_950, curr_reading=99_995, units=45)
    info = propose(engine, c, Correction("READING", "Meter photo shows 00030: the register passed 99999",
                                         curr_reading=30))
    app = app_as(engine, SDO)

    async def opened(pilot):
        await settle(pilot)
        app.open_todo(info.approval_todo_id)
        await settle(pilot)
        await pilot.press("v")
        await settle(pilot)

    assert snap_compare(app, terminal_size=(80, 24), run_before=opened)
