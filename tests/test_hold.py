"""Bills on hold (store/revision/hold.py): an officer holds an issued bill, a bill-on-hold case corrects
it or releases it as billed, and the balance after the release is what the consumer owes, by hand.

The bill of every test is set to figures written here: own charges Rs 400.00 (fixed 110.00, energy
271.00, duty 19.00) on an arrear of Rs 800.00 (older bills', on the balance already), Rs 1,200.00 in
all, on an account whose balance is Rs 2,000.00. The hold takes the bill's own 400.00 off the balance,
the release puts the released bill's own charges on.
"""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from wss_tui.store import db, history, intake, revision, sla
from wss_tui.store.errors import Denied, Invalid, NotFound
from wss_tui.store.models import BillHold, Case, SmsOutbox
from wss_tui.store.revision import hold
from wss_tui.store.revision.calc import Correction

from ._cli import wss as run_wss
from ._hold_data import balance, set_figures
from ._revision_data import ACC, CLERK, EE, OTHER_SDO, SDO, approve, bill_of, complaint, counts, execute, one

pytestmark = pytest.mark.usefixtures("queue_routing")

def put_on_hold(engine, bill_no: str, actor: str = SDO, reason: str = "Assessed for three months; meter to be read"):
    with db.write(engine) as s:
        return hold.hold(s, actor, bill_no, reason)


def open_case(engine, account_id, bill_no, correction, actor=SDO):
    with db.write(engine) as s:
        return revision.open_officer_case(s, actor, account_id, bill_no, "bill-on-hold", correction)


AS_BILLED = Correction("HOLD", "Reading checked at site; the bill was right")


# --- holding -------------------------------------------------------------------------------------------


def test_an_officer_holds_an_issued_bill_and_its_own_charges_leave_the_balance(engine, fixed_clock):
    account_id, bill_no = set_figures(engine)
    entry = put_on_hold(engine, bill_no)
    assert bill_of(engine, bill_no).state == "HELD"
    # 2,000.00 less the bill's own 400.00 (its 800.00 arrear is older bills' and stays).
    assert balance(engine, account_id) == (160000, 160000)
    assert (entry.action, entry.user_id, entry.balance_paise) == ("HOLD", SDO, -40000)
    assert entry.reason == "Assessed for three months; meter to be read" and entry.at == fixed_clock
    with db.read(engine) as s:
        assert hold.record(s, [bill_no])[bill_no] == [entry]


@pytest.mark.parametrize("state, words", [
    ("REVISED", "revised already"), ("PAID", "is paid"), ("DISPUTED", "only an issued bill"),
])
def test_a_revised_paid_or_disputed_bill_is_not_held(engine, state, words):
    account_id, bill_no = set_figures(engine)
    execute(engine, "UPDATE bill SET state = :s WHERE bill_no = :b", s=state, b=bill_no)
    before = counts(engine), balance(engine, account_id)
    with pytest.raises(Invalid, match=words):
        put_on_hold(engine, bill_no)
    assert (counts(engine), balance(engine, account_id)) == before


def test_refusals_say_what_is_wrong_in_one_line_and_write_nothing(engine):
    account_id, bill_no = set_figures(engine)
    before = counts(engine), balance(engine, account_id)
    with pytest.raises(Invalid, match="say why the bill is held"):
        put_on_hold(engine, bill_no, reason="  short ")
    with pytest.raises(Invalid, match="control character"):
        put_on_hold(engine, bill_no, reason="Held for \x1b[31m check")
    with pytest.raises(Denied, match="TR-SDC does not put bills on hold; TR-SDO or TR-EE does"):
        put_on_hold(engine, bill_no, actor=CLERK)
    with pytest.raises(Denied, match="TR-ACC does not put bills on hold"):
        put_on_hold(engine, bill_no, actor=ACC)
    with pytest.raises(NotFound, match=f"no bill {bill_no}"):  # another sub-division's SDO: as if unknown
        put_on_hold(engine, bill_no, actor=OTHER_SDO)
    with pytest.raises(NotFound, match="no bill 999999999999"):
        put_on_hold(engine, "999999999999")
    assert (counts(engine), balance(engine, account_id)) == before
    put_on_hold(engine, bill_no)
    with pytest.raises(Invalid, match=f"bill {bill_no} was put on hold by {SDO} on .*; release it through a bill-on-hold"):
        put_on_hold(engine, bill_no, actor=EE)


def test_only_the_latest_bill_of_an_account_is_held(engine):
    account_id, bill_no = set_figures(engine)
    earlier = one(engine, """SELECT bill_no FROM bill b WHERE account_id = :a AND bill_month < '2026-10-01'
                             AND state = 'ISSUED' AND NOT EXISTS (SELECT 1 FROM "case" c WHERE c.bill_no = b.bill_no
                                                                  AND c.closed_at IS NULL)
                             ORDER BY bill_month DESC LIMIT 1""", a=account_id).bill_no
    with pytest.raises(Invalid, match=rf"bill {earlier} is followed by bill \d+ of \d\d-2026, which carries it; "
                                      "only the latest bill is held — revise this one instead"):
        put_on_hold(engine, earlier)


