"""Request intake in the store: every refusal writes nothing; an accepted request writes all of it."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from sqlalchemy import select, text

from wss_tui.store import cases, clock, db, intake, sla
from wss_tui.store.attachments import AttachmentIn
from wss_tui.store.errors import Denied, Invalid, NotFound
from wss_tui.store.models import Account, Attachment, Bill, Case, CaseLog, CustomerContact, SmsOutbox, ToDo, ToDoCharacteristic, ToDoLog

from ._intake_data import JPEG, PDF, PNG, counts, execute, free_bill, open_case_bill, other_account_bill, staff_of

REASON = "Meter reads 4512 but the bill charges for 5120 units"


def submit(engine, **kwargs):
    kwargs.setdefault("reason", REASON)
    with db.write(engine) as session:
        return intake.submit_request(session, **kwargs)


def doc(name: str, content: bytes, content_type: str = "application/pdf") -> AttachmentIn:
    return AttachmentIn(name, content_type, content, len(content), hashlib.sha256(content).hexdigest())


def test_accepted_request_writes_case_todo_characteristics_logs_contact_sms_and_attachment(engine):
    account_id, bill_no, sub = free_bill(engine)
    before = counts(engine)
    receipt = submit(engine, account_id=account_id, bill_no=bill_no, attachments=[doc("bill.pdf", PDF)])
    after = counts(engine)
    assert {t: after[t] - before[t] for t in after} == {
        "case": 1,
        "case_log": 2,  # Created, Attachment
        "todo": 1,
        "todo_characteristic": 3,
        "todo_log": 2,  # Created, Assigned (routed to a clerk)
        "sms_outbox": 1,
        "attachment": 1,
        "customer_contact": 1,
    }
    assert len(receipt.request_id) == 10 and receipt.request_id.isdigit()
    assert (receipt.status, receipt.office, receipt.role) == ("Initiate Bill Complaint", sub, "TR-SDC")

    now = clock.now()
    with db.read(engine) as s:
        case = s.get(Case, receipt.request_id)
        assert (case.account_id, case.bill_no, case.channel, case.reason) == (account_id, bill_no, "wss", REASON)
        assert case.case_type == "Bill Revision Through WSS" and case.closed_at is None
        assert case.created_at == now and case.due_at == now + timedelta(days=7)
        assert case.due_at == sla.due_at(now, "bill-correction") and case.office_code == sub
        assert s.get(Bill, bill_no).state == "DISPUTED"
        assert [log.log_type for log in s.scalars(select(CaseLog).where(CaseLog.case_id == case.case_id).order_by(CaseLog.id))] == [
            "Created",
            "Attachment",
        ]

        todo = s.get(ToDo, receipt.todo_id)
        assert len(todo.todo_id) == 14
        assert (todo.todo_type, todo.role, todo.office_code, todo.status, todo.priority) == ("IMITCASE", "TR-SDC", sub, "Being Worked On", 30)
        assert todo.message == f"Please Investigate Disputed Bill ({account_id}, {bill_no})"
        assert (todo.case_id, todo.account_id, todo.assigned_to) == (case.case_id, account_id, receipt.assigned_to)
        clerk = s.execute(text("SELECT role, office_code FROM staff WHERE user_id = :u"), dict(u=receipt.assigned_to)).one()
        assert tuple(clerk) == ("TR-SDC", sub)
        chars = dict(s.execute(select(ToDoCharacteristic.char_type, ToDoCharacteristic.value).where(ToDoCharacteristic.todo_id == todo.todo_id)).all())
        assert chars == {"CASE": case.case_id, "ACCOUNT": account_id, "BILL": bill_no}
        assert s.scalars(select(ToDoLog.log_type).where(ToDoLog.todo_id == todo.todo_id).order_by(ToDoLog.id)).all() == ["Created", "Assigned"]

        stored = s.scalars(select(Attachment).where(Attachment.case_id == case.case_id)).one()
        assert (stored.filename, stored.content_type, stored.size) == ("bill.pdf", "application/pdf", len(PDF))
        assert stored.sha256 == hashlib.sha256(PDF).hexdigest() and stored.content == PDF

        sms = s.scalars(select(SmsOutbox).where(SmsOutbox.case_id == case.case_id)).one()
        mobile, language = s.execute(select(Account.mobile, Account.language).where(Account.account_id == account_id)).one()
        assert (sms.mobile, sms.language, sms.status, sms.template) == (mobile, language, "QUEUED", "registered")
        assert case.case_id in sms.text and account_id in sms.text

        contact = s.scalars(select(CustomerContact).where(CustomerContact.account_id == account_id).order_by(CustomerContact.id.desc())).first()
        assert (contact.at, contact.contact_class, contact.contact_type) == (now, "Bill Revision", "Bill Revision Initiate")


def test_mpower_account_request_is_routed_to_its_subdivision(engine):
    account_id, bill_no, sub = free_bill(engine, system="MPOWER")
    receipt = submit(engine, account_id=account_id, bill_no=bill_no)
    assert len(account_id) == 12 and receipt.office == sub
    with db.read(engine) as s:
        assert s.get(ToDo, receipt.todo_id).office_code == sub


def test_sms_goes_in_the_accounts_language(engine):
    account_id, bill_no, _ = free_bill(engine)
    for language, marker in (("en", "Dear Consumer"), ("hi", "प्रिय उपभोक्ता")):
        execute(engine, "UPDATE account SET language = :l WHERE account_id = :a", l=language, a=account_id)
        receipt = submit(engine, account_id=account_id, bill_no=bill_no)
        with db.read(engine) as s:
            sms = s.execute(select(SmsOutbox.language, SmsOutbox.text).where(SmsOutbox.case_id == receipt.request_id)).one()
        assert sms.language == language and sms.text.startswith(marker)
        execute(engine, "UPDATE \"case\" SET closed_at = :t, status = 'Reject the Case' WHERE case_id = :c", t=clock.now(), c=receipt.request_id)


def test_account_without_mobile_is_accepted_without_sms_and_the_case_log_says_so(engine):
    account_id, bill_no, _ = free_bill(engine)
    execute(engine, "UPDATE account SET mobile = NULL WHERE account_id = :a", a=account_id)
    before = counts(engine)
    receipt = submit(engine, account_id=account_id, bill_no=bill_no)
    assert counts(engine)["sms_outbox"] == before["sms_outbox"]
    assert receipt.sms_mobile is None
    with db.read(engine) as s:
        logs = s.execute(select(CaseLog.log_type, CaseLog.details).where(CaseLog.case_id == receipt.request_id).order_by(CaseLog.id)).all()
    assert [t for t, _ in logs] == ["Created", "SMS Not Sent"]
    assert "no registered mobile" in logs[1].details


def test_walk_in_request_records_the_operator(engine):
    account_id, bill_no, sub = free_bill(engine)
    operator = staff_of(engine, sub, "TR-OPR")
    receipt = submit(engine, account_id=account_id, bill_no=bill_no, channel="walk-in", operator_id=operator.lower())
    with db.read(engine) as s:
        case = s.get(Case, receipt.request_id)
        assert (case.channel, case.created_by) == ("walk-in", operator)
        assert s.scalars(select(ToDoLog.user_id).where(ToDoLog.todo_id == receipt.todo_id, ToDoLog.log_type == "Created")).one() == operator
        assert operator in s.scalars(select(CaseLog.details).where(CaseLog.case_id == case.case_id)).first()


def test_the_counter_look_up_refuses_as_the_request_would(engine):
    """One rule: an account of another sub-division is named, with where to send the consumer, at the
    counter's look-up exactly as `submit_request` (and so `wss request new`) says it."""
    kwargs = _walk_in(engine, other_office=True)
    with pytest.raises(Denied) as at_submit:
        submit(engine, **kwargs)
    with db.read(engine) as s, pytest.raises(Denied) as at_look_up:
        intake.counter_account(s, kwargs["account_id"], kwargs["operator_id"])
    assert str(at_look_up.value) == str(at_submit.value)
    assert "send the consumer to that sub-division" in str(at_look_up.value)
    own = _walk_in(engine)
    with db.read(engine) as s:
        assert intake.counter_account(s, own["account_id"], own["operator_id"]).account_id == own["account_id"]


