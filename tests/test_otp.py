"""Closing a complaint with the consumer's OTP: hashed, limited tries and lifetime, and the EE's
closure without it, recorded and counted. A refused closure changes nothing but the try count."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from wss_tui.store import clock, db, otp, revision, todos
from wss_tui.store.revision import closure
from wss_tui.store.errors import Denied, Invalid, Stale
from wss_tui.store.models import COMPLETE, Case, CaseClosure, CaseLog, CustomerContact, SmsOutbox
from wss_tui.store.revision.calc import Correction
from wss_tui.store.revision.rules import rules

from ._sms_capture import otp_sent
from ._revision_data import (CLERK, CLERK2, EE, OTHER_EE, SDO, Complaint, approve, bill_of, complaint, counts, detail,
                             execute, forward_to, free_bill, one, propose, version)
from .test_revision import reading_less

# Revision and closure flows start from a To Do taken from the queue, as before routing (test_routing.py
# covers who a new To Do is routed to).
pytestmark = pytest.mark.usefixtures("queue_routing")

COMPLETED, REJECTED = "Case Completed", "Reject the Case"


def revised(engine):
    """A complaint whose revision the SDO has approved: ready to close as Case Completed."""
    c = complaint(engine)
    approve(engine, SDO, propose(engine, c, reading_less(engine, c)))
    return c


def send(engine, c, outcome=COMPLETED, actor=CLERK, comment="Bill revised on the actual reading"):
    with db.write(engine) as s:
        return otp.send(s, actor, c.todo_id, version(engine, actor, c.todo_id), outcome, comment)


def code_sent(engine, case_id: str) -> str:
    """The code the consumer's SMS carries: minted as the outbox is delivered."""
    return otp_sent(engine, case_id)


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 10**6:06d}"


def close(engine, c, code, actor=CLERK):
    return otp.close_with_otp(engine, actor, c.todo_id, version(engine, actor, c.todo_id), code)


def in_language(status: str, sms) -> str:
    """The status as the SMS names it: in Hindi for a Hindi text (data/hindi.toml)."""
    from wss_tui.store import config

    return status if sms.language == "en" else config.hindi_names()["status"][status]


def otp_row(engine, case_id):
    return one(engine, "SELECT * FROM case_otp WHERE case_id = :c ORDER BY id DESC LIMIT 1", c=case_id)


def test_the_otp_goes_by_sms_and_only_its_hash_is_kept(engine, fixed_clock):
    c = revised(engine)
    sent = send(engine, c)
    code = code_sent(engine, c.case_id)
    row = otp_row(engine, c.case_id)
    assert sent.outcome == COMPLETED and sent.tries == 3 and sent.mobile.startswith("******")
    assert sent.expires_at == fixed_clock + timedelta(minutes=15)
    assert row.code_hash.startswith("$argon2") and code not in row.code_hash
    assert (row.status, row.tries, row.outcome) == ("LIVE", 0, COMPLETED)
    with db.read(engine) as s:
        log = s.scalars(select(CaseLog).where(CaseLog.case_id == c.case_id).order_by(CaseLog.id.desc())).first()
        assert log.log_type == "OTP Sent" and code not in log.details
        sms = s.scalars(select(SmsOutbox).where(SmsOutbox.case_id == c.case_id).order_by(SmsOutbox.id.desc())).first()
        assert sms.template == "otp" and c.case_id in sms.text and in_language(COMPLETED, sms) in sms.text


