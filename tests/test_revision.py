"""Bill revision in the store: the maker's proposal, routing by financial power, the checker's decision
posted in one transaction, officer-initiated cases. Every refusal writes nothing."""

from __future__ import annotations

import re

from datetime import timedelta

import pytest
from sqlalchemy import select

from wss_tui.store import db, revision, sla, todos
from wss_tui.store.revision import oversight, powers
from wss_tui.store.errors import Denied, Invalid, NotFound, Stale
from wss_tui.store.models import BEING_WORKED_ON, COMPLETE, OPEN, BillRevision, Case, CaseLog, SmsOutbox, Staff
from wss_tui.store.revision.calc import Correction

from ._revision_data import (ACC, ADMIN, CIRCLE, CLERK, CLERK2, DIRC, DISCOM, DIVISION, EE, OTHER_SDO, SDO, SE,
                             SUB, ZONE, approve, arrear_by, bill_of, complaint, counts, detail, execute, forward_to,
                             free_bill, one, propose, version)

# What a clerk and an officer may do with To Dos taken from the queue; routing has its own tests
# (tests/test_routing.py).
pytestmark = pytest.mark.usefixtures("queue_routing")


LAKH = 1_00_000 * 100  # paise


def reading_less(engine, c, by: float = 20, reason: str = "READING") -> Correction:
    bill = bill_of(engine, c.bill_no)
    return Correction(reason, "Meter photo shows a lower reading than billed", curr_reading=bill.curr_reading - by)


# --- the proposal --------------------------------------------------------------------------------


def test_preview_recomputes_the_bill_and_says_where_it_goes_writing_nothing(engine):
    c = complaint(engine)
    bill = bill_of(engine, c.bill_no)
    before = counts(engine)
    with db.read(engine) as s:
        p = revision.preview(s, CLERK, c.account_id, c.bill_no, reading_less(engine, c))
    assert counts(engine) == before
    assert p.before.amount_paise == bill.amount_paise and p.after.units == bill.units - 20
    assert p.after.curr_reading == bill.curr_reading - 20 and p.after.basis == "ACT"
    assert p.difference_paise == p.after.amount_paise - bill.amount_paise < 0
    assert (p.route.role, p.route.office_code) == ("TR-SDO", SUB)


def test_proposal_writes_revision_approval_todo_logs_status_and_sms_but_not_the_bill(engine):
    c = complaint(engine)
    bill = bill_of(engine, c.bill_no)
    balance = one(engine, "SELECT current_balance_paise FROM account WHERE account_id = :a", a=c.account_id)[0]
    before = counts(engine)
    info = propose(engine, c, reading_less(engine, c))
    after = counts(engine)
    assert {t: after[t] - before[t] for t in after if after[t] != before[t]} == {
        "bill_revision": 1, "todo": 1, "todo_log": 2, "case_log": 2, "sms_outbox": 1}
    assert (info.status, info.maker_id, info.route.role, info.route.office_code) == ("PROPOSED", CLERK, "TR-SDO", SUB)
    assert info.amount_before_paise == bill.amount_paise
    assert bill_of(engine, c.bill_no).state == "DISPUTED"  # untouched until approved
    assert one(engine, "SELECT current_balance_paise FROM account WHERE account_id = :a", a=c.account_id)[0] == balance

    approval = detail(engine, SDO, info.approval_todo_id)
    assert (approval.todo_type, approval.role, approval.office_code, approval.status) == ("BRAPPROV", "TR-SDO", SUB, OPEN)
    assert approval.todo_type_description == "Approve Bill Revision"
    assert dict(approval.characteristics)["REVISION"] == str(info.revision_id)
    assert approval.sent_by == CLERK
    mine = detail(engine, CLERK, c.todo_id)
    assert mine.status == BEING_WORKED_ON and mine.log[-1].details.startswith(f"Revision {info.revision_id} proposed")
    with db.read(engine) as s:
        case = s.get(Case, c.case_id)
        assert case.status == "Bill Revision Required"
        logs = s.scalars(select(CaseLog.log_type).where(CaseLog.case_id == c.case_id).order_by(CaseLog.id)).all()
        assert logs[-2:] == ["Revision Proposed", "Status Changed"]
        sms = s.scalars(select(SmsOutbox).where(SmsOutbox.case_id == c.case_id).order_by(SmsOutbox.id.desc())).first()
        # In the account's language: Hindi texts name the status in Hindi (data/hindi.toml).
        status = "Bill Revision Required" if sms.language == "en" else "बिल संशोधन प्रक्रियाधीन"
        assert sms.template == "status_changed" and status in sms.text