@pytest.mark.parametrize("level, role", [("division", "TR-EE"), ("zone", "TR-CE"), ("subdivision", "TR-SDC")])
def test_only_a_counter_role_enters_a_walk_in_request(engine, level, role):
    """An engineer who covers the office, or the office's own clerk, is not the counter: the request is
    refused, at the counter look-up as at submit, and nothing is written."""
    account_id, bill_no, sub = free_bill(engine)
    with engine.connect() as conn:
        path = conn.execute(text("SELECT path FROM office WHERE code = :c"), dict(c=sub)).scalar_one()
        office = conn.execute(text("SELECT code FROM office WHERE level = :l AND :p LIKE path || '%'"), dict(l=level, p=path)).scalar_one()
    officer = staff_of(engine, office, role)
    before = counts(engine)
    with pytest.raises(Denied, match=f"operator: {officer} is {role}, not a counter role \\(TR-OPR\\)"):
        submit(engine, account_id=account_id, bill_no=bill_no, channel="walk-in", operator_id=officer)
    with db.read(engine) as s, pytest.raises(Denied, match="not a counter role"):
        intake.counter_account(s, account_id, officer)
    assert counts(engine) == before


def test_request_type_without_a_bill_routes_to_its_role(engine):
    account_id, _, sub = free_bill(engine)
    receipt = submit(engine, account_id=account_id, bill_no=None, request_type="load-change", reason="Need 5 kW instead of 2 kW for the new pump")
    assert (receipt.status, receipt.role, receipt.office) == ("Initiate Load Change", "TR-SDO", sub)
    with db.read(engine) as s:
        todo = s.get(ToDo, receipt.todo_id)
        chars = dict(s.execute(select(ToDoCharacteristic.char_type, ToDoCharacteristic.value).where(ToDoCharacteristic.todo_id == todo.todo_id)).all())
        assert todo.todo_type == "IMLECASE" and todo.message.endswith(f"({account_id})")
        assert chars == {"CASE": receipt.request_id, "ACCOUNT": account_id}
        assert s.get(Case, receipt.request_id).due_at == clock.now() + timedelta(days=15)