def test_the_right_otp_closes_the_case_and_tells_the_consumer(engine):
    c = revised(engine)
    send(engine, c)
    closed = close(engine, c, code_sent(engine, c.case_id))
    assert (closed.status, closed.method) == (COMPLETED, "OTP")
    with db.read(engine) as s:
        case = s.get(Case, c.case_id)
        assert case.status == COMPLETED and case.closed_at is not None
        assert case.comments == "Bill revised on the actual reading"
        record = s.scalars(select(CaseClosure).where(CaseClosure.case_id == c.case_id)).one()
        assert (record.method, record.closed_by, record.reason) == ("OTP", CLERK, "")
        last_sms = s.scalars(select(SmsOutbox).where(SmsOutbox.case_id == c.case_id).order_by(SmsOutbox.id.desc())).first()
        assert last_sms.template == "status_changed" and in_language(COMPLETED, last_sms) in last_sms.text
        contact = s.scalars(select(CustomerContact).where(CustomerContact.account_id == c.account_id)
                            .order_by(CustomerContact.id.desc())).first()
        assert contact.contact_type == "Bill Revision Complete"
    assert otp_row(engine, c.case_id).status == "USED"
    assert detail(engine, CLERK, c.todo_id).status == COMPLETE


@pytest.mark.parametrize("typed", ["12345", "1234567", "abcdef", "", "12 34 5"])
def test_an_otp_of_the_wrong_shape_changes_nothing_not_even_the_tries(engine, typed):
    c = revised(engine)
    send(engine, c)
    before = counts(engine)
    with pytest.raises(Invalid, match="the OTP has 6 digits"):
        close(engine, c, typed)
    assert counts(engine) == before and otp_row(engine, c.case_id).tries == 0


def test_wrong_otps_are_counted_and_the_third_spends_it(engine):
    c = revised(engine)
    send(engine, c)
    code = code_sent(engine, c.case_id)
    with pytest.raises(Invalid, match="wrong OTP; 2 more tries"):
        close(engine, c, wrong(code))
    with pytest.raises(Invalid, match="wrong OTP; 1 more try"):
        close(engine, c, wrong(code))
    with pytest.raises(Invalid, match="wrong OTP 3 times; it no longer works"):
        close(engine, c, wrong(code))
    assert (otp_row(engine, c.case_id).tries, otp_row(engine, c.case_id).status) == (3, "VOID")
    with pytest.raises(Invalid, match="no OTP is waiting"):
        close(engine, c, code)
    with db.read(engine) as s:
        assert s.get(Case, c.case_id).closed_at is None
    send(engine, c)  # a new one works
    assert close(engine, c, code_sent(engine, c.case_id)).status == COMPLETED


def test_an_expired_otp_is_refused(engine, fixed_clock):
    c = revised(engine)
    send(engine, c)
    code = code_sent(engine, c.case_id)
    clock.freeze(fixed_clock + timedelta(minutes=15))
    with pytest.raises(Invalid, match="expired at"):
        close(engine, c, code)
    assert otp_row(engine, c.case_id).status == "VOID"
    with db.read(engine) as s:
        assert s.get(Case, c.case_id).closed_at is None


def test_a_new_otp_replaces_the_old_one(engine):
    c = revised(engine)
    send(engine, c)
    first = code_sent(engine, c.case_id)
    send(engine, c)
    second = code_sent(engine, c.case_id)
    if first != second:
        with pytest.raises(Invalid, match="wrong OTP"):
            close(engine, c, first)
    assert close(engine, c, second).status == COMPLETED


def test_otps_per_day_are_limited(engine):
    c = revised(engine)
    for _ in range(5):
        send(engine, c)
    before = counts(engine)
    with pytest.raises(Invalid, match="5 OTPs were sent"):
        send(engine, c)
    assert counts(engine) == before


def test_a_bill_complaint_is_completed_only_by_an_approved_revision(engine):
    c = complaint(engine)
    before = counts(engine)
    with pytest.raises(Invalid, match="no revision of bill .* has been approved"):
        send(engine, c)
    assert counts(engine) == before
    propose(engine, c, reading_less(engine, c))
    with pytest.raises(Invalid, match="waits for approval"):
        send(engine, c, REJECTED)


def test_a_rejected_complaint_leaves_the_bill_issued(engine):
    c = complaint(engine)
    send(engine, c, REJECTED, comment="Meter checked on site; the bill is right")
    closed = close(engine, c, code_sent(engine, c.case_id))
    assert closed.status == REJECTED
    assert bill_of(engine, c.bill_no).state == "ISSUED"