def test_a_bill_with_an_open_complaint_is_not_held_and_a_held_bill_takes_no_complaint(engine):
    c = complaint(engine)
    with pytest.raises(Invalid, match=f"open case, request ID {c.case_id}; revise it from that case's To Do"):
        put_on_hold(engine, c.bill_no)
    account_id, bill_no = set_figures(engine)
    put_on_hold(engine, bill_no)
    with pytest.raises(Invalid, match="is on hold and was never issued"), db.write(engine) as s:
        intake.submit_request(s, account_id=account_id, bill_no=bill_no, reason="The units billed are too many")


# --- releasing ------------------------------------------------------------------------------------------


def test_a_held_bill_released_as_billed(engine, fixed_clock):
    account_id, bill_no = set_figures(engine)
    put_on_hold(engine, bill_no)
    info = open_case(engine, account_id, bill_no, AS_BILLED)
    assert (info.difference_paise, info.after.amount_paise, info.reason_code) == (0, 120000, "HOLD")
    assert info.route.role == "TR-EE"  # a checker senior to the SDO, for a release too
    assert bill_of(engine, bill_no).state == "HELD" and balance(engine, account_id) == (160000, 160000)
    done = approve(engine, EE, info)
    released = bill_of(engine, done.new_bill_no)
    assert (bill_of(engine, bill_no).state, released.state, released.amount_paise) == ("REVISED", "ISSUED", 120000)
    assert done.new_bill_no == f"{bill_no}R1"
    # 1,600.00 + the released bill's own 400.00: what the consumer owes, as before the hold.
    assert balance(engine, account_id) == (200000, 200000)
    with db.read(engine) as s:
        steps = hold.record(s, [bill_no])[bill_no]
        assert [(e.action, e.balance_paise, e.user_id) for e in steps] == [("HOLD", -40000, SDO), ("RELEASE", 40000, EE)]
        assert steps[1].reason.startswith(f"released as billed as bill {bill_no}R1") and steps[1].case_id == info.case_id
        case = s.get(Case, info.case_id)
        # An officer's case: no consumer clock, nothing owed, no SMS to anyone.
        assert case.channel == "officer" and sla.rate_paise(case.request_type, case.channel) == 0
        assert s.scalars(select(SmsOutbox).where(SmsOutbox.case_id == info.case_id)).all() == []
        kinds = [(e.kind, e.who) for e in history.of_case(s, info.case_id).events if e.source == "hold"]
        assert kinds == [("Bill Held", SDO), ("Bill Released", EE)]


def test_a_held_assessed_bill_corrected_to_the_actual_reading_then_released(engine):
    account_id, bill_no = set_figures(engine, basis="ASS")
    put_on_hold(engine, bill_no)
    # Meter read at 1,100 against 1,000: 100 units, LMV-1 urban, 1 kW, 30 days: fixed 110.00, energy
    # 100 x 5.50 = 550.00, duty 5% of 660.00 = 33.00; own charges 693.00, with the 800.00 arrear 1,493.00.
    info = open_case(engine, account_id, bill_no,
                     Correction("BASIS", "Meter read on 02-11: 1,100; bill was assessed", curr_reading=1100))
    assert (info.after.basis, info.after.units, info.after.fixed_paise, info.after.energy_paise,
            info.after.duty_paise, info.after.amount_paise) == ("ACT", 100, 11000, 55000, 3300, 149300)
    assert info.difference_paise == 29300
    done = approve(engine, EE, info)
    assert bill_of(engine, done.new_bill_no).amount_paise == 149300
    # 1,600.00 after the hold + 693.00 = 2,293.00 = 2,000.00 + the difference 293.00.
    assert balance(engine, account_id) == (229300, 229300)


def test_release_only_of_a_held_bill_by_a_bill_on_hold_case(engine):
    account_id, bill_no = set_figures(engine)
    before = counts(engine)
    with pytest.raises(Invalid, match="is not on hold"):
        open_case(engine, account_id, bill_no, AS_BILLED)
    with pytest.raises(Invalid, match="reason HOLD is for a bill on hold"), db.write(engine) as s:
        revision.open_officer_case(s, SDO, account_id, bill_no, "meter-replacement",
                                   Correction("HOLD", "Released from hold after check", units=10))
    put_on_hold(engine, bill_no)
    with pytest.raises(Invalid, match="is on hold; open a bill-on-hold case"), db.write(engine) as s:
        revision.open_officer_case(s, SDO, account_id, bill_no, "meter-replacement",
                                   Correction("METER-CHANGE", "Meter replaced on 12-11", curr_reading=40))
    with pytest.raises(Invalid, match="nothing to revise"):  # release as billed: reason HOLD only
        open_case(engine, account_id, bill_no, Correction("READING", "Reading checked, bill right"))
    with pytest.raises(NotFound):  # another sub-division's SDO cannot release it
        open_case(engine, account_id, bill_no, AS_BILLED, actor=OTHER_SDO)
    assert counts(engine)["case"] == before["case"]


