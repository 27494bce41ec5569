"""The bill revision screen, the approver's decision and the OTP closure, driven by keys (Pilot).

Each test asks the store afterwards what really happened; refusals must leave it unchanged.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from wss_tui.screens.account import AccountScreen
from wss_tui.screens.dialogs import CloseCaseDialog, ConfirmDialog, OtpDialog, TextDialog
from wss_tui.screens.revision import RevisionScreen
from wss_tui.screens.todo_entry import TodoEntryScreen
from wss_tui.store import db, intake, revision
from wss_tui.store.models import COMPLETE, BillRevision, Case, CaseClosure
from wss_tui.store.revision.calc import number

from ._sms_capture import otp_sent
from ._revision_data import (EE, SDO, approve, arrear_by, bill_of, complaint, counts, forward_to, free_bill, propose)
from .test_revision import reading_less
from .test_tui_entry import open_entry
from .tui_helpers import CLERK, app_as, notifications, preview_now, settle, table, text_of

# Revision and closure flows start from a To Do taken from the queue, as before routing (test_routing.py
# covers who a new To Do is routed to).
pytestmark = pytest.mark.usefixtures("queue_routing")


async def typed(pilot, **fields) -> None:
    """Fill form fields as a person would, then let the preview (a quarter-second debounce) come back."""
    for field_id, value in fields.items():
        pilot.app.screen.query_one(f"#{field_id.replace('_', '-')}").value = value
    await preview_now(pilot)


async def open_revision(pilot, todo_id: str) -> RevisionScreen:
    await open_entry(pilot, todo_id)
    await pilot.press("v")
    await settle(pilot)
    assert isinstance(pilot.app.screen, RevisionScreen)
    return pilot.app.screen


def revisions_of(engine, case_id: str) -> list[tuple[int, str]]:
    with db.read(engine) as s:
        return s.execute(select(BillRevision.revision_id, BillRevision.status).where(BillRevision.case_id == case_id)).all()


def cell(app, row: str, column: str) -> str:
    return str(table(app, "#lines").get_cell(row, column))


async def test_the_clerk_sees_the_bill_line_by_line_and_proposes_a_corrected_reading(engine):
    c = complaint(engine)
    bill = bill_of(engine, c.bill_no)
    app = app_as(engine)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_revision(pilot, c.todo_id)
        assert table(app, "#lines").row_count == 13
        assert cell(app, "units", "bill") == number(bill.units) and cell(app, "units", "revised") == ""
        assert cell(app, "amount", "bill") == f"{bill.amount_paise / 100:,.2f}"

        await typed(pilot, reading=str(int(bill.curr_reading) - 20))
        assert cell(app, "units", "revised") == number(bill.units - 20)
        assert cell(app, "units", "change") == "-20"
        assert cell(app, "curr", "revised") == number(bill.curr_reading - 20)
        assert "approval: TR-SDO ESD-INR-1" in text_of(app, "#rev-summary")
        assert text_of(app, "#rev-error") == ""

        await pilot.press("ctrl+s")  # no remark yet: one line, nothing written
        await settle(pilot)
        assert isinstance(app.screen, RevisionScreen)
        assert text_of(app, "#rev-error") == "Remark: write at least 10 characters saying what was wrong"

        await typed(pilot, remark="Meter photo shows a lower reading")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("y")
        await settle(pilot)
        assert isinstance(app.screen, TodoEntryScreen)
        assert any(n.startswith("Revision") and "proposed" in n for n in notifications(app)), notifications(app)
    [(revision_id, status)] = revisions_of(engine, c.case_id)
    assert status == "PROPOSED"
    with db.read(engine) as s:
        assert s.get(Case, c.case_id).status == "Bill Revision Required"


async def test_bad_input_gets_one_line_and_writes_nothing(engine):
    c = complaint(engine)
    bill = bill_of(engine, c.bill_no)
    before = counts(engine)
    app = app_as(engine)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_revision(pilot, c.todo_id)
        await typed(pilot, reading=str(int(bill.prev_reading) - 5), remark="Reading checked at the site")
        error = text_of(app, "#rev-error")
        assert "lower than the previous reading" in error and "METER-CHANGE" in error
        assert cell(app, "units", "revised") == ""
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, RevisionScreen)

        await typed(pilot, reading="", arrear=f"-{bill.amount_paise}")
        assert "a bill cannot be negative" in text_of(app, "#rev-error")
        await typed(pilot, arrear="12abc")
        assert text_of(app, "#rev-error") == "Arrear: '12abc' is not an amount; type rupees, e.g. -250.50"
        await typed(pilot, arrear="", units="-3")
        assert text_of(app, "#rev-error") == "units: units cannot be negative"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, RevisionScreen)
    assert counts(engine) == before


async def test_the_approver_approves_from_the_approval_todo(engine):
    c = complaint(engine)
    info = propose(engine, c, reading_less(engine, c))
    app = app_as(engine, SDO)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_revision(pilot, info.approval_todo_id)
        assert screen.mode == revision.DECIDE
        assert cell(app, "units", "revised") == number(info.after.units)
        assert f"Revision {info.revision_id} PROPOSED · by {CLERK}" in text_of(app, "#rev-decision")
        assert screen.check_action("propose", ()) is False and screen.check_action("approve", ()) is True
        await pilot.press("a")
        await settle(pilot)
        await pilot.press("n")  # not yet
        await settle(pilot)
        assert revisions_of(engine, c.case_id) == [(info.revision_id, "PROPOSED")]
        await pilot.press("a")
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
        assert isinstance(app.screen, TodoEntryScreen)
        assert text_of(app, "#f-status").startswith(COMPLETE)
    assert revisions_of(engine, c.case_id) == [(info.revision_id, "APPROVED")]
    assert bill_of(engine, c.bill_no).state == "REVISED"


async def test_the_approver_rejects_with_a_reason_and_completing_an_approval_means_deciding_it(engine):
    c = complaint(engine)
    info = propose(engine, c, reading_less(engine, c))
    app = app_as(engine, SDO)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_entry(pilot, info.approval_todo_id)
        await settle(pilot)
        await pilot.press("c")  # not a plain Complete: the revision screen, to approve or reject
        await settle(pilot)
        assert isinstance(app.screen, RevisionScreen)
        await pilot.press("x")
        await settle(pilot)
        assert isinstance(app.screen, TextDialog)
        await typed(pilot, text="no")
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, TextDialog)  # too short to help the maker
        await typed(pilot, text="Photo is of a different meter")
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, TodoEntryScreen)
    assert revisions_of(engine, c.case_id) == [(info.revision_id, "REJECTED")]


async def test_why_a_bill_cannot_be_revised_is_said_once(engine):
    """Forwarded to another clerk, the To Do's bill opens to look at: the reason showed twice, as the
    decision panel and as the error line."""
    from .tui_helpers import screen_lines

    c = forward_to(engine, complaint(engine), "INR1-SDC2")
    app = app_as(engine)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_revision(pilot, c.todo_id)
        assert screen.mode == revision.VIEW
        why = text_of(app, "#rev-error")
        assert why.startswith(f"To Do {c.todo_id} is being worked on by")
        assert text_of(app, "#rev-decision") == ""
        assert sum(f"To Do {c.todo_id} is being worked on" in line for line in screen_lines(app)) == 1


async def test_a_proposal_is_told_once(engine):
    """Back on the To Do after proposing: "Revision N proposed; it waits for …", not also "Revision
    saved; the To Do is reloaded" stacked under it."""
    c = complaint(engine)
    reading = str(int(bill_of(engine, c.bill_no).curr_reading) - 15)
    app = app_as(engine)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_revision(pilot, c.todo_id)
        app.screen.query_one("#reading").value = reading
        app.screen.query_one("#remark").value = "Meter photo shows a lower reading"
        await preview_now(pilot)
        await pilot.press("ctrl+s")
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
        assert isinstance(app.screen, TodoEntryScreen)
        told = notifications(app)
        assert len(told) == 1 and told[0].startswith("Revision ") and " proposed; it waits for TR-SDO" in told[0]