def test_attachment_type_is_judged_again_from_its_bytes(engine):
    account_id, bill_no, _ = free_bill(engine)
    # The caller claims PDF and a wrong size and hash; the store believes only the bytes.
    lying = AttachmentIn("scan.pdf", "application/pdf", PNG, 1, "0" * 64)
    receipt = submit(engine, account_id=account_id, bill_no=bill_no, attachments=[lying, doc("photo.jpg", JPEG)])
    with db.read(engine) as s:
        stored = s.execute(select(Attachment.filename, Attachment.content_type, Attachment.size, Attachment.sha256).where(Attachment.case_id == receipt.request_id).order_by(Attachment.id)).all()
    assert stored == [
        ("scan.pdf", "image/png", len(PNG), hashlib.sha256(PNG).hexdigest()),
        ("photo.jpg", "image/jpeg", len(JPEG), hashlib.sha256(JPEG).hexdigest()),
    ]


def test_duplicate_open_complaint_names_the_existing_request(engine):
    account_id, bill_no, case_id = open_case_bill(engine)
    before = counts(engine)
    with pytest.raises(Invalid) as err:
        submit(engine, account_id=account_id, bill_no=bill_no)
    assert err.value.field == "bill" and case_id in err.value.message
    assert counts(engine) == before


def test_a_closed_complaint_on_the_bill_allows_a_new_one(engine):
    account_id, bill_no, _ = free_bill(engine)
    first = submit(engine, account_id=account_id, bill_no=bill_no)
    with pytest.raises(Invalid, match=first.request_id):
        submit(engine, account_id=account_id, bill_no=bill_no)
    execute(engine, "UPDATE \"case\" SET closed_at = :t, status = 'Case Completed' WHERE case_id = :c", t=clock.now(), c=first.request_id)
    second = submit(engine, account_id=account_id, bill_no=bill_no)
    assert second.request_id != first.request_id