@pytest.mark.parametrize(
    "make, field, words",
    [
        (lambda b: Correction("READING", "Reading checked at site", curr_reading=b.prev_reading - 1), "reading",
         "lower than the previous reading"),
        (lambda b: Correction("UNITS", "Units checked at site", units=-5), "units", "cannot be negative"),
        (lambda b: Correction("ARREAR", "Arrear wrongly carried", arrear_paise=-(b.amount_paise - b.arrear_paise) - 100),
         "amount", "cannot be negative"),
        (lambda b: Correction("READING", "short", curr_reading=b.curr_reading - 1), "remark", "at least 10"),
        (lambda b: Correction("READING", "Nothing to say at all"), "correction", "nothing to revise"),
        (lambda b: Correction("READING", "Both given here", curr_reading=b.curr_reading - 1, units=10), "units",
         "not both"),
        (lambda b: Correction("CATEGORY", "Category is wrong here", category="LMV-9"), "category", "no rates"),
        (lambda b: Correction("NOPE", "Unknown reason code", units=10), "reason", "choose the reason"),
        (lambda b: Correction("LOAD", "Load is zero on site", load_kw=0), "load", "more than 0"),
        (lambda b: Correction("BASIS", "Assessed is right here", basis="ASS", curr_reading=b.curr_reading - 1),
         "basis", "ACT"),
    ],
)
def test_bad_corrections_get_one_line_and_write_nothing(engine, make, field, words):
    c = complaint(engine)
    correction = make(bill_of(engine, c.bill_no))
    before = counts(engine)
    with pytest.raises(Invalid) as err, db.write(engine) as s:
        revision.propose(s, CLERK, c.todo_id, c.version, correction)
    assert err.value.field == field and words in err.value.message
    assert "\n" not in str(err.value)
    assert counts(engine) == before
    assert version(engine, CLERK, c.todo_id) == c.version


def test_a_replaced_meter_bills_both_meters(engine):
    c = complaint(engine)
    bill = bill_of(engine, c.bill_no)
    # The old meter's last 10 units at MF 1, the new meter's 35 from 0 at the bill's MF (more in
    # tests/test_revision_meter.py).
    info = propose(engine, c, Correction("METER-CHANGE", "Meter replaced on the 20th; new meter reads 35",
                                         curr_reading=35, old_final_reading=bill.prev_reading + 10,
                                         old_multiplying_factor=1, new_initial_reading=0))
    assert info.after.units == 10 + 35 * bill.multiplying_factor and info.after.curr_reading == 35


def test_an_assessed_bill_revised_on_the_actual_reading(engine):
    c = complaint(engine, basis="ASS")
    bill = bill_of(engine, c.bill_no)
    assert bill.curr_reading is None
    info = propose(engine, c, Correction("BASIS", "Meter read at site; bill on actual reading",
                                         curr_reading=bill.prev_reading + 50))
    assert (info.after.basis, info.after.units, info.after.curr_reading) == ("ACT", 50, bill.prev_reading + 50)
    # An actual bill needs its reading: switching the basis alone is refused.
    d = complaint(engine, basis="ASS")
    with pytest.raises(Invalid, match="needs the current reading"), db.write(engine) as s:
        revision.propose(s, CLERK, d.todo_id, d.version, Correction("BASIS", "Should be actual here", basis="ACT"))


def test_only_the_one_working_the_todo_proposes(engine):
    c = complaint(engine)
    d = detail(engine, CLERK, c.todo_id)
    holder = re.escape(f"{d.assigned_to_name} ({d.assigned_to})")  # staff know each other by user ID
    with pytest.raises(Denied, match=f"being worked on by {holder}; ask them to forward it or send it back"), \
            db.write(engine) as s:
        revision.propose(s, CLERK2, c.todo_id, c.version, reading_less(engine, c))
    with pytest.raises(NotFound), db.write(engine) as s:  # another sub-division cannot even see it
        revision.propose(s, "INR2-SDC1", c.todo_id, c.version, reading_less(engine, c))
    with pytest.raises(Stale), db.write(engine) as s:
        revision.propose(s, CLERK, c.todo_id, c.version - 1, reading_less(engine, c))


