"""Oversight with teeth: an overdue Director's review or accountant's audit is escalated by the sweep
and counted in the MIS per office; the audit salt of an office's database is its own secret."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta

import pytest
from sqlalchemy import select

from wss_tui.store import db, escalation, mis
from wss_tui.store.errors import Invalid
from wss_tui.store.models import CaseLog, ToDo
from wss_tui.store.revision import late, oversight

from ._revision_data import (ACC, DIRC, DIVISION, EE, SDO, SUB, approve, arrear_by, complaint, counts, detail,
                             execute, propose)
from .test_revision import reading_less

pytestmark = pytest.mark.usefixtures("queue_routing")
LAKH = 1_00_000 * 100


def sweep(engine, at):
    with db.write(engine) as s:
        return escalation.sweep(s, at)


def late_todos(engine) -> list:
    with engine.connect() as conn:
        return conn.execute(select(ToDo.__table__).where(ToDo.todo_type == "BRLATE").order_by(ToDo.todo_id)).all()


def oversight_of(engine, now, office=DIVISION):
    with db.read(engine) as s:
        report = mis.report(s, None, office=office, now=now)
    return {r.key: (r.figures.reviews_overdue, r.figures.audits_overdue) for r in report.rows}


def test_an_overdue_directors_review_escalates_once_and_is_counted(engine, fixed_clock):
    c = complaint(engine)
    # Rs 1,20,000 is past the SDO's power and within the EE's; at Rs 1,00,000 and above it is reviewed,
    # due 3 days after approval (revision.toml review.due_days): fixed_clock + 3 days.
    done = approve(engine, EE, propose(engine, c, arrear_by(engine, c.bill_no, 1_20_000 * 100)))
    due = fixed_clock + timedelta(days=3)
    assert done.review_due_at == due
    assert sweep(engine, due - timedelta(seconds=1)).oversight_escalated == 0  # not yet due
    assert oversight_of(engine, due - timedelta(seconds=1)) == {SUB: (0, 0), "ESD-INR-2": (0, 0)}

    report = sweep(engine, due + timedelta(seconds=1))
    assert report.oversight_escalated == 1
    review = detail(engine, DIRC, done.review_todo_id)
    [entry] = [e for e in review.log if e.log_type == late.ESCALATED]
    assert review.priority == 10
    assert "review of bill revision" in entry.details and "TR-MD MVVNL" in entry.details
    [told] = late_todos(engine)
    assert (told.role, told.office_code, told.case_id) == ("TR-MD", "MVVNL", c.case_id)
    with db.read(engine) as s:
        lines = s.scalars(select(CaseLog.log_type).where(CaseLog.case_id == c.case_id)).all()
    assert "Oversight Escalated" in lines
    # Counted against the revision's office, and rolled up; a second sweep does nothing more.
    assert oversight_of(engine, due + timedelta(days=1)) == {SUB: (1, 0), "ESD-INR-2": (0, 0)}
    assert sweep(engine, due + timedelta(days=1)).oversight_escalated == 0
    assert len(late_todos(engine)) == 1
    # Once the Director completes the review it is no longer overdue.
    execute(engine, "UPDATE todo SET status = 'Complete' WHERE todo_id = :t", t=done.review_todo_id)
    assert oversight_of(engine, due + timedelta(days=1)) == {SUB: (0, 0), "ESD-INR-2": (0, 0)}


def test_an_audit_open_past_30_days_escalates_to_the_ee(engine, fixed_clock, monkeypatch):
    c = complaint(engine)
    info = propose(engine, c, reading_less(engine, c))
    drawn = next(f"salt-{n}" for n in range(10_000) if oversight.audit_draw(info.revision_id, f"salt-{n}") < 0.01)
    monkeypatch.setenv("WSS_AUDIT_SALT", drawn)
    done = approve(engine, SDO, info)
    assert done.audit_sampled and done.audit_todo_id
    # audit.due_days = 30: approved at fixed_clock, overdue from fixed_clock + 30 days.
    assert sweep(engine, fixed_clock + timedelta(days=30) - timedelta(seconds=1)).oversight_escalated == 0
    assert sweep(engine, fixed_clock + timedelta(days=30, seconds=1)).oversight_escalated == 1
    [told] = late_todos(engine)
    assert (told.role, told.office_code) == ("TR-EE", DIVISION)
    assert any(entry.log_type == late.ESCALATED for entry in detail(engine, ACC, done.audit_todo_id).log)
    assert oversight_of(engine, fixed_clock + timedelta(days=31)) == {SUB: (0, 1), "ESD-INR-2": (0, 0)}


def test_an_offices_database_needs_its_own_audit_salt(engine, monkeypatch):
    c = complaint(engine)
    info = propose(engine, c, reading_less(engine, c))
    # The database now holds imported (real) data: the salt printed in revision.toml no longer serves.
    execute(engine, "INSERT INTO db_mark (key, value, at) VALUES ('imported', 'bills.csv', CURRENT_TIMESTAMP)")
    monkeypatch.delenv("WSS_AUDIT_SALT", raising=False)
    before = counts(engine)
    with pytest.raises(Invalid, match="^WSS_AUDIT_SALT: this database is not the demo: set WSS_AUDIT_SALT"):
        approve(engine, SDO, info)
    monkeypatch.setenv("WSS_AUDIT_SALT", "wss-demo-audit-salt")
    with pytest.raises(Invalid, match="^WSS_AUDIT_SALT: is the demo's salt printed in revision.toml"):
        approve(engine, SDO, info)
    assert counts(engine) == before
    monkeypatch.setenv("WSS_AUDIT_SALT", "kept-by-the-accounts-officer")
    assert approve(engine, SDO, info).status == "APPROVED"


def test_wss_db_upgrade_refuses_the_demo_salt_on_an_offices_database(engine, demo_url):
    env = {k: v for k, v in os.environ.items() if k != "WSS_AUDIT_SALT"}

    def upgrade(**extra):
        return subprocess.run([sys.executable, "-m", "wss_tui", "--db", demo_url, "db", "upgrade"],
                              capture_output=True, text=True, timeout=60, env={**env, **extra})

    assert upgrade().returncode == 0  # the demo's own database: its salt is fine
    execute(engine, "INSERT INTO db_mark (key, value, at) VALUES ('imported', 'bills.csv', CURRENT_TIMESTAMP)")
    refused = upgrade()
    assert (refused.returncode, refused.stdout) == (1, "")
    assert refused.stderr.startswith("error: WSS_AUDIT_SALT: this database is not the demo") and refused.stderr.count("\n") == 1
    assert upgrade(WSS_AUDIT_SALT="wss-demo-audit-salt").returncode == 1
    assert upgrade(WSS_AUDIT_SALT="kept-by-the-accounts-officer").returncode == 0


def test_a_late_review_at_the_md_is_raised_but_never_sent_to_the_md_again(engine, fixed_clock):
    """A Director's own approval is reviewed by the MD (revision.toml review.next_role); when that review
    is late, the MD is the end of [late] review_chain: raised and logged, no BRLATE To Do for TR-MD."""
    c = complaint(engine)
    # Rs 60,00,000: past the CE's power, the Director approves it himself; its review goes to the MD.
    done = approve(engine, DIRC, propose(engine, c, arrear_by(engine, c.bill_no, 60_00_000 * 100)))
    assert detail(engine, "MVVNL-MD", done.review_todo_id).role == "TR-MD"
    due = fixed_clock + timedelta(days=3)
    report = sweep(engine, due + timedelta(seconds=1))
    assert (report.reviews_escalated, report.audits_escalated, report.reviews_at_top) == (1, 0, 1)
    assert late_todos(engine) == []  # nobody above the MD: no To Do for his own role
    review = detail(engine, "MVVNL-MD", done.review_todo_id)
    [entry] = [e for e in review.log if e.log_type == late.ESCALATED]
    assert review.priority == 10 and "TR-MD is the end of the review chain" in entry.details
    with db.read(engine) as s:
        lines = s.scalars(select(CaseLog.details).where(CaseLog.case_id == c.case_id,
                                                         CaseLog.log_type == "Oversight Escalated")).all()
    assert len(lines) == 1 and lines[0].startswith(f"The review of bill revision {done.revision_id} (")
    assert lines[0].endswith("; TR-MD is the last authority, nobody above to report to")
    assert sweep(engine, due + timedelta(days=1)).reviews_escalated == 0  # once only
    # Still counted overdue in the MIS until the MD completes it.
    assert oversight_of(engine, due + timedelta(days=1))[SUB] == (1, 0)


def test_the_review_chain_is_configured_and_checked(monkeypatch):
    from wss_tui.store.revision import rules as rules_mod

    assert rules_mod.rules().late_review_chain == ("TR-DIRC", "TR-MD")
    assert late.next_authority("TR-DIRC") == "TR-MD"  # a Director's late review goes to the MD
    assert late.next_authority("TR-MD") is None  # the chain's end
    assert late.next_authority("TR-SE") == "TR-DIRC"  # a review forwarded down still climbs from its holder
    with pytest.raises(Invalid, match=r"^revision.toml late.review_chain: list each authority once, most junior first"):
        rules_mod._review_chain(["TR-MD", "TR-DIRC"], "TR-DIRC", "TR-MD")
    with pytest.raises(Invalid, match=r"^revision.toml late.review_chain: start at review.role TR-DIRC and include"):
        rules_mod._review_chain(["TR-DIRC"], "TR-DIRC", "TR-MD")
    with pytest.raises(Invalid, match=r"^revision.toml late.review_chain: TR-ACC is not in roles.toml seniority"):
        rules_mod._review_chain(["TR-ACC", "TR-DIRC", "TR-MD"], "TR-DIRC", "TR-MD")


def test_wss_escalate_prints_the_late_reviews_and_audits_it_escalated(engine, demo_url, fixed_clock):
    import json

    from ._cli import wss

    c = complaint(engine)
    done = approve(engine, EE, propose(engine, c, arrear_by(engine, c.bill_no, 1_20_000 * 100)))
    late_at = (done.review_due_at + timedelta(seconds=1)).isoformat()
    out = wss("--db", demo_url, "escalate", "--at", late_at)
    assert out.returncode == 0, out.stderr
    assert "  overdue oversight: 1 review and 0 audits of approved revisions escalated" in out.stdout.splitlines()
    again = wss("--db", demo_url, "escalate", "--at", late_at, "--json")
    counts = json.loads(again.stdout)
    assert (counts["reviews_escalated"], counts["audits_escalated"], counts["reviews_at_top"]) == (0, 0, 0)