def test_only_the_one_working_the_todo_closes_it(engine):
    c = revised(engine)
    d = detail(engine, CLERK, c.todo_id)
    holder = f"{d.assigned_to_name} ({d.assigned_to})"
    # Held by someone else: taking it would be refused too, so the refusal names who to ask.
    with pytest.raises(Denied) as refused:
        send(engine, c, actor=CLERK2)
    assert str(refused.value) == (f"assigned to: To Do {c.todo_id} is being worked on by {holder}; "
                                  "ask them to forward it or send it back")
    send(engine, c)
    with pytest.raises(Denied):
        close(engine, c, code_sent(engine, c.case_id), actor=CLERK2)
    with pytest.raises(Stale), db.write(engine) as s:
        otp.send(s, CLERK, c.todo_id, version(engine, CLERK, c.todo_id) - 1, COMPLETED, "Revised")


def test_an_open_todo_is_taken_before_its_case_is_closed(engine):
    c = revised(engine)
    with db.write(engine) as s:
        todos.forward(s, CLERK, c.todo_id, version(engine, CLERK, c.todo_id), to_role="TR-SDC", note="back to the queue")
    with pytest.raises(Denied) as refused:
        send(engine, c, actor=CLERK2)
    assert str(refused.value) == f"assigned to: take To Do {c.todo_id} first (t): only the one working it closes the case"


def test_no_mobile_no_otp_and_only_an_ee_closes_without_one(engine):
    c = revised(engine)
    execute(engine, "UPDATE account SET mobile = NULL WHERE account_id = :a", a=c.account_id)
    with pytest.raises(Invalid, match="no registered mobile, so no OTP can be sent; forward the To Do to the TR-EE"):
        send(engine, c)
    with pytest.raises(Denied, match="only an Executive Engineer"), db.write(engine) as s:
        otp.close_without_otp(s, CLERK, c.todo_id, version(engine, CLERK, c.todo_id), COMPLETED, "Revised",
                              "Consumer has no phone at all")
    c = forward_to(engine, c, EE)
    before = counts(engine)
    with pytest.raises(Invalid, match="at least 15"), db.write(engine) as s:
        otp.close_without_otp(s, EE, c.todo_id, c.version, COMPLETED, "Revised", "no phone")
    assert counts(engine) == before
    with db.read(engine) as s:
        assert closure.closures_without_otp(s, EE) == 0
    with db.write(engine) as s:
        closed = otp.close_without_otp(s, EE, c.todo_id, c.version, COMPLETED, "Bill revised on actual reading",
                                       "Consumer has no mobile; confirmed in person at the office")
    assert closed.method == "NO-OTP"
    with db.read(engine) as s:
        record = s.scalars(select(CaseClosure).where(CaseClosure.case_id == c.case_id)).one()
        assert record.reason == "Consumer has no mobile; confirmed in person at the office"
        assert s.scalars(select(CaseLog.log_type).where(CaseLog.case_id == c.case_id, CaseLog.log_type == "Closed Without OTP")).one()
        assert "SMS Not Sent" in s.scalars(select(CaseLog.log_type).where(CaseLog.case_id == c.case_id)).all()
        assert closure.closures_without_otp(s, EE) == 1
        assert closure.closures_without_otp(s, OTHER_EE) == 0  # counted in the offices it happened in
        assert closure.closures_without_otp(s, EE, since=clock.now() + timedelta(seconds=1)) == 0