def test_one_proposal_at_a_time_per_case(engine):
    c = complaint(engine)
    info = propose(engine, c, reading_less(engine, c))
    before = counts(engine)
    with pytest.raises(Invalid, match=f"revision {info.revision_id} .* waits for approval"):
        propose(engine, c, reading_less(engine, c, by=10))
    assert counts(engine) == before


# --- powers and routing ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "rupees, role, office",
    [
        (0, "TR-SDO", SUB),
        (50_000, "TR-SDO", SUB),
        (50_000.01, "TR-EE", DIVISION),
        (-2_00_000, "TR-EE", DIVISION),
        (2_00_000.01, "TR-SE", CIRCLE),
        (10_00_000.01, "TR-CE", ZONE),
        (-50_00_000.01, "TR-DIRC", DISCOM),
        (50_00_00_000, "TR-DIRC", DISCOM),
    ],
)
def test_a_proposal_goes_to_the_lowest_role_whose_power_covers_it(engine, rupees, role, office):
    with db.read(engine) as s:
        r = powers.route(s, round(rupees * 100), SUB, CLERK)
    assert (r.role, r.office_code) == (role, office)


def test_checkers_sit_above_makers_whatever_the_amount(engine):
    """Rs 1 is within an SDO's power (Rs 50,000), but an SDO's own revision goes one rank up, to the
    EE, and an EE's to the SE of the circle: never to a role at or below the maker's."""
    with db.read(engine) as s:
        assert powers.route(s, 100, SUB, CLERK).role == "TR-SDO"
        assert (powers.route(s, 100, SUB, SDO).role, powers.route(s, 100, SUB, SDO).office_code) == ("TR-EE", DIVISION)
        assert (powers.route(s, 100, SUB, EE).role, powers.route(s, 100, SUB, EE).office_code) == ("TR-SE", CIRCLE)
        # Rs 2,00,000.01 is past the EE's power and within the SE's: an SDO's goes to the SE as a clerk's does.
        assert powers.route(s, 2_00_000_01, SUB, SDO).role == "TR-SE"


def test_above_the_sdos_power_it_goes_to_the_ee_of_the_division(engine):
    c = complaint(engine)
    info = propose(engine, c, arrear_by(engine, c.bill_no, 60_000 * 100))
    assert (info.route.role, info.route.office_code) == ("TR-EE", DIVISION)
    with pytest.raises(NotFound), db.read(engine) as s:  # the SDO's offices do not reach the division's queue
        todos.get(s, SDO, info.approval_todo_id)
    with db.read(engine) as s:
        assert revision.worksheet(s, EE, info.approval_todo_id).mode == revision.DECIDE
    assert approve(engine, EE, info).status == "APPROVED"


def test_an_ees_own_revision_of_rs_50000_is_approved_by_an_se_never_an_sdo(engine):
    """Rs 50,000 is exactly the SDO's power (powers.toml up_to = 50_000), so a clerk's revision of that
    size goes to the SDO; the EE's own goes past the SDO (junior to him) and past his own rank, to the
    lowest senior role with the power: the SE of circle LKO-C1."""
    c = forward_to(engine, complaint(engine), EE)
    info = propose(engine, c, arrear_by(engine, c.bill_no, 50_000 * 100), actor=EE)
    assert info.difference_paise == 50_000_00
    assert (info.route.role, info.route.office_code) == ("TR-SE", CIRCLE)
    before = counts(engine)
    with db.read(engine) as s:
        with pytest.raises(Denied, match="proposed this revision; another officer must decide it"):
            powers.check_checker(s, s.get(Staff, EE), maker_id=EE, amount_paise=info.difference_paise, office_code=SUB)
        sdo = s.get(Staff, SDO)
        with pytest.raises(Denied, match=r"TR-SDO is not senior to TR-EE \(INR-EE\)"):
            powers.check_checker(s, sdo, maker_id=EE, amount_paise=info.difference_paise, office_code=SUB)
    with pytest.raises(NotFound):  # the approval sits in the circle's queue, outside the SDO's offices
        approve(engine, SDO, info)
    with pytest.raises(NotFound):  # and outside the maker's division: he cannot sit on it either
        approve(engine, EE, info)
    assert counts(engine) == before
    assert approve(engine, SE, info).checker_id == SE