async def test_the_maker_cannot_decide_their_own_proposal_on_screen(engine):
    # The clerk's proposal goes to the SDO of the clerk's own sub-division, so the clerk can open its
    # approval (an EE's own goes up to the SE's circle, out of the EE's sight altogether).
    c = complaint(engine)
    info = propose(engine, c, arrear_by(engine, c.bill_no, 1_000))
    app = app_as(engine)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_revision(pilot, info.approval_todo_id)
        assert screen.mode == revision.VIEW
        assert "another officer must decide it" in text_of(app, "#rev-error")
        await pilot.press("a")
        await settle(pilot)
        assert isinstance(app.screen, RevisionScreen)
    assert revisions_of(engine, c.case_id) == [(info.revision_id, "PROPOSED")]


def otp_of(engine, case_id: str) -> str:
    return otp_sent(engine, case_id)


async def test_completing_the_complaint_asks_for_the_consumers_otp(engine):
    c = complaint(engine)
    approve(engine, SDO, propose(engine, c, reading_less(engine, c)))
    app = app_as(engine)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_entry(pilot, c.todo_id)
        await settle(pilot)
        await pilot.press("c")
        await settle(pilot)
        assert isinstance(app.screen, CloseCaseDialog)
        await typed(pilot, comment="Bill revised on the actual reading")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, OtpDialog)
        code = otp_of(engine, c.case_id)

        await typed(pilot, otp="12345")
        await pilot.press("enter")
        await settle(pilot)
        assert text_of(app, ".dialog-error") == "OTP: type the 6 digits the consumer reads from the SMS"
        before = counts(engine)

        await typed(pilot, otp=f"{(int(code) + 1) % 10**6:06d}")
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, OtpDialog)  # asked again, with the reason
        assert text_of(app, ".dialog-error") == "OTP: wrong OTP; 2 more tries before a new one must be sent"
        # Nothing closed or written but the attempt itself, logged on the case without the code.
        assert counts(engine) == {**before, "case_log": before["case_log"] + 1}

        await typed(pilot, otp=code)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, TodoEntryScreen)
        assert text_of(app, "#f-status").startswith(COMPLETE)
    with db.read(engine) as s:
        case = s.get(Case, c.case_id)
        assert (case.status, case.closed_at is not None) == ("Case Completed", True)
        assert s.scalars(select(CaseClosure.method).where(CaseClosure.case_id == c.case_id)).one() == "OTP"


