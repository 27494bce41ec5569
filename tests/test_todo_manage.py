"""To Do management (issue 16): an officer sees each worker's open count and oldest To Do, and moves
several To Dos at once to another user or role with one logged reason."""

from __future__ import annotations

import pytest

from wss_tui.store import db, todo_manage, todos, workload
from wss_tui.store.errors import Denied, Invalid, NotFound, Stale
from wss_tui.store.models import BEING_WORKED_ON, OPEN

from ._revision_data import (CLERK, CLERK2, EE, OTHER_SDO, SDO, arrear_by, complaint, counts, detail, execute,
                             propose)

OTHER_CLERK = "INR2-SDC1"  # ESD-INR-2, outside the SDO's sub-division
REASON = "Manoj is on leave this week"


def open_of(engine, user_id: str, actor: str = SDO) -> dict[str, int]:
    with db.read(engine) as s:
        page = todo_manage.open_todos(s, actor, user_id=user_id)
    return dict(page.versions)


def load_of(engine, actor: str, key: str) -> workload.Load:
    with db.read(engine) as s:
        rows = workload.workload(s, actor).rows
    return next(r for r in rows if r.key == key)


def reassign(engine, actor: str, items, **kwargs) -> todo_manage.Reassigned:
    with db.write(engine) as s:
        return todo_manage.reassign(s, actor, list(items), **kwargs)


def test_the_sdo_sees_each_clerks_open_count_and_oldest(engine):
    mine = open_of(engine, CLERK)
    with db.read(engine) as s:
        rows = workload.workload(s, SDO).rows
        oldest = min(todos.get(s, SDO, t).created_at for t in mine)
    clerk = next(r for r in rows if r.user_id == CLERK)
    assert (clerk.open, clerk.oldest_at, clerk.active, clerk.locked) == (len(mine), oldest, True, False)
    assert {r.user_id for r in rows if r.kind == workload.USER} == {CLERK, CLERK2, SDO}  # not ESD-INR-2's
    assert [r.role for r in rows if r.kind == workload.QUEUE] == ["TR-SDC", "TR-SDO"]


def test_the_workload_pages_and_shows_a_disabled_user_only_while_they_hold_work(engine):
    execute(engine, "UPDATE staff SET active = :no WHERE user_id = :u", no=False, u=CLERK2)
    with db.read(engine) as s:
        first = workload.workload(s, EE, limit=3)
        second = workload.workload(s, EE, after=first.rows[-1].cursor, limit=3)
    people = [r.user_id for r in first.rows + second.rows if r.kind == workload.USER]
    assert first.has_next and second.has_prev and len(people) == 6 and len(set(people)) == 6
    assert not next(r for r in first.rows + second.rows if r.user_id == CLERK2).active
    for todo_id, version in open_of(engine, CLERK2, EE).items():
        reassign(engine, EE, [(todo_id, version)], to_user=CLERK, reason=REASON)
    with db.read(engine) as s:
        everyone = workload.workload(s, EE).rows
    assert CLERK2 not in {r.user_id for r in everyone}


def test_reassign_several_in_one_go_logs_each(engine):
    before = open_of(engine, CLERK)
    assert len(before) == 2
    done = reassign(engine, SDO, before.items(), to_user=CLERK2, reason=REASON)
    assert sorted(done.todo_ids) == sorted(before) and done.to_text.startswith(CLERK2)
    for todo_id, version in before.items():
        d = detail(engine, SDO, todo_id)
        assert (d.assigned_to, d.status, d.role, d.version) == (CLERK2, BEING_WORKED_ON, "TR-SDC", version + 1)
        last = d.log[-1]
        assert (last.log_type, last.user_id, last.assigned_to) == ("Assigned", SDO, CLERK2)
        assert last.details == (f"Reassigned from {CLERK} (YADAV,MANOJ) by {SDO} (GUPTA,SHALINI): {REASON}; "
                                f"to {CLERK2} (VERMA,HARISH)")
    assert load_of(engine, SDO, f"user:{CLERK}").open == 0
    assert load_of(engine, SDO, f"user:{CLERK2}").open == 4


def test_reassign_to_the_role_queue(engine):
    before = open_of(engine, CLERK)
    queued = load_of(engine, SDO, "queue:TR-SDC").open
    reassign(engine, SDO, before.items(), to_role="tr-sdc", reason=REASON)
    for todo_id in before:
        d = detail(engine, SDO, todo_id)
        assert (d.assigned_to, d.status) == (None, OPEN)
        assert (d.log[-1].log_type, d.log[-1].details) == (
            "Forwarded", f"Reassigned from {CLERK} (YADAV,MANOJ) by {SDO} (GUPTA,SHALINI): {REASON}; "
                         "to the TR-SDC queue of ESD-INR-1")
    assert load_of(engine, SDO, "queue:TR-SDC").open == queued + 2


def test_a_clerk_may_not_reassign(engine):
    items = open_of(engine, CLERK2).items()
    counted = counts(engine)
    with pytest.raises(Denied) as refused:
        reassign(engine, CLERK, items, to_user=CLERK, reason=REASON)
    assert refused.value.field == "role" and "does not manage To Dos" in str(refused.value)
    with db.read(engine) as s, pytest.raises(Denied):
        workload.workload(s, CLERK)
    assert counts(engine) == counted