def test_a_checker_without_the_power_or_the_office_is_refused(engine):
    c = complaint(engine)
    info = propose(engine, c, arrear_by(engine, c.bill_no, 3 * LAKH))
    assert (info.route.role, info.route.office_code) == ("TR-SE", CIRCLE)
    before = counts(engine)
    with pytest.raises(NotFound):  # the circle's queue is outside an EE's division
        approve(engine, EE, info)
    with pytest.raises(Denied, match="no power to approve"):  # the administrator sees it, but has no power
        approve(engine, ADMIN, info)
    with db.read(engine) as s:
        ee = s.get(Staff, EE)
        with pytest.raises(Denied, match=r"TR-EE may approve revisions up to 2,00,000.00INR; this one is 3,00,000.00INR"):
            powers.check_checker(s, ee, maker_id=CLERK, amount_paise=info.difference_paise, office_code=SUB)
        with pytest.raises(Denied, match="outside INR-EE's offices"):
            powers.check_checker(s, ee, maker_id=CLERK, amount_paise=100, office_code="ESD-AMS-1")
    assert counts(engine) == before
    assert approve(engine, SE, info).status == "APPROVED"


# --- the decision --------------------------------------------------------------------------------


def test_approval_keeps_the_old_bill_records_the_new_and_posts_the_difference(engine):
    c = complaint(engine)
    old = bill_of(engine, c.bill_no)
    account = one(engine, "SELECT * FROM account WHERE account_id = :a", a=c.account_id)
    info = propose(engine, c, reading_less(engine, c))
    done = approve(engine, SDO, info, "Photo of the meter checked")
    assert (done.status, done.checker_id, done.new_bill_no) == ("APPROVED", SDO, f"{c.bill_no}R1")
    assert bill_of(engine, c.bill_no).state == "REVISED" and bill_of(engine, c.bill_no).amount_paise == old.amount_paise
    new = bill_of(engine, done.new_bill_no)
    assert (new.state, new.bill_month, new.units, new.amount_paise) == ("ISSUED", old.bill_month, old.units - 20,
                                                                        info.after.amount_paise)
    after = one(engine, "SELECT * FROM account WHERE account_id = :a", a=c.account_id)
    # The balance also gets back the late payment surcharge charged on the credit: the bill fell due
    # 22-10-2026, one whole month before 28-11 (tests/test_revision_meter.py works the figures).
    assert (done.lps.months, done.lps.paise) == (1, round(-info.difference_paise * 0.0125))
    posted = info.difference_paise - done.lps.paise
    assert after.current_balance_paise == account.current_balance_paise + posted
    assert after.payoff_balance_paise == account.payoff_balance_paise + posted
    approval = detail(engine, SDO, info.approval_todo_id)
    assert approval.status == COMPLETE and approval.comment.startswith(f"Approved revision {info.revision_id}")
    assert detail(engine, CLERK, c.todo_id).log[-1].details.startswith(f"Revision {info.revision_id} approved by {SDO}")
    with db.read(engine) as s:
        assert s.get(Case, c.case_id).closed_at is None  # closing is the consumer's OTP's business
        log = s.scalars(select(CaseLog).where(CaseLog.case_id == c.case_id).order_by(CaseLog.id.desc())).first()
        assert log.log_type == "Revision Approved" and done.new_bill_no in log.details


def test_approval_is_one_transaction_a_failure_midway_leaves_nothing(engine, monkeypatch):
    c = complaint(engine)
    info = propose(engine, c, arrear_by(engine, c.bill_no, 2 * LAKH))  # a review To Do would be made too
    account = one(engine, "SELECT * FROM account WHERE account_id = :a", a=c.account_id)
    before = counts(engine)
    approval_version = version(engine, EE, info.approval_todo_id)

    def broken(session, rev, checker_id):
        # By now the balance is posted, the bills written and the approval To Do completed.
        raise RuntimeError("the disk filled up")

    monkeypatch.setattr(oversight, "apply", broken)
    with pytest.raises(RuntimeError):
        approve(engine, EE, info)
    assert counts(engine) == before
    assert one(engine, "SELECT * FROM account WHERE account_id = :a", a=c.account_id) == account
    assert bill_of(engine, c.bill_no).state == "DISPUTED"
    assert version(engine, EE, info.approval_todo_id) == approval_version
    with db.read(engine) as s:
        assert s.get(BillRevision, info.revision_id).status == "PROPOSED"
    monkeypatch.undo()
    assert approve(engine, EE, info).status == "APPROVED"