def test_duplicate_that_slips_past_the_check_is_stopped_by_the_database(engine, monkeypatch):
    """Two clerks at once: both checks pass, the partial unique index refuses the second insert."""
    account_id, bill_no, case_id = open_case_bill(engine)
    real = intake._open_case_on_bill
    calls = []

    def blind_first_time(session, bill):
        calls.append(bill)
        return None if len(calls) == 1 else real(session, bill)

    monkeypatch.setattr(intake, "_open_case_on_bill", blind_first_time)
    before = counts(engine)
    with pytest.raises(Invalid) as err:
        submit(engine, account_id=account_id, bill_no=bill_no)
    assert len(calls) == 2, "the database, not the pre-check, refused it"
    assert err.value.field == "bill" and case_id in err.value.message
    assert counts(engine) == before


# --- each bad input: the right error, and nothing written ---------------------------------------


def _ok(engine):
    account_id, bill_no, _ = free_bill(engine)
    return dict(account_id=account_id, bill_no=bill_no)


def _with(**changes):
    return lambda engine: {**_ok(engine), **changes}


def _pd_account(engine):
    kwargs = _ok(engine)
    execute(engine, "UPDATE account SET status = 'PD' WHERE account_id = :a", a=kwargs["account_id"])
    return kwargs


def _system_mismatch(engine):
    kwargs = _ok(engine)
    execute(engine, "UPDATE account SET system = 'MPOWER' WHERE account_id = :a", a=kwargs["account_id"])
    return kwargs


def _foreign_bill(engine):
    kwargs = _ok(engine)
    return {**kwargs, "bill_no": other_account_bill(engine, kwargs["account_id"])}


def _unknown_account(engine):
    with engine.connect() as conn:
        taken = set(conn.execute(text("SELECT account_id FROM account")).scalars())
    unknown = next(str(n) for n in range(1_000_000_000, 1_000_001_000) if str(n) not in taken)
    return {**_ok(engine), "account_id": unknown}


def _walk_in(engine, *, operator_of=None, deactivate=False, other_office=False):
    kwargs = _ok(engine)
    with engine.connect() as conn:
        sub = conn.execute(text("SELECT subdivision_code FROM account WHERE account_id = :a"), dict(a=kwargs["account_id"])).scalar_one()
        if other_office:
            sub = conn.execute(text("SELECT code FROM office WHERE level = 'subdivision' AND code <> :c ORDER BY code LIMIT 1"), dict(c=sub)).scalar_one()
    operator = staff_of(engine, sub, "TR-OPR")
    if deactivate:
        execute(engine, "UPDATE staff SET active = :f WHERE user_id = :u", f=False, u=operator)
    return {**kwargs, "channel": "walk-in", "operator_id": operator}


BAD_INPUTS = {
    "account too short": (_with(account_id="12345"), Invalid, "account", "has 5 digits"),
    "account 11 digits": (_with(account_id="12345678901"), Invalid, "account", "has 11 digits"),
    "account not digits": (_with(account_id="47055902AB"), Invalid, "account", "not an account ID"),
    "account empty": (_with(account_id="  "), Invalid, "account", "give the account ID"),
    "account unknown": (_unknown_account, NotFound, "account", "no account"),
    "account in the wrong system": (_system_mismatch, Invalid, "account", "recorded in mPower, not CC&B"),
    "account permanently disconnected": (_pd_account, Invalid, "account", "permanently disconnected"),
    "bill missing": (_with(bill_no=None), Invalid, "bill", "needs the disputed bill number"),
    "bill blank": (_with(bill_no="  "), Invalid, "bill", "needs the disputed bill number"),
    "bill unknown": (_with(bill_no="999999999999"), Invalid, "bill", "is not a bill of account"),
    "bill of another account": (_foreign_bill, Invalid, "bill", "is not a bill of account"),
    "reason empty": (_with(reason="   "), Invalid, "reason", "give the reason"),
    "reason too short": (_with(reason="bad bill"), Invalid, "reason", "at least 10"),
    "reason too long": (_with(reason="x" * 1001), Invalid, "reason", "shorten it to 1000"),
    "type unknown": (_with(request_type="refund"), Invalid, "type", "unknown request type 'refund'"),
    "channel unknown": (_with(channel="fax"), Invalid, "channel", "unknown channel 'fax'"),
    "attachment is text": (_with(attachments=[doc("bill.pdf", b"just some text")]), Invalid, "attach", "judged by its content"),
    "attachment empty": (_with(attachments=[doc("bill.pdf", b"")]), Invalid, "attach", "is empty"),
    "too many attachments": (_with(attachments=[doc(f"p{i}.pdf", PDF) for i in range(6)]), Invalid, "attach", "at most 5"),
    "walk-in without operator": (_with(channel="walk-in"), Invalid, "operator", "give the operator's user ID"),
    "walk-in unknown operator": (_with(channel="walk-in", operator_id="NOBODY"), NotFound, "operator", "not an active staff member"),
    "walk-in inactive operator": (lambda e: _walk_in(e, deactivate=True), NotFound, "operator", "not an active staff member"),
    "walk-in operator of another office": (lambda e: _walk_in(e, other_office=True), Denied, "operator", "outside"),
    "wss request with an operator": (_with(operator_id="INR1-OPR"), Invalid, "operator", "comes from the consumer"),
}


