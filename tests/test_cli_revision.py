"""`wss revision propose|approve|reject` as a script runs them: the screen's store calls and rules."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from ._revision_data import CLERK, EE, SDO, bill_of, complaint, counts

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