def test_rejection_sends_it_back_to_the_maker_with_the_reason(engine):
    c = forward_to(engine, complaint(engine), CLERK2)  # the maker's To Do has moved on since
    info = propose(engine, c, reading_less(engine, c), actor=CLERK2)
    v = version(engine, SDO, info.approval_todo_id)
    before = counts(engine)
    with pytest.raises(Invalid, match="say why"), db.write(engine) as s:
        revision.reject(s, SDO, info.approval_todo_id, v, "no")
    assert counts(engine) == before
    with db.write(engine) as s:
        done = revision.reject(s, SDO, info.approval_todo_id, v, "Meter photo is of another meter")
    assert (done.status, done.decision_note) == ("REJECTED", "Meter photo is of another meter")
    mine = detail(engine, CLERK2, c.todo_id)
    assert (mine.status, mine.assigned_to, mine.log[-1].log_type) == (BEING_WORKED_ON, CLERK2, "Sent Back")
    assert "Meter photo is of another meter" in mine.log[-1].details
    assert detail(engine, SDO, info.approval_todo_id).status == COMPLETE
    assert bill_of(engine, c.bill_no).state == "DISPUTED"
    again = propose(engine, c, reading_less(engine, c, by=5), actor=CLERK2)  # the maker may try again
    assert again.status == "PROPOSED" and again.revision_id != info.revision_id


def test_a_decided_revision_cannot_be_decided_again_and_a_changed_bill_is_stale(engine):
    c = complaint(engine)
    info = propose(engine, c, reading_less(engine, c))
    approve(engine, SDO, info)
    with pytest.raises(Invalid, match="approved by"), db.write(engine) as s:
        revision.reject(s, SDO, info.approval_todo_id, version(engine, SDO, info.approval_todo_id), "Changed my mind here")

    d = complaint(engine)
    info = propose(engine, d, reading_less(engine, d))
    execute(engine, "UPDATE bill SET amount_paise = amount_paise + 1 WHERE bill_no = :b", b=d.bill_no)
    with pytest.raises(Stale, match="changed since revision"):
        approve(engine, SDO, info)


def test_large_approvals_go_to_director_commercial_review_due_in_three_days(engine, fixed_clock):
    from datetime import timedelta

    c = complaint(engine)
    small = approve(engine, SDO, propose(engine, c, reading_less(engine, c)))
    assert small.review_todo_id is None and small.review_due_at is None
    d = complaint(engine)
    big = approve(engine, EE, propose(engine, d, arrear_by(engine, d.bill_no, 1 * LAKH)))
    assert big.review_due_at == fixed_clock + timedelta(days=3)
    review = detail(engine, DIRC, big.review_todo_id)
    assert (review.todo_type, review.role, review.office_code, review.status) == ("BRREVIEW", "TR-DIRC", DISCOM, OPEN)
    assert "due 01-12-2026" in review.message and dict(review.characteristics)["REVISION"] == str(big.revision_id)


def test_an_approved_revision_drawn_for_audit_goes_to_the_divisional_accountant(engine, monkeypatch):
    c = complaint(engine)
    info = propose(engine, c, reading_less(engine, c))
    drawn = next(f"salt-{n}" for n in range(10_000) if oversight.audit_draw(info.revision_id, f"salt-{n}") < 0.01)
    monkeypatch.setenv("WSS_AUDIT_SALT", drawn)
    done = approve(engine, SDO, info)
    assert done.audit_sampled is True
    audit = detail(engine, ACC, done.audit_todo_id)
    assert (audit.todo_type, audit.role, audit.office_code) == ("BRAUDIT", "TR-ACC", DIVISION)

    d = complaint(engine)
    other = propose(engine, d, reading_less(engine, d))
    passed = next(f"salt-{n}" for n in range(10_000) if oversight.audit_draw(other.revision_id, f"salt-{n}") >= 0.01)
    monkeypatch.setenv("WSS_AUDIT_SALT", passed)
    done = approve(engine, SDO, other)
    assert done.audit_sampled is False and done.audit_todo_id is None
    # Re-derived from the ID, the amount and the salt alone, the stored decisions come out the same.
    with db.read(engine) as s:
        for rev in s.scalars(select(BillRevision).where(BillRevision.status == "APPROVED")):
            salt = drawn if rev.revision_id == info.revision_id else passed
            assert oversight.is_sampled(rev.revision_id, rev.difference_paise, salt) is rev.audit_sampled