def test_an_officers_own_case_closes_without_otp(engine):
    account_id, bill_no = free_bill(engine)
    prev = bill_of(engine, bill_no).prev_reading
    with db.write(engine) as s:
        info = revision.open_officer_case(
            s, SDO, account_id, bill_no, "meter-replacement",
            Correction("METER-CHANGE", "Meter replaced on 12-11; new meter reads 40", curr_reading=40,
                       old_final_reading=prev, old_multiplying_factor=1, new_initial_reading=0))
    approve(engine, EE, info)
    with db.read(engine) as s:
        own = revision.revision_of_todo(s, todos.get(s, EE, info.approval_todo_id)).source_todo_id
    with pytest.raises(Invalid, match="officer's own case"):
        send(engine, Complaint(own, 0, info.case_id, bill_no, account_id), actor=SDO)
    with db.write(engine) as s:
        closed = closure.close_officer_case(s, SDO, own, version(engine, SDO, own), COMPLETED, "Bill revised and issued")
    assert closed.method == "OFFICER"
    with db.read(engine) as s:
        # No complainant: no SMS at any step (opened, approved, closed), and no "SMS Not Sent" either.
        assert s.scalars(select(SmsOutbox).where(SmsOutbox.case_id == info.case_id)).all() == []
        assert "SMS Not Sent" not in s.scalars(select(CaseLog.log_type).where(CaseLog.case_id == info.case_id)).all()


def test_what_a_todo_offers(engine):
    c = complaint(engine)
    with db.read(engine) as s:
        work = closure.todo_work(s, CLERK, c.todo_id)
    assert (work.kind, work.can_revise, work.closes_case, work.needs_otp, work.may_skip_otp) == (
        "case", True, True, True, False)
    info = propose(engine, c, reading_less(engine, c))
    with db.read(engine) as s:
        approval = closure.todo_work(s, SDO, info.approval_todo_id)
        assert (approval.kind, approval.can_revise, approval.closes_case) == ("approval", True, False)
        assert approval.revision_status == "PROPOSED"
        ee = closure.todo_work(s, EE, c.todo_id)
        assert ee.may_skip_otp is True and ee.closed_without_otp == 0
        assert closure.todo_work(s, CLERK, c.todo_id).closed_without_otp is None



def test_a_plain_complete_cannot_mark_a_complaint_or_an_approval_done(engine):
    """The screen's Complete goes through the store's rule: a complaint's To Do is done by closing the
    case (OTP), an approval by deciding the revision. Refusals write nothing."""
    c = complaint(engine)
    before = counts(engine)
    with pytest.raises(Invalid, match=f"carries open case {c.case_id}; close the case with c"), db.write(engine) as s:
        closure.complete_todo(s, CLERK, c.todo_id, c.version, "Done")
    assert counts(engine) == before
    info = propose(engine, c, reading_less(engine, c))
    with db.write(engine) as s:
        approval = todos.take(s, SDO, info.approval_todo_id, version(engine, SDO, info.approval_todo_id))
    before = counts(engine)
    with pytest.raises(Invalid, match=f"approve or reject revision {info.revision_id} with v"), db.write(engine) as s:
        closure.complete_todo(s, SDO, approval.todo_id, approval.version, "Looks fine")
    assert counts(engine) == before
    approve(engine, SDO, info)
    assert detail(engine, SDO, info.approval_todo_id).status == COMPLETE


def test_otps_sent_at_once_never_pass_the_days_cap(engine):
    """The day's count and the new OTP are one step under the case's row lock: eight sends racing (a
    double-pressed key, two sessions of the holder) send at most max_sends_per_day."""
    from concurrent.futures import ThreadPoolExecutor
    from threading import Barrier

    c = revised(engine)
    seen = version(engine, CLERK, c.todo_id)
    barrier = Barrier(8)

    def send_once() -> str:
        barrier.wait(timeout=30)
        try:
            with db.write(engine) as s:
                otp.send(s, CLERK, c.todo_id, seen, COMPLETED, "Bill revised on the actual reading")
            return "sent"
        except Invalid as exc:
            assert "OTPs were sent" in exc.message, exc.message
            return "refused"

    with ThreadPoolExecutor(8) as pool:
        outcomes = [f.result(timeout=60) for f in [pool.submit(send_once) for _ in range(8)]]
    cap = rules().otp.max_sends_per_day
    assert outcomes.count("sent") == cap and outcomes.count("refused") == 8 - cap
    assert one(engine, "SELECT COUNT(*) AS n FROM case_otp WHERE case_id = :c", c=c.case_id).n == cap
