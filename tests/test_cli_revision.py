"""`wss revision propose|approve|reject` as a script runs them: the screen's store calls and rules."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date

import pytest

from ._revision_data import CLERK, EE, SDO, bill_of, complaint, counts, execute

pytestmark = pytest.mark.usefixtures("queue_routing")


def wss(demo_url, *args):
    return subprocess.run([sys.executable, "-m", "wss_tui", "--db", demo_url, "revision", *args],
                          capture_output=True, text=True, timeout=60)


def refused(result, starts: str):
    assert (result.returncode, result.stdout) == (1, ""), result.stderr
    assert result.stderr.startswith(f"error: {starts}") and result.stderr.count("\n") == 1


def test_a_proposal_and_its_approval_round_trip(engine, demo_url):
    c = complaint(engine)
    bill = bill_of(engine, c.bill_no)
    # The arrear alone raised by Rs 1,000.00: duty is on fixed and energy charges only, so the bill
    # rises by exactly Rs 1,000.00 — within the SDO's Rs 50,000, and the clerk's checker is the SDO.
    arrear = f"{(bill.arrear_paise + 1_000_00) / 100:.2f}"
    out = wss(demo_url, "propose", c.todo_id, "--user", CLERK, "--reason", "arrear", "--arrear", arrear,
              "--remark", "Payment of 12-10 not adjusted against this bill", "--json")
    assert out.returncode == 0, out.stderr
    proposed = json.loads(out.stdout)
    assert (proposed["status"], proposed["maker_id"], proposed["difference_paise"]) == ("PROPOSED", CLERK, 1_000_00)
    assert (proposed["route"]["role"], proposed["amount_before_paise"]) == ("TR-SDO", bill.amount_paise)
    approval = proposed["approval_todo_id"]

    before = counts(engine)
    refused(wss(demo_url, "approve", approval, "--user", CLERK), "approver: ")  # the maker, and without power
    assert counts(engine) == before
    out = wss(demo_url, "approve", approval, "--user", SDO, "--note", "Checked the receipt")
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith(f"Revision {proposed['revision_id']}: APPROVED\n")
    assert f"Decided by {SDO}" in out.stdout and "revised bill" in out.stdout
    assert bill_of(engine, c.bill_no).state == "REVISED"
    refused(wss(demo_url, "approve", approval, "--user", SDO), "")  # decided already: one line, exit 1


def test_a_rejection_and_bad_input_are_one_line(engine, demo_url):
    c = complaint(engine)
    before = counts(engine)
    refused(wss(demo_url, "propose", c.todo_id, "--user", CLERK, "--reason", "READING", "--reading", "4x12",
                "--remark", "Meter photo shows a lower reading"), "reading: ")
    refused(wss(demo_url, "propose", c.todo_id, "--user", CLERK, "--reason", "NOPE", "--units", "10",
                "--remark", "Meter photo shows a lower reading"), "reason: choose the reason code")
    assert counts(engine) == before
    out = wss(demo_url, "propose", c.todo_id, "--user", CLERK, "--reason", "UNITS", "--units", "1",
              "--remark", "Meter photo shows one unit used", "--json")
    assert out.returncode == 0, out.stderr
    approval = json.loads(out.stdout)["approval_todo_id"]
    out = wss(demo_url, "reject", approval, "--user", SDO, "--reason", "Attach the meter photo first", "--json")
    assert out.returncode == 0, out.stderr
    done = json.loads(out.stdout)
    assert (done["status"], done["checker_id"], done["decision_note"]) == ("REJECTED", SDO, "Attach the meter photo first")
    usage = wss(demo_url, "approve", approval)  # no --user: the command line itself is wrong
    assert usage.returncode == 2 and usage.stderr.startswith("error: ")


def test_a_meter_change_with_old_mf_2_round_trips_with_its_lps_and_due_date(engine, demo_url):
    c = complaint(engine)
    execute(engine, "UPDATE bill SET prev_reading = 4512, curr_reading = 35, multiplying_factor = 1, "
                    "due_date = :due WHERE bill_no = :b", due=date(2026, 8, 20), b=c.bill_no)
    bill = bill_of(engine, c.bill_no)
    # Old meter 4,512 → 4,552 at MF 2 (80) and new meter 5 → 35 at MF 1 (30): 110 units.
    out = wss(demo_url, "propose", c.todo_id, "--user", CLERK, "--reason", "METER-CHANGE", "--old-final", "4552",
              "--old-mf", "2", "--new-initial", "5", "--remark", "Meter replaced on 12-08; MRI report attached",
              "--json")
    assert out.returncode == 0, out.stderr
    p = json.loads(out.stdout)
    a = p["after"]
    meter = (a["units"], a["old_final_reading"], a["old_multiplying_factor"], a["new_initial_reading"])
    assert meter == (110, 4552, 2, 5)
    assert (a["multiplying_factor"], a["rollover_digits"], p["flags"]) == (1, None, [])
    assert (p["due_date_before"], p["due_date_after"], p["revised_due_days"]) == ("2026-08-20", None, 15)
    # The bill rises (110 units against the 35 billed): no surcharge to reverse.
    assert p["difference_paise"] > 0 and p["lps"]["paise"] == 0 and p["balance_change_paise"] == p["difference_paise"]
    out = wss(demo_url, "approve", p["approval_todo_id"], "--user", SDO if p["route"]["role"] == "TR-SDO" else EE)
    assert out.returncode == 0, out.stderr
    assert "Meter changed: old meter 4,512 -> 4,552 x MF 2, new meter 5 -> 35 x MF 1: 110 units\n" in out.stdout
    assert "Due date 20-08-2026 -> 13-12-2026\n" in out.stdout
    assert bill_of(engine, c.bill_no).amount_paise == bill.amount_paise


def test_a_rollover_and_an_lps_reversal_in_json(engine, demo_url):
    c = complaint(engine)
    execute(engine, "UPDATE bill SET prev_reading = 99950, curr_reading = 99990, multiplying_factor = 1, "
                    "due_date = :due WHERE bill_no = :b", due=date(2026, 8, 20), b=c.bill_no)
    before = bill_of(engine, c.bill_no)
    # 99,950 → 99,960 is 10 units where 40 were billed: a credit, with the surcharge charged on it.
    out = wss(demo_url, "propose", c.todo_id, "--user", CLERK, "--reason", "READING", "--reading", "99960",
              "--remark", "Meter photo shows 99960 on the billing date", "--json")
    assert out.returncode == 0, out.stderr
    p = json.loads(out.stdout)
    assert p["after"]["units"] == 10 and p["difference_paise"] < 0
    disputed = before.amount_paise - p["after"]["amount_paise"]
    # 3 whole months past 20-08 at 1.25% a month, half up.
    lps = int(disputed * 3 * 125 / 10_000 + 0.5)
    assert (p["lps"]["months"], p["lps"]["disputed_paise"], p["lps"]["paise"]) == (3, disputed, lps)
    assert p["balance_change_paise"] == p["difference_paise"] - lps
    d = complaint(engine)  # the register passing 99,999: 100,000 - 99,950 + 30 = 80 units, flagged
    execute(engine, "UPDATE bill SET prev_reading = 99950, curr_reading = 99990 WHERE bill_no = :b", b=d.bill_no)
    out = wss(demo_url, "propose", d.todo_id, "--user", CLERK, "--reason", "READING", "--reading", "30",
              "--remark", "Meter photo shows 00030: the register passed 99999", "--json")
    assert out.returncode == 0, out.stderr
    rolled = json.loads(out.stdout)
    assert (rolled["after"]["units"], rolled["after"]["rollover_digits"]) == (80, 5)
    assert rolled["flags"] == ["register rollover (5 digits): check the reading"]


def test_meter_change_nonsense_on_the_command_line(engine, demo_url):
    c = complaint(engine)
    execute(engine, "UPDATE bill SET prev_reading = 4512, curr_reading = 35 WHERE bill_no = :b", b=c.bill_no)
    before = counts(engine)
    remark = ("--remark", "Meter replaced on 12-08; MRI report attached")
    refused(wss(demo_url, "propose", c.todo_id, "--user", CLERK, "--reason", "METER-CHANGE", "--old-final", "4552",
                "--new-initial", "5", *remark), "meter change: needs the old meter's multiplying factor")
    refused(wss(demo_url, "propose", c.todo_id, "--user", CLERK, "--reason", "METER-CHANGE", "--old-final", "4500",
                "--old-mf", "2", "--new-initial", "5", *remark),
            "old final: the old meter's final reading 4,500 is below")
    refused(wss(demo_url, "propose", c.todo_id, "--user", CLERK, "--reason", "READING", "--reading", "30",
                "--digits", "9", *remark), "digits: a meter register has 4 to 7 digits")
    refused(wss(demo_url, "propose", c.todo_id, "--user", CLERK, "--reason", "READING", "--reading", "30", *remark),
            "reading: 30 is lower than the previous reading 4,512 and 95,518 units is too many")
    assert counts(engine) == before