@pytest.mark.parametrize("case", BAD_INPUTS.values(), ids=BAD_INPUTS.keys())
def test_bad_input_is_refused_and_nothing_is_written(engine, case):
    make_kwargs, error, field, words = case
    kwargs = make_kwargs(engine)
    bill_no = kwargs.get("bill_no")
    with engine.connect() as conn:
        states_before = conn.execute(text("SELECT bill_no, state FROM bill ORDER BY bill_no")).all()
    before = counts(engine)
    with pytest.raises(error) as err:
        submit(engine, **kwargs)
    assert err.value.field == field
    assert words in err.value.message
    assert str(err.value).startswith(f"{field}: ")
    assert counts(engine) == before
    with engine.connect() as conn:
        assert conn.execute(text("SELECT bill_no, state FROM bill ORDER BY bill_no")).all() == states_before, bill_no


# --- what the consumer sees ---------------------------------------------------------------------


def test_request_status_shows_what_the_consumer_sees(engine):
    account_id, bill_no, _ = free_bill(engine)
    receipt = submit(engine, account_id=account_id, bill_no=bill_no, attachments=[doc("bill.pdf", PDF)])
    with db.read(engine) as s:
        st = cases.request_status(s, f" {receipt.request_id} ")
    assert (st.request_id, st.account_id, st.bill_no) == (receipt.request_id, account_id, bill_no)
    assert (st.request_type, st.request_name, st.status, st.is_open) == (
        "Bill Revision Through WSS",
        "Bill Correction Request",
        "Initiate Bill Complaint",
        True,
    )
    assert st.open_date == clock.now() and st.comments == ""
    assert [line.log_type for line in st.log] == ["Created", "Attachment"]
    assert "bill.pdf" in st.log[1].details


def test_request_status_of_a_closed_demo_case_carries_its_comment(engine):
    with engine.connect() as conn:
        case_id = conn.execute(text("SELECT case_id FROM \"case\" WHERE closed_at IS NOT NULL ORDER BY case_id LIMIT 1")).scalar_one()
    with db.read(engine) as s:
        st = cases.request_status(s, case_id)
    assert not st.is_open and st.closed_at is not None and st.comments
    assert st.status in ("Case Completed", "Reject the Case")
    assert [line.at for line in st.log] == sorted(line.at for line in st.log)


@pytest.mark.parametrize(
    "request_id, error, words",
    [("12345", Invalid, "not a request ID"), ("12345678901", Invalid, "not a request ID"), ("abcdefghij", Invalid, "not a request ID"), ("0000000001", NotFound, "no request 0000000001")],
)
def test_request_status_refuses_malformed_or_unknown_ids(engine, request_id, error, words):
    with db.read(engine) as s, pytest.raises(error) as err:
        cases.request_status(s, request_id)
    assert err.value.field == "request" and words in err.value.message