def test_a_complaint_on_a_bill_held_since_is_not_revised_from_the_complaint(engine):
    c = complaint(engine)
    execute(engine, "UPDATE bill SET state = 'HELD' WHERE bill_no = :b", b=c.bill_no)  # older data
    with pytest.raises(Invalid, match="is on hold; correct and release it through a bill-on-hold case"), \
            db.write(engine) as s:
        revision.propose(s, CLERK, c.todo_id, c.version, Correction("UNITS", "Units are too many here", units=5))


def test_the_hold_record_is_append_only(engine):
    _, bill_no = set_figures(engine)
    put_on_hold(engine, bill_no)
    for sql in ("UPDATE bill_hold SET reason = 'x'", "DELETE FROM bill_hold"):
        with pytest.raises(Exception, match="append-only"):
            execute(engine, sql)
    with db.read(engine) as s:
        assert len(s.scalars(select(BillHold)).all()) == 1


# --- wss bill hold, wss account show, wss request history ------------------------------------------------


def refused(result, starts: str):
    assert (result.returncode, result.stdout) == (1, ""), result.stderr
    assert result.stderr.startswith(f"error: {starts}") and result.stderr.count("\n") == 1


def test_wss_bill_hold_exit_codes_and_messages(engine, demo_url):
    account_id, bill_no = set_figures(engine)
    before = counts(engine), balance(engine, account_id)
    refused(run_wss("--db", demo_url, "bill", "hold", bill_no, "--reason", "short", "--user", SDO),
            "reason: say why the bill is held, in at least 10 characters")
    refused(run_wss("--db", demo_url, "bill", "hold", bill_no, "--reason", "Meter to be read first", "--user", CLERK),
            "role: TR-SDC does not put bills on hold; TR-SDO or TR-EE does")
    refused(run_wss("--db", demo_url, "bill", "hold", bill_no, "--reason", "Meter to be read first", "--user", OTHER_SDO),
            f"bill: no bill {bill_no}; check the bill number")
    usage = run_wss("--db", demo_url, "bill", "hold", bill_no, "--user", SDO)  # no --reason: a usage error
    assert usage.returncode == 2 and usage.stderr.startswith("error: ") and usage.stderr.count("\n") == 1
    assert (counts(engine), balance(engine, account_id)) == before

    out = run_wss("--db", demo_url, "bill", "hold", bill_no, "--reason", "Meter to be read first", "--user", SDO)
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith(f"Bill {bill_no} (A/c {account_id}) put on hold by {SDO} on ")
    assert "400.00INR (its own charges) taken off the balance until it is released" in out.stdout
    refused(run_wss("--db", demo_url, "bill", "hold", bill_no, "--reason", "Meter to be read first", "--user", EE,
                    "--json"), f"bill: bill {bill_no} was put on hold by {SDO} on ")

    shown = run_wss("--db", demo_url, "account", "show", account_id)
    assert shown.returncode == 0, shown.stderr
    assert f"Bill {bill_no} HELD: held by {SDO} on " in shown.stdout and "Meter to be read first" in shown.stdout
    [line] = [b for b in json.loads(run_wss("--db", demo_url, "account", "show", account_id, "--json").stdout)["bills"]
              if b["bill_no"] == bill_no]
    assert line["state"] == "HELD" and line["hold_note"].endswith(": Meter to be read first")


def test_wss_bill_hold_json_and_the_release_in_the_history(engine, demo_url):
    account_id, bill_no = set_figures(engine)
    out = run_wss("--db", demo_url, "bill", "hold", bill_no, "--reason", "Meter to be read first", "--user", EE,
                  "--json")
    assert out.returncode == 0, out.stderr
    held = json.loads(out.stdout)
    assert (held["action"], held["user_id"], held["balance_paise"], held["bill_no"]) == ("HOLD", EE, -40000, bill_no)
    info = open_case(engine, account_id, bill_no, AS_BILLED, actor=SDO)
    approve(engine, EE, info)
    history_out = run_wss("--db", demo_url, "request", "history", info.case_id)
    assert history_out.returncode == 0, history_out.stderr
    lines = history_out.stdout.splitlines()
    assert any("Bill Held" in x and EE in x and "Meter to be read first" in x for x in lines)
    assert any("Bill Released" in x and "released as billed" in x and "400.00INR posted" in x for x in lines)


def test_officers_holding_one_bill_at_once_hold_it_once(engine, demo_url):
    from . import _concurrency_workers as work
    from .test_concurrency import in_processes

    account_id, bill_no = set_figures(engine)
    results = in_processes([(work.hold, demo_url, (SDO, EE)[i % 2], bill_no, "Meter to be read first") for i in range(6)])
    answers = sorted(value for _, value in results)
    assert answers.count("held") == 1, answers
    assert all(a == "held" or a.startswith(f"bill: bill {bill_no} ") for a in answers), answers
    assert balance(engine, account_id) == (160000, 160000)  # taken off once
    with db.read(engine) as s:
        assert len(s.scalars(select(BillHold).where(BillHold.bill_no == bill_no)).all()) == 1
