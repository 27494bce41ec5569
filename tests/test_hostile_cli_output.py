"""Stored text printed by the CLI as typed: Rich markup not interpreted (no OSC 8 hyperlink from a
consumer's name), control characters shown as visible marks, and `--json` escaping them (issue 11,
findings 1 and 2). The corpus is planted past the store's checks (tests/_hostile_data.py)."""

from __future__ import annotations

import json
from unittest.mock import patch

import pytest
from hypothesis import given
from hypothesis import strategies as st

from wss_tui.cli.base import print_json
from wss_tui.store.text import is_refused, visible

from . import _hostile_data as data
from ._cli import wss as run_wss
from ._hostile_data import plant
from ._revision_data import CLERK, DIVISION, SUB
from .hostile import assert_no_control

# Revision and closure flows start from a To Do taken from the queue, as before routing (test_routing.py
# covers who a new To Do is routed to).
pytestmark = pytest.mark.usefixtures("queue_routing")


@pytest.fixture
def planted(engine):
    return plant(engine)


def wss(demo_url, *args) -> str:
    """stdout of a successful `wss …`, checked to hold no terminal control at all."""
    result = run_wss("--db", demo_url, *args, columns=200)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert_no_control(result.stdout)
    return result.stdout


def shown(value: str) -> str:
    return visible(value, multiline=False)


def test_account_show_prints_names_and_addresses_literally(demo_url, planted):
    out = wss(demo_url, "account", "show", planted.account_id)
    for value in (data.PERSON, data.PREMISE, data.TOWN, data.OFFICE_NAME, data.CONTACT_CLASS, data.CONTACT_TYPE):
        assert shown(value) in out, f"{shown(value)!r} not in\n{out}"


def test_account_show_json_escapes_every_control_and_round_trips(demo_url, planted):
    got = json.loads(wss(demo_url, "account", "show", planted.account_id, "--json"))
    assert (got["person_name"], got["premise_address"], got["town"]) == (data.PERSON, data.PREMISE, data.TOWN)
    assert got["office_name"] == data.OFFICE_NAME


def test_request_status_prints_the_case_log_literally(demo_url, planted):
    out = wss(demo_url, "request", "status", planted.case_id)
    assert f"Comments       {shown(data.COMMENT)}\n" in out
    for details in planted.log:
        assert f"  {shown(details)}\n" in out, f"{shown(details)[:80]!r} not in the case log"


def test_request_status_json_round_trips(demo_url, planted):
    got = json.loads(wss(demo_url, "request", "status", planted.case_id, "--json"))
    assert got["comments"] == data.COMMENT
    assert [line["details"] for line in got["log"]][-len(planted.log):] == planted.log


@pytest.mark.parametrize("office, name", [(SUB, data.OFFICE_NAME), (DIVISION, data.DIVISION_NAME)],
                         ids=["sub-division", "division"])
def test_mis_prints_the_office_name_literally(demo_url, planted, office, name):
    out = wss(demo_url, "mis", "--office", office)
    assert out.startswith(f"MIS · {shown(name)} · by ")
    assert json.loads(wss(demo_url, "mis", "--office", office, "--json"))["office_name"] == name


def test_sms_list_prints_the_gateways_error_literally(demo_url, planted):
    out = wss(demo_url, "sms", "list", "--failed")
    assert all(len(line) <= 80 for line in out.splitlines())
    # The request line and the error are wrapped to 80 columns: read them back as one line.
    assert f"request {planted.case_id} · {shown(data.SMS_ERROR)}" in " ".join(line.strip() for line in out.splitlines())
    got = json.loads(wss(demo_url, "sms", "list", "--failed", "--json"))
    assert data.SMS_ERROR in [m["last_error"] for m in got]


def test_staff_list_prints_names_literally(demo_url, planted):
    out = wss(demo_url, "staff", "list", "--office", SUB)
    line = next(line for line in out.splitlines() if line.startswith(CLERK + " "))
    assert shown(data.STAFF_NAME)[:20] in line  # the name may be cut to fit 80 columns
    got = json.loads(wss(demo_url, "staff", "list", "--office", SUB, "--json"))
    assert data.STAFF_NAME in [s["name"] for s in got["staff"]]


@given(st.dictionaries(st.text(), st.lists(st.text(), max_size=3), max_size=3))
def test_json_output_escapes_whatever_a_terminal_would_act_on_and_reads_back_the_same(payload):
    """Any text, lone surrogates included (bytes that were not UTF-8), prints as JSON with no control."""
    with patch("typer.echo") as echo:
        print_json(payload)
    out = echo.call_args.args[0]
    assert json.loads(out) == payload
    assert all(not is_refused(ch) for ch in out.replace("\n", ""))
    out.encode("utf-8")  # printable at all: no lone surrogate left raw


def test_demo_prints_the_sample_consumers_names_literally(monkeypatch):
    """`wss demo` lists sample accounts by the person's name: shown through plain() like any stored name."""
    from typer.testing import CliRunner

    from wss_tui.cli.base import app as cli
    from wss_tui.store import demo as demo_store

    person = data.PERSON
    summary = demo_store.DemoSummary(db="sqlite:///x.db", accounts=1, logins=[
        dict(user_id="INR1-SDC1", password="clerk@123", role="TR-SDC", office="ESD-INR-1")],
        sample_accounts=[dict(account_id="1234567890", system="CC&B", bill_no="123456789012", person=person,
                              office="ESD-INR-1", counter="INR1-OPR")])
    monkeypatch.setattr(demo_store, "build", lambda *args, **kwargs: summary)
    monkeypatch.setattr("wss_tui.cli.demo.engine", lambda ctx, **kwargs: None)
    monkeypatch.setenv("COLUMNS", "200")
    result = CliRunner().invoke(cli, ["demo"])
    assert result.exit_code == 0, result.output
    assert_no_control(result.output)
    assert shown(person) in result.output