def test_out_of_scope_to_dos_and_targets_are_refused(engine):
    theirs = open_of(engine, OTHER_CLERK, EE)
    mine = open_of(engine, CLERK)
    counted = counts(engine)
    with pytest.raises(NotFound):  # another sub-division's To Do: not there, for this SDO
        reassign(engine, SDO, [*mine.items(), *theirs.items()], to_user=CLERK2, reason=REASON)
    with pytest.raises(Invalid) as refused:  # a clerk of another sub-division does not cover these
        reassign(engine, SDO, mine.items(), to_user=OTHER_CLERK, reason=REASON)
    assert refused.value.field == "to user" and "does not cover ESD-INR-1" in refused.value.message
    with pytest.raises(NotFound):  # the other SDO has no power over ESD-INR-1
        reassign(engine, OTHER_SDO, mine.items(), to_user=CLERK2, reason=REASON)
    assert counts(engine) == counted


def test_a_stale_version_refuses_all_and_names_what_changed(engine):
    items = list(open_of(engine, CLERK).items())
    with db.write(engine) as s:  # the clerk writes a note on the second meanwhile
        todos.add_log(s, CLERK, items[1][0], items[1][1], "Called the consumer")
    with pytest.raises(Stale) as refused:
        reassign(engine, SDO, items, to_user=CLERK2, reason=REASON)
    line = str(refused.value)
    assert items[1][0] in line and items[0][0] not in line and "YADAV,MANOJ" in line
    assert "Nothing was reassigned".lower() in line.lower() and "\n" not in line
    assert detail(engine, SDO, items[0][0]).assigned_to == CLERK  # the unchanged one did not move either


def test_a_role_or_user_that_does_not_work_the_type_is_refused(engine):
    items = open_of(engine, CLERK).items()
    counted = counts(engine)
    with pytest.raises(Invalid) as refused:
        reassign(engine, SDO, items, to_role="TR-DIRC", reason=REASON)
    assert refused.value.field == "to role" and "does not work" in refused.value.message
    with pytest.raises(Invalid) as refused:
        reassign(engine, SDO, items, to_user="INR-ACC", reason=REASON)
    assert refused.value.field == "to user"
    assert counts(engine) == counted


@pytest.mark.parametrize("reason", ["", "   ", "on leave\x1b[2J", "a" * 1001],
                         ids=["empty", "blank", "escape sequence", "too long"])
def test_the_reason_is_checked(engine, reason):
    with pytest.raises(Invalid) as refused:
        reassign(engine, SDO, open_of(engine, CLERK).items(), to_user=CLERK2, reason=reason)
    assert refused.value.field == "reason"


def test_nothing_marked_or_both_targets_is_refused(engine):
    with pytest.raises(Invalid):
        reassign(engine, SDO, [], to_user=CLERK2, reason=REASON)
    with pytest.raises(Invalid):
        reassign(engine, SDO, open_of(engine, CLERK).items(), to_user=CLERK2, to_role="TR-SDC", reason=REASON)


@pytest.mark.usefixtures("queue_routing")  # the queue, as an office that routes none
def test_approvals_go_only_to_who_may_approve(engine):
    c = complaint(engine, clerk=CLERK)
    info = propose(engine, c, arrear_by(engine, c.bill_no, 2_000 * 100))
    todo_id = info.approval_todo_id
    version = detail(engine, EE, todo_id).version
    with pytest.raises(Invalid) as refused:  # a clerk has no power to approve
        reassign(engine, EE, [(todo_id, version)], to_user=CLERK2, reason=REASON)
    assert "may not decide revision" in refused.value.message
    with pytest.raises(Invalid):  # the clerks' queue may not decide it either
        reassign(engine, EE, [(todo_id, version)], to_role="TR-SDC", reason=REASON)
    reassign(engine, EE, [(todo_id, version)], to_user=EE, reason="I will decide this one")
    d = detail(engine, EE, todo_id)
    assert (d.assigned_to, d.status, d.role) == (EE, BEING_WORKED_ON, "TR-EE")


def test_a_locked_out_clerk_is_shown_locked(engine):
    execute(engine, "UPDATE staff SET locked_until = :t WHERE user_id = :u", t="2026-11-28 06:00:00", u=CLERK2)
    if engine.dialect.name != "sqlite":
        execute(engine, "UPDATE staff SET locked_until = now() + interval '1 hour' WHERE user_id = :u", u=CLERK2)
    assert load_of(engine, SDO, f"user:{CLERK2}").locked
    assert not load_of(engine, SDO, f"user:{CLERK}").locked


def test_a_queued_to_do_goes_to_a_clerk(engine):
    with db.read(engine) as s:
        queued = todo_manage.open_todos(s, SDO, role="TR-SDC")
    todo_id = queued.page.rows[0].todo_id
    reassign(engine, SDO, [(todo_id, queued.versions[todo_id])], to_user=CLERK, reason="Manoj has room today")
    d = detail(engine, SDO, todo_id)
    assert (d.assigned_to, d.status) == (CLERK, BEING_WORKED_ON)
    assert d.log[-1].details == (f"Reassigned from the TR-SDC queue by {SDO} (GUPTA,SHALINI): Manoj has room today; "
                                 f"to {CLERK} (YADAV,MANOJ)")
    with db.read(engine) as s:
        left = {r.key: r.open for r in workload.workload(s, SDO).rows}
    assert left.get("queue:TR-SDC", 0) == queued.page.total - 1  # an empty queue is not listed
