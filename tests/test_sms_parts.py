"""SMS that fit and that tell: every template's worst case in parts, Hindi names in Hindi texts, and
the consumer told of the revision's approval (new amount, new due date) and rejection (the reason)."""

from __future__ import annotations

import string
from datetime import timedelta

import pytest
from wss_tui.store import config, db, escalation
from wss_tui.store.sms import outbox, parts

from wss_tui.store.revision.calc import Correction
from wss_tui.store.revision.run import MAX_MONTHS, RunRequest

from ._revision_data import (CLERK, SDO, approve, arrear_by, bill_of, complaint, detail, execute, one, propose,
                             version)
from ._run_data import ACCOUNT, ASSESSED, complain, decide, make_run, propose_run

pytestmark = pytest.mark.usefixtures("queue_routing")


def test_parts_as_the_gateway_counts_them():
    assert parts.count("a" * 160) == 1 and parts.count("a" * 161) == 2  # GSM: 160, then 153 a part
    assert parts.count("a" * 306) == 2 and parts.count("a" * 307) == 3
    assert parts.count("[" * 80) == 1 and parts.count("[" * 81) == 2  # extension characters take two
    assert parts.count("क" * 70) == 1 and parts.count("क" * 71) == 2  # UCS-2: 70, then 67 a part
    assert parts.count("क" * 134) == 2 and parts.count("क" * 135) == 3
    assert parts.count("Rs 100 ₹") == 1 and not parts.is_gsm("₹")


def worst_fields(language: str) -> dict[str, str]:
    """Every field at its longest: IDs at their widths, the longest status and request name in the
    language, the longest amount a bill can carry, a reason at its cut (in Devanagari for Hindi)."""
    names = config.hindi_names()
    kinds = config.request_types().values()
    statuses = [rt.initial_status for rt in kinds] + ["Bill Revision Required", "Case Completed", "Reject the Case"]
    requests = [rt.name for rt in kinds]
    # Whom a complaint escalates to: every level's role and every role Hindi names (escalation.toml).
    roles = {lv.role for lv in escalation.matrix().levels} | set(names["role"])
    authorities = [config.role_title(r) for r in roles]
    if language == "hi":
        statuses = [names["status"].get(s, s) for s in statuses]
        requests = [names["request"].get(r, r) for r in requests]
        authorities = [names["role"].get(r) or config.role_title(r) for r in roles]
    return dict(request_id="9" * 10, account_id="9" * 12, bill_no="9" * 12 + "R1", otp="9" * 6, minutes="99",
                status=max(statuses, key=len), request_name=max(requests, key=len), amount="99,99,99,999.99",
                authority=max(authorities, key=len), lps="99,99,99,999.99", bills=str(MAX_MONTHS),
                first_month="12-2026", last_month="12-2026",
                due_date="31-12-2026", reason=("क" if language == "hi" else "x") * outbox.REASON_CHARS)


@pytest.mark.parametrize("template", sorted(config.sms_templates()))
def test_every_template_fits_english_in_one_part_and_hindi_in_two(template):
    texts = config.sms_templates()[template]
    assert set(texts) == {"en", "hi"}, "every text has English and Hindi"
    for language, most in (("en", 1), ("hi", 2)):
        fields = worst_fields(language)
        wanted = {name for _, name, _, _ in string.Formatter().parse(texts[language]) if name}
        text = texts[language].format(**{k: fields[k] for k in wanted})
        assert parts.count(text) <= most, (template, language, len(text), text)
        if language == "en":
            assert parts.is_gsm(text), "an English text stays in the GSM alphabet"


def test_hindi_texts_name_statuses_and_requests_in_hindi():
    lang, text = outbox.render("status_changed", "hi", request_id="1234567890", account_id="123456789012",
                               status="Case Completed")
    assert lang == "hi" and "निस्तारित" in text and "Case Completed" not in text
    _, text = outbox.render("registered", "hi", request_id="1234567890", account_id="123456789012",
                            request_name="Bill Correction Request")
    assert "बिल सुधार अनुरोध" in text
    _, text = outbox.render("status_changed", "en", request_id="1234567890", account_id="123456789012",
                            status="Case Completed")
    assert "Case Completed" in text
    _, text = outbox.render("escalated", "hi", request_id="1234567890", account_id="123456789012", authority="TR-SE")
    assert "अधीक्षण अभियन्ता" in text
    every = set(config.hindi_names()["status"]) | set(config.hindi_names()["request"])
    assert {rt.name for rt in config.request_types().values()} <= every
    assert {rt.initial_status for rt in config.request_types().values()} <= every
    assert {lv.role for lv in escalation.matrix().levels} <= set(config.hindi_names()["role"])


