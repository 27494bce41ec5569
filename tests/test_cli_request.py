"""`wss request new|status` and `wss account show` as a user runs them: exit codes, stdout and stderr.

Through the command's entry point in this process (tests/_cli.py); a real process for the first receipt
(the installed command end to end) and where the environment sets a limit (read once per process)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import pytest

from wss_tui.store import numbers

from ._cli import wss as run_wss
from ._intake_data import JPEG, PDF, counts, execute, free_bill, open_case_bill, staff_of

REASON = "Meter reads 4512 but the bill charges for 5120 units"


def wss(demo_url, *args):
    return run_wss("--db", demo_url, *args)


def wss_process(demo_url, *args, env: dict | None = None):
    return subprocess.run([sys.executable, "-m", "wss_tui", "--db", demo_url, *args], capture_output=True, text=True,
                          timeout=60, env={**os.environ, **(env or {})})


def refused(result, line: str):
    """Exit 1 and exactly one `error:` line on stderr, no traceback, nothing on stdout."""
    assert result.returncode == 1, (result.stdout, result.stderr)
    assert result.stderr == f"error: {line}\n"
    assert result.stdout == ""


def test_new_request_prints_its_id_and_status_shows_it(engine, demo_url, tmp_path):
    account_id, bill_no, sub = free_bill(engine)
    scan = tmp_path / "scan.jpg"
    scan.write_bytes(JPEG)
    before = counts(engine)
    result = wss_process(demo_url, "request", "new", "--account", account_id, "--bill", bill_no, "--reason", REASON,
                         "--attach", str(scan))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert re.fullmatch(r"Request ID: \d{10}", lines[0])
    request_id = lines[0].split()[-1]
    assert any(f"for TR-SDC at {sub}" in line for line in lines)
    assert any(re.fullmatch(r"Assigned to: .+ \(\w+-SDC[12]\)", line) for line in lines)
    assert any(line.startswith("SMS with the request ID queued to ******") for line in lines)
    assert counts(engine)["attachment"] == before["attachment"] + 1

    status = wss(demo_url, "request", "status", request_id)
    assert status.returncode == 0, status.stderr
    assert f"Request ID     {request_id}" in status.stdout
    assert "Request Type   Bill Revision Through WSS" in status.stdout
    assert "Status         Initiate Bill Complaint (open)" in status.stdout
    assert re.search(r"^Assigned to    .+ \(\w+-SDC[12]\)$", status.stdout, re.M)
    assert "Open Date      28-11-2026" in status.stdout
    assert re.search(r"28-11-2026 11:00:00AM  Created\s+Bill Correction Request received through WSS", status.stdout)
    assert "scan.jpg (image/jpeg" in status.stdout


def test_json_receipt_and_json_status(engine, demo_url):
    account_id, bill_no, sub = free_bill(engine, system="MPOWER")
    result = wss(demo_url, "request", "new", "--account", account_id, "--bill", bill_no, "--reason", REASON, "--json")
    assert result.returncode == 0, result.stderr
    receipt = json.loads(result.stdout)
    assert set(receipt) == {"request_id", "todo_id", "status", "office", "role", "assigned_to", "assigned_to_name"}
    assert (receipt["status"], receipt["office"], receipt["role"]) == ("Initiate Bill Complaint", sub, "TR-SDC")
    assert re.fullmatch(r"\d{10}", receipt["request_id"]) and re.fullmatch(r"\d{14}", receipt["todo_id"])

    status = json.loads(wss(demo_url, "request", "status", receipt["request_id"], "--json").stdout)
    assert status["request_id"] == receipt["request_id"] and status["account_id"] == account_id
    assert (status["request_type"], status["status"], status["is_open"]) == ("Bill Revision Through WSS", "Initiate Bill Complaint", True)
    assert [entry["log_type"] for entry in status["log"]] == ["Created"]
    assert status["assigned_to"] == receipt["assigned_to"] and receipt["assigned_to"].endswith(("-SDC1", "-SDC2"))
    assert status["assigned_to_name"] == receipt["assigned_to_name"]


def test_walk_in_with_operator(engine, demo_url):
    account_id, bill_no, sub = free_bill(engine)
    operator = staff_of(engine, sub, "TR-OPR")
    result = wss(demo_url, "request", "new", "--account", account_id, "--bill", bill_no, "--reason", REASON, "--channel", "walk-in", "--operator", operator, "--json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["office"] == sub


def test_a_chief_engineer_is_not_the_walk_in_operator(engine, demo_url):
    """--operator names the counter operator: an officer whose scope covers the account is still not one."""
    account_id, bill_no, _ = free_bill(engine)
    ce = staff_of(engine, "LKO", "TR-CE")
    result = wss(demo_url, "request", "new", "--account", account_id, "--bill", bill_no, "--reason", REASON,
                 "--channel", "walk-in", "--operator", ce)
    assert result.returncode == 1 and result.stdout == ""
    assert result.stderr == f"error: operator: {ce} is TR-CE, not a counter role (TR-OPR); the request is entered by the counter operator\n"


def _bad(engine, tmp_path):
    """(arguments after `request new`, the exact error line) for each bad input."""
    account_id, bill_no, _ = free_bill(engine)
    dup_account, dup_bill, dup_case = open_case_bill(engine)
    text_pdf = tmp_path / "letter.pdf"
    text_pdf.write_text("Sir, my bill is wrong.")
    empty = tmp_path / "empty.png"
    empty.write_bytes(b"")
    ok = ["--account", account_id, "--bill", bill_no, "--reason", REASON]
    return {
        "malformed account": (
            ["--account", "49527900", "--bill", bill_no, "--reason", REASON],
            "account: 49527900 has 8 digits; a CC&B account ID has 10 and an mPower account number 12",
        ),
        "unknown account": (
            ["--account", "0000000001", "--bill", bill_no, "--reason", REASON],
            "account: no account 0000000001; check the number on the consumer's bill",
        ),
        "bill of another account": (
            ["--account", account_id, "--bill", dup_bill, "--reason", REASON],
            f"bill: bill {dup_bill} is not a bill of account {account_id}; give the bill number printed on its bill",
        ),
        "no bill": (
            ["--account", account_id, "--reason", REASON],
            "bill: a Bill Correction Request needs the disputed bill number; give one of the account's bills",
        ),
        "empty reason": (
            ["--account", account_id, "--bill", bill_no, "--reason", ""],
            "reason: give the reason for the request: what is wrong with the bill",
        ),
        "short reason": (
            ["--account", account_id, "--bill", bill_no, "--reason", "too high"],
            "reason: the reason is 8 characters; write at least 10 saying what is wrong",
        ),
        "open complaint on the bill": (
            ["--account", dup_account, "--bill", dup_bill, "--reason", REASON],
            f"bill: bill {dup_bill} already has an open complaint, request ID {dup_case}; follow that request instead of a new one",
        ),
        "attachment missing": (
            [*ok, "--attach", str(tmp_path / "nowhere.pdf")],
            f"attach: {tmp_path / 'nowhere.pdf'}: no such file; check the path",
        ),
        "attachment is a directory": (
            [*ok, "--attach", str(tmp_path)],
            f"attach: {tmp_path} is a directory; name the document file inside it",
        ),
        "attachment is text named pdf": (
            [*ok, "--attach", str(text_pdf)],
            "attach: letter.pdf is not a PDF / JPEG / PNG document (judged by its content, not its name); "
            "attach a scan or photo of the document",
        ),
        "attachment empty": (
            [*ok, "--attach", str(empty)],
            "attach: empty.png is empty; attach the scanned bill or document itself",
        ),
        "walk-in without operator": (
            [*ok, "--channel", "walk-in"],
            "operator: a walk-in request is entered by a counter operator; give the operator's user ID",
        ),
    }


BAD_NAMES = [
    "malformed account",
    "unknown account",
    "bill of another account",
    "no bill",
    "empty reason",
    "short reason",
    "open complaint on the bill",
    "attachment missing",
    "attachment is a directory",
    "attachment is text named pdf",
    "attachment empty",
    "walk-in without operator",
]


@pytest.mark.parametrize("name", BAD_NAMES)
def test_bad_input_exits_1_with_one_error_line_and_writes_nothing(engine, demo_url, tmp_path, name):
    args, line = _bad(engine, tmp_path)[name]
    before = counts(engine)
    refused(wss(demo_url, "request", "new", *args), line)
    assert counts(engine) == before


def test_an_unknown_request_type_is_a_usage_error_naming_the_types(engine, demo_url):
    account_id, bill_no, _ = free_bill(engine)
    before = counts(engine)
    result = wss(demo_url, "request", "new", "--account", account_id, "--bill", bill_no, "--reason", REASON, "--type", "refund")
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == (
        "error: Invalid value for '--type': 'refund' is not one of 'bill-correction', 'mobile-email', 'name-address', "
        "'category-change', 'ownership-change', 'meter', 'load-change', 'permanent-disconnection'. "
        "(see `wss request new --help`)\n")
    assert counts(engine) == before


def test_permanently_disconnected_account_is_refused(engine, demo_url):
    account_id, bill_no, _ = free_bill(engine)
    execute(engine, "UPDATE account SET status = 'PD' WHERE account_id = :a", a=account_id)
    before = counts(engine)
    refused(
        wss(demo_url, "request", "new", "--account", account_id, "--bill", bill_no, "--reason", REASON),
        f"account: account {account_id} is permanently disconnected; a request cannot be registered on it "
        "(for a final-bill dispute, the consumer applies at the sub-division office)",
    )
    assert counts(engine) == before


def test_attachment_over_the_limit_set_by_environment(engine, demo_url, tmp_path):
    account_id, bill_no, _ = free_bill(engine)
    big = tmp_path / "big.pdf"
    big.write_bytes(PDF + b"\n" * 2000)
    before = counts(engine)
    refused(
        wss_process(demo_url, "request", "new", "--account", account_id, "--bill", bill_no, "--reason", REASON,
                    "--attach", str(big), env={"WSS_MAX_ATTACHMENT_BYTES": "1024"}),
        f"attach: big.pdf is {numbers.size_text(len(PDF) + 2000)}, over the 1 KB limit; scan at a lower resolution or attach fewer pages",
    )
    assert counts(engine) == before


@pytest.mark.parametrize(
    "args, words",
    [
        (["--reason", REASON, "--channel", "fax"], "Invalid value for '--channel'"),
        (["--reason"], "Option '--reason' requires an argument"),
        (["--reason", REASON, "--colour", "red"], "No such option: --colour"),
    ],
)
def test_usage_errors_keep_typers_exit_2(engine, demo_url, args, words):
    account_id, bill_no, _ = free_bill(engine)
    before = counts(engine)
    result = wss(demo_url, "request", "new", "--account", account_id, "--bill", bill_no, *args)
    assert result.returncode == 2
    assert words in result.stderr and "Traceback" not in result.stderr
    assert counts(engine) == before


def test_missing_reason_option_is_a_usage_error(engine, demo_url):
    account_id, bill_no, _ = free_bill(engine)
    result = wss(demo_url, "request", "new", "--account", account_id, "--bill", bill_no)
    assert result.returncode == 2 and "Missing option '--reason'" in result.stderr


@pytest.mark.parametrize(
    "request_id, line",
    [
        ("12345", "request: '12345' is not a request ID; type the 10 digits of the registration number from the SMS"),
        ("0000000001", "request: no request 0000000001; check the registration number from the SMS"),
    ],
)
def test_status_of_malformed_or_unknown_request(demo_url, request_id, line):
    refused(wss(demo_url, "request", "status", request_id), line)


def test_account_show_text_and_json(engine, demo_url):
    account_id, bill_no, sub = free_bill(engine)
    result = wss(demo_url, "account", "show", account_id)
    assert result.returncode == 0, result.stderr
    assert account_id in result.stdout and sub in result.stdout and bill_no in result.stdout
    assert "Account Activity History" in result.stdout and "Current Balance" in result.stdout
    bills = result.stdout.split("\nBills")[-1]  # written to a pipe: Rich's 80 columns
    assert "Open Case" in bills and "…" not in bills  # no state, number or request ID cut short
    assert all(len(line) <= 80 for line in result.stdout.splitlines())

    data = json.loads(wss(demo_url, "account", "show", account_id, "--json").stdout)
    assert (data["account_id"], data["system_label"], data["office_code"]) == (account_id, "CC&B", sub)
    assert len(data["bills"]) == 12 and bill_no in {b["bill_no"] for b in data["bills"]}
    assert all("description" in item for item in data["activity"])
    assert data["open_todo_count"] == len(data["open_todos"])


def test_account_show_refuses_unknown_and_malformed(demo_url):
    refused(wss(demo_url, "account", "show", "0000000001"), "account: no account 0000000001; check the number on the consumer's bill")
    refused(
        wss(demo_url, "account", "show", "12AB"),
        "account: '12AB' is not an account ID; type its 10 (CC&B) or 12 (mPower) digits only",
    )