# --- officer-initiated revisions -------------------------------------------------------------------


def test_an_officer_opens_a_revision_case_from_an_account(engine):
    account_id, bill_no = free_bill(engine)
    bill = bill_of(engine, bill_no)
    before = counts(engine)
    with db.write(engine) as s:
        info = revision.open_officer_case(
            s, SDO, account_id, bill_no, "meter-replacement",
            Correction("METER-CHANGE", "Meter replaced on 12-11; new meter reads 40", curr_reading=40,
                       old_final_reading=bill.prev_reading, old_multiplying_factor=1, new_initial_reading=0))
    after = counts(engine)
    assert after["case"] - before["case"] == 1 and after["todo"] - before["todo"] == 2
    assert after["sms_outbox"] == before["sms_outbox"]  # no complaint, no registration text
    with db.read(engine) as s:
        case = s.get(Case, info.case_id)
        assert (case.channel, case.status, case.created_by, case.bill_no) == ("officer", "Bill Revision Required", SDO, bill_no)
        assert case.office_code == SUB
        # No consumer due date: due_at holds the office's own target (revision.toml target_days = 15).
        assert case.due_at == case.created_at + timedelta(days=15)
        assert case.case_type == "Bill Revision on Meter Replacement"
        # No complainant, so it is never late to anyone, nor is anything owed, 30 days past that target.
        late = sla.for_case(s, info.case_id, now=case.due_at + timedelta(days=30))
        assert (late.days_late, late.owed_paise) == (0, 0)
        own = revision.revision_of_todo(s, todos.get(s, EE, info.approval_todo_id))
        assert own.source_todo_id is not None
        work = todos.get(s, SDO, own.source_todo_id)
    assert (work.todo_type, work.status, work.assigned_to) == ("IMOFCASE", BEING_WORKED_ON, SDO)
    assert info.route.role == "TR-EE"  # the SDO made it: an officer senior to him decides
    assert info.after.units == 40 * bill.multiplying_factor
    assert approve(engine, EE, info).status == "APPROVED"


def test_an_officer_case_is_refused_where_a_complaint_is_open_or_for_a_role_that_does_not_revise(engine):
    c = complaint(engine)
    before = counts(engine)
    correction = Correction("HOLD", "Bill was on hold; released now", units=10)
    with pytest.raises(Invalid, match=f"open case, request ID {c.case_id}"), db.write(engine) as s:
        revision.open_officer_case(s, SDO, c.account_id, c.bill_no, "bill-on-hold", correction)
    account_id, bill_no = free_bill(engine)
    with pytest.raises(Denied, match="does not open revision cases"), db.write(engine) as s:
        revision.open_officer_case(s, ACC, account_id, bill_no, "bill-on-hold", correction)
    with pytest.raises(Invalid, match="kind of case"), db.write(engine) as s:
        revision.open_officer_case(s, SDO, account_id, bill_no, "whim", correction)
    with pytest.raises(NotFound), db.write(engine) as s:
        revision.open_officer_case(s, OTHER_SDO, account_id, bill_no, "bill-on-hold", correction)
    assert counts(engine) == before


def test_worksheets_say_what_the_user_may_do(engine):
    c = complaint(engine)
    with db.read(engine) as s:
        sheet = revision.worksheet(s, CLERK, c.todo_id)
        assert sheet.mode == revision.PROPOSE and sheet.revision is None
        assert sheet.before.amount_paise == bill_of(engine, c.bill_no).amount_paise
        assert "LMV-1" in sheet.categories and ("READING", "Wrong meter reading") in sheet.reasons
        assert revision.worksheet(s, CLERK2, c.todo_id).mode == revision.VIEW
    info = propose(engine, c, reading_less(engine, c))
    with db.read(engine) as s:
        sheet = revision.worksheet(s, CLERK, c.todo_id)
        assert sheet.mode == revision.VIEW and "waits for approval by TR-SDO" in sheet.note
        assert sheet.revision.revision_id == info.revision_id
        assert revision.worksheet(s, SDO, info.approval_todo_id).mode == revision.DECIDE
        assert revision.bill_worksheet(s, SDO, c.account_id, c.bill_no).mode == revision.VIEW