def last_sms(engine, case_id):
    return one(engine, "SELECT template, language, text FROM sms_outbox WHERE case_id = :c ORDER BY id DESC LIMIT 1",
               c=case_id)


def test_the_consumer_is_told_the_new_amount_and_due_date_on_approval(engine, fixed_clock):
    c = complaint(engine)
    bill = bill_of(engine, c.bill_no)
    # Arrear up by Rs 1,000.00: the revised bill is the old amount + Rs 1,000.00, due 15 days after the
    # approval (revision.toml revised_due_days): fixed_clock 28-11-2026 + 15 days = 13-12-2026.
    done = approve(engine, SDO, propose(engine, c, arrear_by(engine, c.bill_no, 1_000_00)))
    assert done.after.amount_paise == bill.amount_paise + 1_000_00
    assert str(bill_of(engine, done.new_bill_no).due_date) == "2026-12-13" == str((fixed_clock + timedelta(days=15)).date())
    sms = last_sms(engine, c.case_id)
    rupees = f"{(bill.amount_paise + 1_000_00) // 100:,}"
    assert sms.template == "revision_approved" and done.new_bill_no in sms.text and "13-12-2026" in sms.text
    assert rupees.replace(",", "")[-3:] in sms.text.replace(",", "")


def test_the_consumer_is_told_the_surcharge_waived(engine):
    """A revision that takes money off a bill a month past due reverses its surcharge: the SMS says so."""
    c = complaint(engine)
    done = approve(engine, SDO, propose(engine, c, arrear_by(engine, c.bill_no, -min(bill_of(engine, c.bill_no).amount_paise, 1_000_00) // 2)))
    assert done.lps.paise > 0
    sms = last_sms(engine, c.case_id)
    waived = f"{done.lps.paise // 100:,}.{done.lps.paise % 100:02d}"
    assert sms.template == "revision_approved" and done.new_bill_no in sms.text
    assert (f"अधिभार ₹{waived} माफ" if sms.language == "hi" else f"late surcharge Rs {waived} waived") in sms.text
    assert parts.count(sms.text) <= (1 if sms.language == "en" else 2)


@pytest.mark.parametrize("language", ["en", "hi"])
def test_a_run_of_bills_is_told_as_the_runs_total(engine, language):
    """Three assessed months spread to an actual reading (tests/test_revision_runs.py works the figures):
    Rs 3,371.19 in all, due 13-12-2026, Rs 34.65 of surcharge reversed."""
    bills = make_run(engine, ASSESSED)
    execute(engine, "UPDATE account SET language = :l WHERE account_id = :a", l=language, a=ACCOUNT)
    c = complain(engine, ACCOUNT, bills[2])
    info = propose_run(engine, c, Correction("BASIS", "Meter read 1461 on 02-11; the months were averages",
                                             curr_reading=1461), RunRequest(from_bill=bills[0], spread=True))
    decide(engine, "approve", SDO, info, "")
    sms = last_sms(engine, c.case_id)
    assert (sms.template, sms.language) == ("revision_approved_run", language)
    wanted = {"en": ["3 bills 08-2026 to 10-2026 revised: Rs 3,371.19 in all, due 13-12-2026",
                     "surcharge Rs 34.65 waived", c.case_id],
              "hi": ["3 बिल 08-2026-10-2026 संशोधित, कुल ₹3,371.19 देय 13-12-2026", "अधिभार ₹34.65 माफ", c.case_id]}
    for words in wanted[language]:
        assert words in sms.text, sms.text
    assert parts.count(sms.text) <= (1 if language == "en" else 2)


def test_the_consumer_is_told_why_a_revision_was_sent_back(engine):
    from wss_tui.store import revision

    c = complaint(engine)
    info = propose(engine, c, arrear_by(engine, c.bill_no, 1_000_00))
    with db.write(engine) as s:
        revision.reject(s, SDO, info.approval_todo_id, version(engine, SDO, info.approval_todo_id),
                        "Receipt of 12-10 not found in the cash book; attach it and propose again")
    sms = last_sms(engine, c.case_id)
    assert sms.template == "revision_rejected"
    # Cut to 40 characters (outbox.REASON_CHARS): its first 37, then "...".
    assert "Receipt of 12-10 not found in the cas..." in sms.text
    assert parts.count(sms.text) <= (1 if sms.language == "en" else 2)
    assert detail(engine, CLERK, c.todo_id).status == "Being Worked On"
