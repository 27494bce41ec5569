"""A revision that covers a run of consecutive bills (store/revision/run.py): the months re-billed each
or the actual units spread over them, one approval at the total's level of powers, every month posted
in one transaction. Figures worked by hand from data/tariff.toml (LMV-1 urban: Rs 110/kW fixed, slabs
150 @ 5.50, 300 @ 6.00, 500 @ 6.50, then 7.00, 5% duty; LMV-2 urban: Rs 330/kW, 300 @ 7.50,
1000 @ 8.40, then 8.75, 7.5% duty), slab bounds and fixed charge scaled by days / 30."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date

import pytest
from sqlalchemy import select

from wss_tui.store import db
from wss_tui.store.errors import Invalid, NotFound, Stale
from wss_tui.store.models import BillRevisionMonth, CaseLog
from wss_tui.store.revision import powers
from wss_tui.store.revision.calc import Correction
from wss_tui.store.revision.run import RunRequest, spread_units

from ._revision_data import CLERK, EE, SDO, counts, detail, execute, one
from ._run_data import ACCOUNT, ASSESSED, SPREAD_REMARK, complain, decide, make_run, propose_run

pytestmark = pytest.mark.usefixtures("queue_routing")


def test_spread_units_whole_by_days_remainder_on_the_last():
    assert spread_units(461, [31, 30, 31]) == [155, 150, 156]  # 155.33, 150.33, the rest
    assert spread_units(460, [31, 30, 31]) == [155, 150, 155]
    assert spread_units(10.5, [30, 30]) == [5, 5.5]
    assert spread_units(0, [31, 30]) == [0, 0]


def test_three_assessed_months_spread_to_an_actual_reading(engine):
    bills = make_run(engine, ASSESSED)
    c = complain(engine, ACCOUNT, bills[2])  # the consumer disputes the last average bill
    before = counts(engine)
    info = propose_run(engine, c, Correction("BASIS", SPREAD_REMARK, curr_reading=1461),
                       RunRequest(from_bill=bills[0], spread=True))
    # (1,461 - 1,000) x MF 1 = 461 units over 92 days: Aug 461 x 31/92 = 155.33 -> 155, Sep 461 x 30/92
    # = 150.33 -> 150, Oct the rest, 156.
    assert [m.after.units for m in info.months] == [155, 150, 156]
    assert [m.after.basis for m in info.months] == ["ASS", "ASS", "ACT"]
    assert [m.after.curr_reading for m in info.months] == [None, None, 1461]
    # Aug: 227.33 + 155 @ 5.50 = 852.50, duty 5% of 1,079.83 = 53.99: Rs 1,133.82.
    # Sep: 220 + 150 @ 5.50 = 825, duty 52.25: Rs 1,097.25.
    # Oct: 227.33 + 155 @ 5.50 + 1 @ 6.00 = 858.50, duty 5% of 1,085.83 = 54.29: Rs 1,140.12.
    assert [(m.after.fixed_paise, m.after.energy_paise, m.after.duty_paise, m.after.amount_paise)
            for m in info.months] == [(22733, 85250, 5399, 113382), (22000, 82500, 5225, 109725),
                                      (22733, 85850, 5429, 114012)]
    assert [m.difference_paise for m in info.months] == [113382 - 204732, 109725 - 204225, 114012 - 204732]
    # Rs 3,371.19 for Rs 6,136.89 billed: Rs 2,765.70 back, within the SDO's power.
    assert info.difference_paise == 337119 - 613689 == -276570
    assert (info.run_basis, info.route.role, info.bill_no, info.after.amount_paise) == ("SPREAD", "TR-SDO",
                                                                                        bills[2], 114012)
    # The surcharge reversed, each month's from its own due date (its month end + 18 days) to 28-11-2026
    # at 1.25% a month: Aug (due 18-09, 2 months) 913.50 x 2.5% = 22.84, Sep (due 18-10, 1 month)
    # 945.00 x 1.25% = 11.81, Oct (due 18-11) none yet: Rs 34.65.
    assert (info.lps.paise, info.lps.disputed_paise, info.balance_change_paise) == (3465, 276570, -276570 - 3465)
    after = counts(engine)
    assert {t: after[t] - before[t] for t in after if after[t] != before[t]} == {
        "bill_revision": 1, "todo": 1, "todo_log": 2, "case_log": 2, "sms_outbox": 1}
    assert one(engine, "SELECT count(*) FROM bill_revision_month WHERE revision_id = :r", r=info.revision_id)[0] == 3
    approval = detail(engine, SDO, info.approval_todo_id)
    assert f"on 3 bills from {bills[0]}" in approval.message
    with db.read(engine) as s:
        proposed = s.scalars(select(CaseLog.details).where(CaseLog.case_id == c.case_id,
                                                           CaseLog.log_type == "Revision Proposed")).one()
    assert "3 bills" in proposed and "461 units spread by days" in proposed


def test_a_run_re_billed_each_month_for_a_wrong_category(engine):
    # Domestic supply billed as LMV-2 (1 kW, 100 units a month, read). Jul and Aug (31 days): fixed 330
    # x 31/30 = 341, 100 @ 7.50 = 750, duty 7.5% of 1,091 = 81.83: Rs 1,172.83. Sep: 330 + 750 + 81:
    # Rs 1,161.00.
    bills = make_run(engine, [
        {"prev": 1000, "curr": 1100, "units": 100, "fixed": 34100, "energy": 75000, "duty": 8183, "amount": 117283},
        {"prev": 1100, "curr": 1200, "units": 100, "fixed": 34100, "energy": 75000, "duty": 8183, "amount": 117283},
        {"prev": 1200, "curr": 1300, "units": 100, "fixed": 33000, "energy": 75000, "duty": 8100, "amount": 116100},
    ], category="LMV-2", load=1)
    c = complain(engine, ACCOUNT, bills[1])  # the middle bill; the run around it
    info = propose_run(engine, c, Correction("CATEGORY", "Domestic house; LMV-2 since the July bills", category="LMV-1"),
                       RunRequest(from_bill=bills[0], through_bill=bills[2]))
    # As LMV-1: Jul and Aug 110 x 31/30 = 113.67, 100 @ 5.50 = 550, duty 5% of 663.67 = 33.18: Rs 696.85.
    # Sep: 110 + 550 + 33: Rs 693.00.
    assert [(m.after.tariff_category, m.after.units, m.after.amount_paise) for m in info.months] == [
        ("LMV-1", 100, 69685), ("LMV-1", 100, 69685), ("LMV-1", 100, 69300)]
    assert info.difference_paise == 208670 - 350666 == -141996
    assert (info.run_basis, info.bill_no, info.after.amount_paise) == ("EACH", bills[1], 69685)


def test_each_month_its_own_units(engine):
    bills = make_run(engine, ASSESSED)
    c = complain(engine, ACCOUNT, bills[0])
    info = propose_run(engine, c, Correction("UNITS", "Units from the meter-reading agency's corrected book"),
                       RunRequest(through_bill=bills[2], units_each=(155, 150, 156)))
    assert [m.after.amount_paise for m in info.months] == [113382, 109725, 114012]  # as the spread above
    assert [m.after.basis for m in info.months] == ["ASS", "ASS", "ASS"]


def test_one_approval_at_the_total_power_level(engine):
    # 4,000 units a month assessed, 1,000 used: each month about Rs 21,000 too much (under the SDO's
    # Rs 50,000), the run about Rs 63,000 (the EE's).
    big = {"prev": 1000, "units": 4000, "basis": "ASS", "fixed": 22733, "energy": 2500000, "duty": 126137,
           "amount": 2648870}
    bills = make_run(engine, [{**big, "first": date(2026, 8, 1)}, {**big, "first": date(2026, 9, 1)},
                              {**big, "first": date(2026, 10, 1)}])
    c = complain(engine, ACCOUNT, bills[1])
    info = propose_run(engine, c, Correction("UNITS", "Consumption 1000 units a month as the meter shows", units=1000),
                       RunRequest(from_bill=bills[0], through_bill=bills[2]))
    assert all(powers.power_refusal("TR-SDO", m.difference_paise) is None for m in info.months)
    assert "TR-SDO may approve revisions up to" in str(powers.power_refusal("TR-SDO", info.difference_paise))
    assert (info.route.role, info.route.office_code) == ("TR-EE", "EDD-INR")
    with pytest.raises(NotFound):  # the division's queue: the SDO does not even see it
        decide(engine, "approve", SDO, info)
    done = decide(engine, "approve", EE, info)
    assert done.status == "APPROVED"
    balance = one(engine, "SELECT current_balance_paise FROM account WHERE account_id = :a", a=ACCOUNT)[0]
    assert balance == info.balance_change_paise  # the run's total difference, less the surcharge reversed


def refused(engine, c, correction, bills, match):
    before = counts(engine)
    with pytest.raises(Invalid, match=match):
        propose_run(engine, c, correction, bills)
    assert counts(engine) == before


def test_runs_refused_with_one_line_each(engine):
    five = [{**ASSESSED[i % 3], "first": date(2026, 6 + i, 1)} for i in range(5)]  # Jun .. Oct
    bills = make_run(engine, five)
    other = make_run(engine, ASSESSED[:1], account_id="3399000025")
    c = complain(engine, ACCOUNT, bills[2])
    spread = Correction("BASIS", SPREAD_REMARK, curr_reading=1461)
    units = Correction("UNITS", "Units from the corrected reading book", units=100)
    refused(engine, c, units, RunRequest(through_bill=other[0]), "is not a bill of account 3399000017")
    refused(engine, c, units, RunRequest(from_bill=bills[3], through_bill=bills[4]), "must include the case's bill")
    refused(engine, c, Correction("BASIS", SPREAD_REMARK), RunRequest(through_bill=bills[3], spread=True),
            "enter the actual reading")
    refused(engine, c, spread, RunRequest(through_bill=bills[3]), "a reading is of one month")
    refused(engine, c, units, RunRequest(through_bill=bills[3], units_each=(1, 2)), "each month's own, not both")
    refused(engine, c, Correction("UNITS", "Units from the corrected reading book"),
            RunRequest(through_bill=bills[4], units_each=(1, 2)), "give 3 units, one for each bill")
    refused(engine, c, Correction("BASIS", SPREAD_REMARK, curr_reading=900),
            RunRequest(through_bill=bills[3], spread=True), "lower than the run's first previous reading 1,000")
    # A bill with an open case of its own, a held one, a revised one, a gap.
    d = complain(engine, ACCOUNT, bills[3])
    refused(engine, c, units, RunRequest(through_bill=bills[4]), "has an open case of its own, request ID " + d.case_id)
    one_id = bills[1]
    execute(engine, "UPDATE bill SET state = 'HELD' WHERE bill_no = :b", b=one_id)
    refused(engine, c, units, RunRequest(from_bill=bills[0]), f"bill {one_id} .* is HELD")
    execute(engine, "UPDATE bill SET state = 'REVISED' WHERE bill_no = :b", b=one_id)
    refused(engine, c, units, RunRequest(from_bill=bills[0]), "has been revised already")
    execute(engine, "UPDATE bill SET state = 'ISSUED' WHERE bill_no = :b", b=one_id)
    execute(engine, "UPDATE bill SET period_from = :d WHERE bill_no = :b", d=date(2026, 7, 2), b=one_id)
    refused(engine, c, units, RunRequest(from_bill=bills[0]), "are not consecutive")


def test_approving_a_run_posts_every_month_in_one_go(engine):
    bills = make_run(engine, ASSESSED)
    c = complain(engine, ACCOUNT, bills[2])
    info = propose_run(engine, c, Correction("BASIS", SPREAD_REMARK, curr_reading=1461),
                       RunRequest(from_bill=bills[0], spread=True))
    done = decide(engine, "approve", SDO, info, "Checked the meter photo")
    assert done.status == "APPROVED" and done.new_bill_no == bills[2] + "R1"
    assert [m.new_bill_no for m in done.months] == [b + "R1" for b in bills]
    for b, units, amount in zip(bills, (155, 150, 156), (113382, 109725, 114012), strict=True):
        assert one(engine, "SELECT state FROM bill WHERE bill_no = :b", b=b)[0] == "REVISED"
        new = one(engine, "SELECT * FROM bill WHERE bill_no = :b", b=b + "R1")
        assert (new.state, new.units, new.amount_paise, str(new.due_date)) == ("ISSUED", units, amount, "2026-12-13")
    assert one(engine, "SELECT curr_reading, basis FROM bill WHERE bill_no = :b", b=bills[2] + "R1") == (1461, "ACT")
    balance = one(engine, "SELECT current_balance_paise, payoff_balance_paise FROM account WHERE account_id = :a",
                  a=ACCOUNT)
    # The run's total once, less the surcharge reversed on each month (see the spread test): 2,765.70 + 34.65.
    assert tuple(balance) == (-280035, -280035)
    with db.read(engine) as s:
        log = s.scalars(select(CaseLog.details).where(CaseLog.case_id == c.case_id,
                                                      CaseLog.log_type == "Revision Approved")).one()
    assert "the run of 3 bills" in log and f"{bills[0]} as {bills[0]}R1" in log


def test_approval_is_stale_when_a_month_changed_and_writes_nothing(engine):
    bills = make_run(engine, ASSESSED)
    c = complain(engine, ACCOUNT, bills[2])
    info = propose_run(engine, c, Correction("BASIS", SPREAD_REMARK, curr_reading=1461),
                       RunRequest(from_bill=bills[0], spread=True))
    execute(engine, "UPDATE bill SET amount_paise = amount_paise + 1 WHERE bill_no = :b", b=bills[0])
    before = counts(engine)
    with pytest.raises(Stale, match=f"bill {bills[0]} changed since revision"):
        decide(engine, "approve", SDO, info)
    assert counts(engine) == before
    assert one(engine, "SELECT state FROM bill WHERE bill_no = :b", b=bills[2])[0] == "DISPUTED"


def test_rejecting_a_run_sends_the_whole_run_back(engine):
    bills = make_run(engine, ASSESSED)
    c = complain(engine, ACCOUNT, bills[2])
    info = propose_run(engine, c, Correction("BASIS", SPREAD_REMARK, curr_reading=1461),
                       RunRequest(from_bill=bills[0], spread=True))
    done = decide(engine, "reject", SDO, info, "The photo shows 1416, not 1461; check it")
    assert done.status == "REJECTED" and [m.new_bill_no for m in done.months] == [None, None, None]
    assert [one(engine, "SELECT state FROM bill WHERE bill_no = :b", b=b)[0] for b in bills] == [
        "ISSUED", "ISSUED", "DISPUTED"]
    assert detail(engine, CLERK, c.todo_id).status == "Being Worked On"
    again = propose_run(engine, c, Correction("BASIS", SPREAD_REMARK, curr_reading=1416),
                        RunRequest(from_bill=bills[0], spread=True))
    assert [m.after.units for m in again.months] == [140, 135, 141]  # 416 x 31/92 = 140.17, x 30/92 = 135.65
    with db.read(engine) as s:
        rows = s.scalars(select(BillRevisionMonth.revision_id).distinct()).all()
    assert set(rows) >= {info.revision_id, again.revision_id}


def test_cli_proposes_a_run_and_history_shows_it(engine, demo_url):
    bills = make_run(engine, ASSESSED)
    c = complain(engine, ACCOUNT, bills[2])

    def wss(*args):
        return subprocess.run([sys.executable, "-m", "wss_tui", "--db", demo_url, *args],
                              check=False, capture_output=True, text=True, timeout=60)

    out = wss("revision", "propose", c.todo_id, "--user", CLERK, "--reason", "BASIS", "--reading", "1461",
              "--from-bill", bills[0], "--spread", "--remark", SPREAD_REMARK, "--json")
    assert out.returncode == 0, out.stderr
    proposed = json.loads(out.stdout)
    assert [m["after"]["units"] for m in proposed["months"]] == [155, 150, 156]
    assert [m["bill_no"] for m in proposed["months"]] == bills
    assert (proposed["run_basis"], proposed["difference_paise"]) == ("SPREAD", -276570)
    out = wss("revision", "approve", proposed["approval_todo_id"], "--user", SDO)
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert lines[1].startswith("3 bills of A/c 3399000017") and "spread" in lines[1]
    assert lines[3].split()[:5] == ["08-2026", bills[0], "300", "->", "155"] and lines[3].endswith(bills[0] + "R1")
    assert lines[6].startswith("Total") and "-2,765.70" in lines[6]
    out = wss("request", "history", c.case_id)
    assert out.returncode == 0, out.stderr
    assert f"of 3 bills {bills[0]} through {bills[2]} (actual units spread over the run by days)" in out.stdout
    out = wss("revision", "propose", c.todo_id, "--user", CLERK, "--reason", "UNITS", "--month-units", "1",
              "--through-bill", "12", "--remark", "Units from the reading book")
    assert (out.returncode, out.stderr.count("\n")) == (1, 1) and out.stderr.startswith("error: ")
