"""An officer's own revision case has no consumer clock: its due_at is the office's own target
(revision.toml target_days), which no SLA figure counts — never breached or due today in the MIS, never
escalated, no "3d late" on the To Do, "Due By: none" in `wss request status` — and it sends no SMS."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from wss_tui.store import accounts, db, escalation, mis, revision, sla, todos
from wss_tui.store.models import Case, SmsOutbox
from wss_tui.store.revision import closure
from wss_tui.store.revision.calc import Correction

from ._cli import wss
from ._revision_data import EE, SDO, SUB, approve, bill_of, free_bill, version

pytestmark = pytest.mark.usefixtures("queue_routing")
TARGET = timedelta(days=15)  # revision.toml [officer_case.meter-replacement] target_days


def open_case(engine):
    account_id, bill_no = free_bill(engine)
    prev = bill_of(engine, bill_no).prev_reading
    with db.write(engine) as s:
        info = revision.open_officer_case(s, SDO, account_id, bill_no, "meter-replacement",
                                          Correction("METER-CHANGE", "Meter replaced on 12-11; new meter reads 40",
                                                     curr_reading=40, old_final_reading=prev, old_multiplying_factor=1,
                                                     new_initial_reading=0))
    with db.read(engine) as s:
        own = revision.revision_of_todo(s, todos.get(s, EE, info.approval_todo_id)).source_todo_id
    return info, own, account_id


def pending_figures(engine, now, kind):
    with db.read(engine) as s:
        return mis.report(s, None, office=SUB, now=now, kind=kind).total


def test_an_officer_case_is_never_late_nor_escalated(engine, fixed_clock):
    info, own, account_id = open_case(engine)
    with db.read(engine) as s:
        case = s.get(Case, info.case_id)
        s.expunge(case)
    assert case.due_at == fixed_clock + TARGET
    long_after = fixed_clock + TARGET + timedelta(days=40)

    # The To Do: no "3d late", no warning, no level to come; the office's target is shown as such.
    with db.read(engine) as s:
        due = todos.get(s, SDO, own).due
    assert (due.consumer_clock, due.breached, due.warning, due.next_level) == (False, False, "", None)
    assert due.short == "no SLA" and due.due_at == fixed_clock + TARGET
    late = escalation.due_info(case, long_after)
    assert (late.breached, late.warning, late.urgency) == (False, "", "")
    with db.read(engine) as s:
        assert sla.for_case(s, info.case_id, now=long_after).days_late == 0

    # The MIS: counted among officer cases, never breached or due today.
    figures = pending_figures(engine, long_after, "officer-case")
    assert figures.pending >= 1 and (figures.breached, figures.due_today, figures.compensation_paise) == (0, 0, 0)
    assert pending_figures(engine, fixed_clock + TARGET - timedelta(hours=1), "officer-case").due_today == 0

    # The sweep: never escalated, nobody told.
    with db.write(engine) as s:
        escalation.sweep(s, long_after)
    with db.read(engine) as s:
        assert s.get(Case, info.case_id).escalation_level == 0
        # The account's activity history: no days late.
        [activity] = [a for a in accounts.account_context(s, account_id, SDO).activity if a.case_id == info.case_id]
        assert (activity.days_late, activity.compensation_paise) == (0, 0)


def test_request_status_says_there_is_no_consumer_due_date(engine, demo_url, fixed_clock):
    info, _, _ = open_case(engine)
    out = wss("--db", demo_url, "request", "status", info.case_id)
    assert out.returncode == 0, out.stderr
    [line] = [x for x in out.stdout.splitlines() if x.startswith("Due By")]
    assert line.endswith(f"none: an officer's own case (office target {(fixed_clock + TARGET).strftime('%d-%m-%Y')})")
    shown = json.loads(wss("--db", demo_url, "request", "status", info.case_id, "--json").stdout)
    assert shown["due_at"] is None and shown["office_target_at"].startswith((fixed_clock + TARGET).date().isoformat())


def test_no_sms_at_any_step_and_closed_within_no_sla(engine, fixed_clock):
    info, own, _ = open_case(engine)
    approve(engine, EE, info)
    with db.write(engine) as s:
        closure.close_officer_case(s, SDO, own, version(engine, SDO, own), "Case Completed", "Revised bill issued")
    with db.read(engine) as s:
        assert s.scalars(select(SmsOutbox.template).where(SmsOutbox.case_id == info.case_id)).all() == []
        closed = mis.report(s, None, office=SUB, kind="officer-case", now=fixed_clock + timedelta(minutes=1)).total
    assert closed.closed >= 1 and closed.closed_within_sla == 0  # there is no SLA to be within


def test_an_officer_case_covers_a_run_of_bills_as_a_complaint_does(engine):
    """Assessed for three months on a faulty meter, replaced since: the SDO re-bills the run from the
    account, each month its own units, in one case and one approval at the run's total, and no SMS."""
    from ._run_data import ACCOUNT, ASSESSED, make_run
    from wss_tui.store.revision.run import RunRequest

    bills = make_run(engine, ASSESSED)
    with db.write(engine) as s:
        info = revision.open_officer_case(
            s, SDO, ACCOUNT, bills[2], "meter-replacement",
            Correction("UNITS", "Old meter was faulty; units from the new meter's first 30 days"),
            RunRequest(from_bill=bills[0], units_each=(155, 150, 156)))
    assert [m.after.units for m in info.months] == [155, 150, 156]
    assert info.run_basis == "EACH" and info.difference_paise == sum(m.difference_paise for m in info.months) < 0
    assert info.route.role == "TR-EE"  # the SDO made it: the next officer up decides
    approval = approve(engine, EE, info)
    assert [m.new_bill_no for m in approval.months] == [b + "R1" for b in bills]
    with db.read(engine) as s:
        assert s.scalar(select(func.count()).select_from(SmsOutbox).where(SmsOutbox.case_id == info.case_id)) == 0
