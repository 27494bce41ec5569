"""`H` on the account screen: an officer puts the bill under the cursor on hold, with a reason, in a
dialog that says what leaves the balance; a clerk, or a bill that may not be held, gets the store's line."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from wss_tui.screens.account import AccountScreen
from wss_tui.screens.dialogs import TextDialog
from wss_tui.screens.revision import RevisionScreen
from wss_tui.store import db, revision
from wss_tui.store.models import BillRevision, Case

from ._hold_data import balance, set_figures
from ._revision_data import EE, SDO, approve, bill_of
from .test_hold import put_on_hold
from .test_tui_revision import typed
from .tui_helpers import CLERK, app_as, no_blink, notifications, row_keys, settle, table  # noqa: F401  (a fixture)

pytestmark = pytest.mark.usefixtures("queue_routing")


async def on_bill(pilot, account_id: str, bill_no: str) -> None:
    await settle(pilot)
    pilot.app.open_account(account_id)
    await settle(pilot)
    await pilot.press("b")
    await settle(pilot)
    table(pilot.app, "#bills").move_cursor(row=row_keys(pilot.app, "#bills").index(bill_no))
    await settle(pilot)


async def test_an_sdo_holds_the_bill_under_the_cursor_with_a_reason(engine):
    account_id, bill_no = set_figures(engine)
    app = app_as(engine, SDO)
    async with app.run_test(size=(80, 24)) as pilot:
        await on_bill(pilot, account_id, bill_no)
        await pilot.press("H")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, TextDialog) and dialog.title_text == f"Put bill {bill_no} on hold"
        assert "Its own charges, 400.00INR, leave the balance" in dialog.hint
        await pilot.press(*"short", "enter")  # under 10 characters: refused in the dialog, nothing written
        await settle(pilot)
        assert app.screen is dialog and bill_of(engine, bill_no).state == "ISSUED"
        await pilot.press(*" of it: meter to be read", "enter")
        await settle(pilot)
        assert isinstance(app.screen, AccountScreen)
        assert bill_of(engine, bill_no).state == "HELD" and balance(engine, account_id) == (160000, 160000)
        assert any(f"Bill {bill_no} put on hold: 400.00INR taken off" in n for n in notifications(app))
        state = table(app, "#bills").get_cell(bill_no, "state")
        assert str(state) == "HELD"

        await pilot.press("H")  # held already: the store's line, no dialog
        await settle(pilot)
        assert isinstance(app.screen, AccountScreen)
        assert any(f"bill {bill_no} was put on hold by {SDO}" in n for n in notifications(app))


async def test_a_clerk_is_told_who_holds_bills_and_gets_no_dialog(engine):
    account_id, bill_no = set_figures(engine)
    app = app_as(engine, CLERK)
    async with app.run_test(size=(80, 24)) as pilot:
        await on_bill(pilot, account_id, bill_no)
        # Not offered (footer, `?`, palette) to a role that does not hold bills ...
        assert not any(a.binding.description == "Hold bill" for a in app.screen.active_bindings.values())
        await pilot.press("H")  # ... and pressed anyway, the store says who does
        await settle(pilot)
        assert isinstance(app.screen, AccountScreen)
        assert any("TR-SDC does not put bills on hold; TR-SDO or TR-EE does" in n for n in notifications(app))
    assert bill_of(engine, bill_no).state == "ISSUED"


def test_the_hold_dialog_at_80x24(engine, snap_compare, no_blink):  # noqa: F811
    account_id, bill_no = set_figures(engine)
    app = app_as(engine, SDO)

    async def asked(pilot):
        await on_bill(pilot, account_id, bill_no)
        await pilot.press("H")
        await settle(pilot)
        await pilot.press(*"Assessed for three months")

    assert snap_compare(app, terminal_size=(80, 24), run_before=asked)


async def test_a_held_bill_is_released_as_billed_from_the_revision_screen(engine):
    account_id, bill_no = set_figures(engine)
    put_on_hold(engine, bill_no)
    app = app_as(engine, SDO)
    async with app.run_test(size=(80, 24)) as pilot:
        await on_bill(pilot, account_id, bill_no)
        await pilot.press("v")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, RevisionScreen)
        # A held bill: the bill-on-hold case and reason HOLD are chosen; nothing corrected is a release.
        assert (screen.form.case_kind, str(screen.query_one("#reason").value)) == ("bill-on-hold", "HOLD")
        await typed(pilot, remark="Reading checked at site; the bill was right")
        assert screen.preview is not None and screen.preview.difference_paise == 0
        await pilot.press("ctrl+s")
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
    with db.read(engine) as s:
        case = s.scalars(select(Case).where(Case.bill_no == bill_no, Case.closed_at.is_(None))).one()
        rev = s.scalars(select(BillRevision).where(BillRevision.case_id == case.case_id)).one()
        assert (case.request_type, rev.reason_code, rev.difference_paise) == ("bill-on-hold", "HOLD", 0)
        info = revision.info(s, rev)
    approve(engine, EE, info)
    assert balance(engine, account_id) == (200000, 200000)