async def test_a_refused_closure_keeps_the_comment_and_says_why(engine):
    c = complaint(engine)  # no revision proposed, let alone approved
    comment = "Meter checked on site; the bill is right"
    app = app_as(engine)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_entry(pilot, c.todo_id)
        await settle(pilot)
        await pilot.press("c")
        await settle(pilot)
        await typed(pilot, comment=comment)  # left at "Case Completed"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, CloseCaseDialog)
        assert text_of(app, ".dialog-error").startswith(f"outcome: no revision of bill {c.bill_no} has been approved")
        assert text_of(app, "#comment") == comment
        assert app.focused is app.screen.query_one("#outcome")
        await typed(pilot, outcome="Reject the Case")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, OtpDialog)
        assert "Reject the Case" in text_of(app, ".dialog-hint")


async def test_closing_a_case_held_by_someone_else_is_not_offered(engine):
    """`c` on a case someone else works opened the close dialog only for the store to refuse it; the
    footer no longer offers it, the To Do says who works it (name and user ID), and `c` says why."""
    c = complaint(engine)
    app = app_as(engine, "INR1-SDC2")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_entry(pilot, c.todo_id)
        holder = text_of(app, "#f-assigned")
        assert holder.endswith(f"({CLERK})")
        assert not [b for b in app.screen.active_bindings.values() if b.binding.key == "c" and b.binding.show]
        await pilot.press("c")
        await settle(pilot)
        assert app.screen is screen
        assert notifications(app)[-1] == (f"assigned to: To Do {c.todo_id} is being worked on by {holder}; "
                                          "only they can complete it")


async def test_the_ee_closes_without_the_otp_giving_a_reason(engine):
    c = complaint(engine)
    approve(engine, SDO, propose(engine, c, reading_less(engine, c)))
    c = forward_to(engine, c, EE)
    app = app_as(engine, EE)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_entry(pilot, c.todo_id)
        await settle(pilot)
        await pilot.press("c")
        await settle(pilot)
        await typed(pilot, comment="Bill revised on the actual reading")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, OtpDialog)
        await pilot.press("ctrl+o")
        await settle(pilot)
        assert isinstance(app.screen, TextDialog)
        await typed(pilot, text="Consumer abroad; son confirmed in person at the office")
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, TodoEntryScreen)
    with db.read(engine) as s:
        record = s.execute(select(CaseClosure.method, CaseClosure.closed_by).where(CaseClosure.case_id == c.case_id)).one()
    assert tuple(record) == ("NO-OTP", EE)


