"""The revision service: each unit of work in its own transaction, and a To Do that moved on answered
with the worksheet read again instead of an error."""

from __future__ import annotations

import pytest

from wss_tui.services import revision as service
from wss_tui.store import revision

from ._revision_data import CLERK, SDO, complaint, counts
from .test_revision import reading_less

pytestmark = pytest.mark.usefixtures("queue_routing")


def test_a_proposal_on_a_todo_that_moved_comes_back_with_the_fresh_sheet_and_writes_nothing(engine):
    c = complaint(engine)
    before = counts(engine)
    done = service.propose(engine, CLERK, c.todo_id, c.version - 1, reading_less(engine, c))
    assert done.info is None
    assert "was changed since you opened it; reloaded" in done.stale
    assert done.sheet.todo_id == c.todo_id and done.sheet.todo_version == c.version
    assert done.sheet.mode == revision.PROPOSE
    assert counts(engine) == before


def test_proposed_then_approved_through_the_service(engine):
    c = complaint(engine)
    proposed = service.propose(engine, CLERK, c.todo_id, c.version, reading_less(engine, c))
    assert proposed.stale == "" and proposed.info.status == "PROPOSED"
    approval = service.sheet(engine, SDO, proposed.info.approval_todo_id)
    assert approval.mode == revision.DECIDE
    approved = service.approve(engine, SDO, approval.todo_id, approval.todo_version)
    assert approved.info.status == "APPROVED" and approved.info.new_bill_no
