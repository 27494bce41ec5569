"""Walk-in intake at the counter: the operator lands on it, registers through the same store call as
`wss request new`, and reads the request ID back; every refusal is one line and writes nothing."""

from __future__ import annotations

from sqlalchemy import select

from wss_tui.screens.intake import IntakeScreen, read_back
from wss_tui.store import db
from wss_tui.store.models import Attachment, Case

from ._intake_data import PDF, counts
from ._revision_data import free_bill, one
from .test_tui_login import log_in
from .tui_helpers import app_as, settle, table, text_of

OPERATOR = "INR1-OPR"


async def look_up(pilot, account_id: str) -> None:
    pilot.app.screen.query_one("#account").focus()
    pilot.app.screen.query_one("#account").value = account_id
    await pilot.press("enter")
    await settle(pilot)


def pick(app, bill_no: str) -> None:
    t = table(app, "#bills")
    t.move_cursor(row=[str(k.value) for k in t.rows].index(bill_no))


async def test_an_operator_lands_on_the_counter_after_login(engine):
    app = app_as(engine, None)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await log_in(pilot, OPERATOR, "counter@123")
        assert isinstance(app.screen, IntakeScreen)
        assert app.screen.check_action("back", ()) is False  # nothing behind it to go back to
        assert app.screen.focused is app.screen.query_one("#account")


async def test_a_walk_in_complaint_with_a_document_gets_its_request_id(engine, tmp_path):
    account_id, bill_no = free_bill(engine)
    scan = tmp_path / "bill scan.pdf"
    scan.write_bytes(PDF)
    app = app_as(engine, OPERATOR)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await look_up(pilot, account_id)
        assert account_id in text_of(app, "#person")
        assert bill_no in [str(k.value) for k in table(app, "#bills").rows]
        pick(app, bill_no)
        app.screen.query_one("#reason").value = "Meter reads 4512 but the bill charges 5120 units"
        app.screen.query_one("#attach").value = str(scan)
        await pilot.press("ctrl+s")
        await settle(pilot)
        receipt = text_of(app, "#receipt")
        request_id = receipt.split()[2]
        assert receipt.startswith(f"Request ID {request_id}   read back: {read_back(request_id)}")
        assert "SMS queued to ******" in receipt  # queued: `wss sms send` delivers it
        assert str(table(app, "#bills").get_cell(bill_no, "case")) == f"⚑ {request_id}"  # looked up again
    with db.read(engine) as s:
        case = s.get(Case, request_id)
        assert (case.channel, case.created_by, case.account_id, case.bill_no) == ("walk-in", OPERATOR, account_id, bill_no)
        assert s.scalars(select(Attachment.filename).where(Attachment.case_id == request_id)).all() == ["bill scan.pdf"]


async def test_refusals_are_one_line_and_write_nothing(engine, tmp_path):
    account_id, bill_no = free_bill(engine)
    before = counts(engine)
    app = app_as(engine, OPERATOR)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert text_of(app, "#intake-error") == "Account: look up the consumer's account first (type it, then Enter)"
        await look_up(pilot, "12345")
        assert text_of(app, "#intake-error").startswith("account: 12345 has 5 digits")
        await look_up(pilot, "9999999999")
        assert text_of(app, "#intake-error") == "account: no account 9999999999; check the number on the consumer's bill"
        await look_up(pilot, account_id)
        pick(app, bill_no)
        app.screen.query_one("#reason").value = "wrong"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert text_of(app, "#intake-error") == "reason: the reason is 5 characters; write at least 10 saying what is wrong"
        assert app.screen.focused is app.screen.query_one("#reason")
        app.screen.query_one("#reason").value = "Units billed are more than the meter shows"
        app.screen.query_one("#attach").value = str(tmp_path / "missing.pdf")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert text_of(app, "#intake-error") == f"attach: {tmp_path / 'missing.pdf'}: no such file; check the path"
        assert app.screen.query_one("#receipt").display is False
    assert counts(engine) == before


async def test_an_account_of_another_office_says_where_to_send_the_consumer(engine):
    elsewhere = one(engine, "SELECT account_id, subdivision_code FROM account WHERE subdivision_code <> 'ESD-INR-1' "
                    "ORDER BY account_id LIMIT 1")
    app = app_as(engine, OPERATOR)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await look_up(pilot, elsewhere.account_id)
        # word for word what `wss request new --operator INR1-OPR` says after "error: "
        assert text_of(app, "#intake-error") == (
            f"operator: account {elsewhere.account_id} belongs to {elsewhere.subdivision_code}, outside "
            f"{OPERATOR}'s office ESD-INR-1; send the consumer to that sub-division")
        assert table(app, "#bills").row_count == 0
        assert app.screen.focused is app.screen.query_one("#account")


async def test_a_failed_second_attempt_hides_the_last_request_id(engine):
    account_id, bill_no = free_bill(engine)
    app = app_as(engine, OPERATOR)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await look_up(pilot, account_id)
        pick(app, bill_no)
        app.screen.query_one("#reason").value = "Meter reads 4512 but the bill charges 5120 units"
        await pilot.press("ctrl+s")
        await settle(pilot)
        request_id = text_of(app, "#receipt").split()[2]
        assert app.screen.query_one("#receipt").display is True
        pick(app, bill_no)  # the same bill again
        app.screen.query_one("#reason").value = "Meter reads 4512 but the bill charges 5120 units"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert text_of(app, "#intake-error").startswith(f"bill: bill {bill_no} already has an open complaint, "
                                                        f"request ID {request_id}")
        assert app.screen.query_one("#receipt").display is False
        assert request_id not in text_of(app, "#receipt")
        # a successful one shows again; looking up the next consumer's account hides it
        app.screen.query_one("#request-type").value = "mobile-email"
        app.screen.query_one("#reason").value = "New mobile number 9876543210 to be recorded"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen.query_one("#receipt").display is True
        await look_up(pilot, account_id)
        assert app.screen.query_one("#receipt").display is False


async def test_a_request_that_names_no_bill(engine):
    account_id, _ = free_bill(engine)
    app = app_as(engine, OPERATOR)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert app.screen.query_one("#reason").placeholder.startswith("what is wrong with the bill")
        app.screen.query_one("#request-type").value = "mobile-email"
        await settle(pilot)
        await look_up(pilot, account_id)
        assert app.screen.chosen_bill() is None
        assert app.screen.query_one("#bills").display is False  # no bill list for a request without a bill
        assert app.screen.query_one("#reason").placeholder == "what the consumer asks for, in their own words"
        assert app.screen.focused is app.screen.query_one("#reason")
        app.screen.query_one("#reason").value = "New mobile number 9876543210 to be recorded"
        await pilot.press("ctrl+s")
        await settle(pilot)
        request_id = text_of(app, "#receipt").split()[2]
        await pilot.press("ctrl+n")
        await settle(pilot)
        assert text_of(app, "#account") == "" and app.screen.query_one("#receipt").display is False
        app.screen.query_one("#request-type").value = "bill-correction"
        await settle(pilot)
        assert app.screen.query_one("#bills").display is True
        assert app.screen.query_one("#reason").placeholder.startswith("what is wrong with the bill")
    with db.read(engine) as s:
        case = s.get(Case, request_id)
        assert (case.request_type, case.bill_no, case.channel) == ("mobile-email", None, "walk-in")