async def test_a_clerk_is_offered_no_close_without_otp(engine):
    c = complaint(engine)
    approve(engine, SDO, propose(engine, c, reading_less(engine, c)))
    app = app_as(engine)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_entry(pilot, c.todo_id)
        await settle(pilot)
        await pilot.press("c")
        await settle(pilot)
        await typed(pilot, comment="Bill revised")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, OtpDialog)
        assert app.screen.check_action("skip", ()) is False
        await pilot.press("ctrl+o")
        await settle(pilot)
        assert isinstance(app.screen, OtpDialog)


async def test_an_officer_opens_a_revision_case_from_the_account(engine):
    account_id, bill_no = free_bill(engine)
    before = counts(engine)
    app = app_as(engine, SDO)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.open_account(account_id)
        await settle(pilot)
        assert isinstance(app.screen, AccountScreen)
        await pilot.press("v")  # first to the bills, to pick one
        await settle(pilot)
        t = table(app, "#bills")
        t.move_cursor(row=[str(k.value) for k in t.rows].index(bill_no))
        await pilot.press("v")
        await settle(pilot)
        assert isinstance(app.screen, RevisionScreen)
        assert "officer's case" in text_of(app, "#rev-info")
        assert app.screen.query_one("#case-kind-row").display is True
        assert app.screen.query_one("#run-row").display is True  # a run of bills, as from a complaint
        assert app.screen.query_one("#meter-row").display is False
        await typed(pilot, reason="METER-CHANGE")
        assert app.screen.query_one("#meter-row").display is True  # the old and new meters' readings
        bill = bill_of(engine, bill_no)
        await typed(pilot, reading="40", old_final=str(bill.prev_reading), old_mf="1", new_initial="0",
                    remark="Meter replaced on 12-11; new one reads 40")
        assert cell(app, "curr", "revised") == "40" and cell(app, "new_initial", "revised") == "0"
        await pilot.press("ctrl+s")
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
        assert isinstance(app.screen, AccountScreen)
    after = counts(engine)
    assert after["case"] == before["case"] + 1 and after["bill_revision"] == before["bill_revision"] + 1
    with db.read(engine) as s:
        case = s.scalars(select(Case).where(Case.bill_no == bill_no, Case.closed_at.is_(None))).one()
        assert (case.channel, case.request_type) == ("officer", "meter-replacement")


async def test_no_revision_key_where_there_is_no_bill(engine):
    account_id, _ = free_bill(engine)
    with db.write(engine) as s:
        receipt = intake.submit_request(s, account_id=account_id, bill_no=None, request_type="mobile-email",
                                        reason="New mobile number 9876543210 to be recorded")
    app = app_as(engine)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_entry(pilot, receipt.todo_id)
        await settle(pilot)
        assert app.screen.check_action("revision", ()) is None  # greyed: nothing to revise
        await pilot.press("v")
        await settle(pilot)
        assert isinstance(app.screen, TodoEntryScreen)


async def test_the_new_keys_are_in_help_and_the_palette(engine):
    from wss_tui.screens.help import HelpScreen

    from .tui_helpers import column

    c = complaint(engine)
    app = app_as(engine)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_entry(pilot, c.todo_id)
        await settle(pilot)
        await pilot.press("question_mark")
        await settle(pilot)
        assert isinstance(app.screen, HelpScreen)
        assert "Bill revision" in column(app, "#help-keys", "what")
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("ctrl+p")
        await settle(pilot)
        await pilot.press(*"Revision")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, RevisionScreen)
        await pilot.press("f1")  # "?" would be typed into the reading, where the cursor is
        await settle(pilot)
        assert "Propose" in column(app, "#help-keys", "what")


async def test_the_revision_form_opens_clear_of_the_last_screens_toasts(engine):
    """A toast from the To Do (here "Taken …", 6 s) sat over the form's bottom rows, the reading and
    remark fields, while the clerk typed into them."""
    from .tui_helpers import screen_lines

    c = complaint(engine)
    app = app_as(engine)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_entry(pilot, c.todo_id)
        app.screen.notify("Taken: it is yours, Being Worked On", timeout=6)
        await settle(pilot)
        assert any("Taken" in line for line in screen_lines(app))
        await pilot.press("v")
        await settle(pilot)
        assert isinstance(app.screen, RevisionScreen)
        assert notifications(app) == []
        assert not any("Taken" in line for line in screen_lines(app))
