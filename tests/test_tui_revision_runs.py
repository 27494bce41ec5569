"""The revision screen with a run of bills, driven by keys (Pilot): the maker names the run and the way,
sees each month and the total, proposes it for one approval; the checker sees the months and approves."""

from __future__ import annotations

import pytest

from wss_tui.screens.dialogs import ConfirmDialog
from wss_tui.screens.revision import RevisionScreen
from wss_tui.screens.todo_entry import TodoEntryScreen
from wss_tui.store import db, revision

from ._revision_data import SDO
from ._run_data import ACCOUNT, ASSESSED, SPREAD_REMARK, complain, make_run
from .test_tui_entry import open_entry
from .test_tui_revision import open_revision, typed
from .tui_helpers import app_as, settle, table, text_of

pytestmark = pytest.mark.usefixtures("queue_routing")


async def test_the_clerk_spreads_a_reading_over_a_run_and_the_sdo_approves_it(engine):
    bills = make_run(engine, ASSESSED)
    c = complain(engine, ACCOUNT, bills[2])
    app = app_as(engine)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_revision(pilot, c.todo_id)
        await typed(pilot, reading="1461", from_bill=bills[0])  # re-billing each month with one reading: refused
        assert text_of(app, "#rev-error").startswith("reading: a reading is of one month")
        await typed(pilot, run_way="spread")
        assert text_of(app, "#rev-error") == ""
        run = table(app, "#run")
        assert screen.query_one("#run").display and not screen.query_one("#lines").display
        assert run.row_count == 4  # three months and the total
        assert str(run.get_cell(bills[1], "units")) == "300 → 150"
        assert str(run.get_cell("total", "change")) == "-2,765.70"
        assert text_of(app, "#rev-summary") == ("3 bills, units spread by days · 6,136.89 → 3,371.19 · surcharge (LPS) -34.65 · "
                                                "-2,800.35INR credit · approval: TR-SDO ESD-INR-1")
        await typed(pilot, remark=SPREAD_REMARK)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("y")
        await settle(pilot)
        assert isinstance(app.screen, TodoEntryScreen)
    with db.read(engine) as s:
        rev = revision.latest_of_case(s, c.case_id)
        info = revision.info(s, rev)
    assert (info.status, info.run_basis, [m.after.units for m in info.months]) == ("PROPOSED", "SPREAD", [155, 150, 156])

    app = app_as(engine, SDO)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_entry(pilot, info.approval_todo_id)
        await pilot.press("v")
        await settle(pilot)
        assert isinstance(app.screen, RevisionScreen)
        assert table(app, "#run").row_count == 4
        await pilot.press("a")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("y")
        await settle(pilot)
    with db.read(engine) as s:
        done = revision.info(s, revision.latest_of_case(s, c.case_id))
    assert done.status == "APPROVED" and [m.new_bill_no for m in done.months] == [b + "R1" for b in bills]
