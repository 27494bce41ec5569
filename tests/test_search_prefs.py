"""The store behind a To Do Search that remembers and keeps current: filters kept per user, saved
searches, the role queue, and the one-statement check of whether a view changed."""

from __future__ import annotations

import pytest
from sqlalchemy import event, update

from wss_tui.store import db, prefs, todos, work_todos
from wss_tui.store.errors import Denied, Invalid, NotFound
from wss_tui.store.models import BEING_WORKED_ON, ToDo
from wss_tui.store.todos import SearchFilter

from ._revision_data import CLERK, CLERK2, EE, SDO

FIELDS = {"type": "", "user_filter": "role", "who": "TR-SDC", "start": "-7d", "end": "", "status": "open"}


def waiting_approval(engine, message: str = "approve the revision of 4952790000") -> str:
    with db.write(engine) as s:
        return work_todos.create(s, todo_type="BRAPPROV", role="TR-EE", office_code="EDD-INR", message=message,
                                 priority=20, case_id=None, account_id=None, chars=[], user_id=SDO)


def check(engine, actor: str, flt: SearchFilter) -> todos.Changes:
    with db.read(engine) as s:
        watched = todos.watch(s, actor, flt)
    with db.read(engine) as s:
        return todos.changes(s, watched)


def test_the_last_filter_is_kept_per_user_and_a_relative_date_stays_as_typed(engine):
    with db.write(engine) as s:
        assert prefs.remembered(s, CLERK) is None
        prefs.remember(s, CLERK, FIELDS)
        prefs.remember(s, CLERK2, {**FIELDS, "status": "Complete"})
    with db.read(engine) as s:
        assert prefs.remembered(s, CLERK) == FIELDS
        assert prefs.remembered(s, CLERK2)["status"] == "Complete"
    with db.write(engine) as s:
        prefs.remember(s, CLERK, {**FIELDS, "user_filter": "user", "who": CLERK})
    with db.read(engine) as s:
        assert prefs.remembered(s, CLERK)["user_filter"] == "user"


def test_a_filter_field_with_a_control_character_or_unknown_name_is_refused(engine):
    with db.write(engine) as s:
        with pytest.raises(Invalid, match="^start: has the control character"):
            prefs.remember(s, CLERK, {**FIELDS, "start": "-7d\x1b[2J"})
        with pytest.raises(Invalid, match="^filter: unknown filter field 'amount'"):
            prefs.remember(s, CLERK, {**FIELDS, "amount": "10000"})
        with pytest.raises(Denied):
            prefs.remember(s, "NOBODY", FIELDS)


def test_saved_searches_are_named_per_user_overwritten_by_name_and_deleted(engine):
    with db.write(engine) as s:
        prefs.save_search(s, EE, "  approvals   waiting ", {**FIELDS, "type": "BRAPPROV", "user_filter": "queue"})
        prefs.save_search(s, EE, "done this week", {**FIELDS, "status": "Complete"})
        prefs.save_search(s, CLERK, "mine", FIELDS)
    with db.read(engine) as s:
        assert [x.name for x in prefs.saved_searches(s, EE)] == ["approvals waiting", "done this week"]
        assert prefs.saved_searches(s, EE)[0].fields["type"] == "BRAPPROV"
        assert [x.name for x in prefs.saved_searches(s, CLERK)] == ["mine"]
    with db.write(engine) as s:
        prefs.save_search(s, EE, "done this week", {**FIELDS, "status": "*"})
        prefs.delete_search(s, EE, "approvals waiting")
        with pytest.raises(NotFound, match="^name: no saved search 'approvals waiting'"):
            prefs.delete_search(s, EE, "approvals waiting")
        with pytest.raises(Invalid, match="^name: give the search a name"):
            prefs.save_search(s, EE, "  ", FIELDS)
    with db.read(engine) as s:
        assert [(x.name, x.fields["status"]) for x in prefs.saved_searches(s, EE)] == [("done this week", "*")]
        assert prefs.remembered(s, EE) is None  # a saved search is not the filter last used


@pytest.mark.usefixtures("queue_routing")  # the queue, as an office that routes none
def test_the_queue_filter_lists_only_the_role_s_unassigned_to_dos(engine):
    todo_id = waiting_approval(engine)
    with db.read(engine) as s:
        queue = todos.search(s, EE, SearchFilter(user_filter="queue")).rows
        mine = todos.search(s, EE, SearchFilter()).rows
    assert todo_id in [r.todo_id for r in queue]
    assert all(r.assigned_to is None for r in queue)
    assert todo_id not in [r.todo_id for r in mine]


@pytest.mark.usefixtures("queue_routing")  # the queue, as an office that routes none
def test_changes_counts_the_role_queue_and_moves_when_a_to_do_comes_or_changes(engine):
    mine = SearchFilter()
    before = check(engine, EE, mine)
    todo_id = waiting_approval(engine)
    after = check(engine, EE, mine)
    assert after.role == "TR-EE"
    assert after.waiting == before.waiting + 1
    assert (after.count, after.versions) == (before.count, before.versions)  # not in "my own"

    queue = SearchFilter(user_filter="queue")
    seen = check(engine, EE, queue)
    with db.write(engine) as s:
        detail = todos.get(s, EE, todo_id)
        todos.add_log(s, EE, todo_id, detail.version, "looked at the bill")
    changed = check(engine, EE, queue)
    assert changed.count == seen.count and changed.versions == seen.versions + 1
    with db.write(engine) as s:  # as a take does (an approval's take needs a real revision)
        s.execute(update(ToDo).where(ToDo.todo_id == todo_id).values(assigned_to=EE, status=BEING_WORKED_ON,
                                                                    version=ToDo.version + 1))
    taken = check(engine, EE, queue)
    assert taken.count == seen.count - 1 and taken.waiting == before.waiting
    assert check(engine, EE, mine).count == before.count + 1


def test_a_check_is_one_statement(engine):
    with db.read(engine) as s:
        watched = todos.watch(s, CLERK, SearchFilter())
    statements = []
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    try:
        with db.read(engine) as s:
            todos.changes(s, watched)
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    assert len([x for x in statements if x.lstrip().upper().startswith("SELECT")]) == 1


def test_two_sessions_of_one_person_saving_at_once_never_collide(engine):
    """Every filter change is remembered from a worker; a person logged in twice saves at the same
    instant. Each save is one upsert, so none fails (PostgreSQL would refuse the second plain INSERT)."""
    from concurrent.futures import ThreadPoolExecutor
    from threading import Barrier

    barrier = Barrier(8)

    def save(n: int) -> None:
        barrier.wait(timeout=30)
        with db.write(engine) as s:
            prefs.remember(s, CLERK, {"who": f"INR1-SDC{n % 2 + 1}"})
            prefs.save_search(s, CLERK, "mine", {"status": "open"})

    with ThreadPoolExecutor(8) as pool:
        for future in [pool.submit(save, n) for n in range(8)]:
            future.result(timeout=60)
    with db.read(engine) as s:
        assert prefs.remembered(s, CLERK)["who"] in {"INR1-SDC1", "INR1-SDC2"}
        assert [x.name for x in prefs.saved_searches(s, CLERK)] == ["mine"]
