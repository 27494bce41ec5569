"""services/todos.py: each call is its own unit of work; a stale version comes back as the To Do as it
is now with the line to show, nothing written; other refusals are raised for the caller's one line."""

from __future__ import annotations

from dataclasses import replace

import pytest

from wss_tui.services import todos as service
from wss_tui.store.errors import Invalid, NotFound
from wss_tui.store.models import BEING_WORKED_ON, OPEN
from wss_tui.store.todos import SearchFilter

from .tui_helpers import CLERK, CLERK2, SDO


def an_open_one(engine) -> str:
    return service.search(engine, CLERK, SearchFilter(user_filter="role", status=OPEN)).page.rows[0].todo_id


def test_an_action_on_the_version_seen_goes_through(engine):
    todo_id = an_open_one(engine)
    seen = service.get(engine, CLERK, todo_id)
    acted = service.take(engine, CLERK, todo_id, seen.version)
    assert acted.stale == ""
    assert (acted.detail.status, acted.detail.assigned_to) == (BEING_WORKED_ON, CLERK)
    assert service.get(engine, CLERK, todo_id) == acted.detail


def test_a_stale_version_returns_the_to_do_as_it_is_now_and_writes_nothing(engine):
    todo_id = an_open_one(engine)
    seen = service.get(engine, CLERK, todo_id)
    first = service.take(engine, CLERK2, todo_id, seen.version)  # a colleague got there first
    late = service.add_log(engine, CLERK, todo_id, seen.version, "called the consumer")
    assert late.stale and "reload" in late.stale
    assert late.detail == service.get(engine, CLERK, todo_id)
    # The same To Do as the colleague's, each with what its own reader may do with it.
    assert replace(late.detail, refused=None) == replace(first.detail, refused=None)
    assert all(entry.details != "called the consumer" for entry in late.detail.log)


def test_other_refusals_are_raised(engine):
    todo_id = an_open_one(engine)
    seen = service.get(engine, CLERK, todo_id)
    with pytest.raises(Invalid):
        service.change_priority(engine, CLERK, todo_id, seen.version, 7)
    with pytest.raises(NotFound):
        service.get(engine, CLERK, "99999999999999")
    assert service.get(engine, CLERK, todo_id) == seen


def test_the_search_page_comes_with_what_the_next_check_compares_with(engine):
    flt = SearchFilter(user_filter="role", status=OPEN)
    searched = service.search(engine, CLERK, flt, limit=5)
    assert searched.page.rows and searched.checked.changes.count == searched.page.total
    again = service.check(engine, CLERK, flt, searched.checked.watch)
    assert again.changes == searched.checked.changes
    todo_id = searched.page.rows[0].todo_id
    service.take(engine, CLERK, todo_id, service.get(engine, CLERK, todo_id).version)
    after = service.check(engine, CLERK, flt, again.watch)
    assert after.changes.count == searched.checked.changes.count - 1


def test_a_typed_request_id_finds_its_to_do(engine):
    todo_id = an_open_one(engine)
    detail = service.get(engine, CLERK, todo_id)
    case_id = dict(detail.characteristics).get("CASE")
    assert case_id
    assert service.find(engine, CLERK, case_id).todo_id == service.resolve(engine, CLERK, case_id)
    with pytest.raises(Invalid):
        service.find(engine, CLERK, "12")


def test_a_reassignment_of_a_changed_to_do_moves_nothing_and_says_so(engine):
    managed = service.open_todos(engine, SDO, user_id=CLERK)
    items = list(managed.versions.items())[:2]
    assert len(items) == 2
    moved_one = items[0][0]
    service.add_log(engine, CLERK, moved_one, managed.versions[moved_one], "looked at it")  # its version moves
    stale = service.reassign(engine, SDO, items, to_user=CLERK2, reason="Manoj is on leave")
    assert stale.done is None and stale.stale
    assert service.open_todos(engine, SDO, user_id=CLERK).versions.keys() >= {todo_id for todo_id, _ in items}
    fresh = service.open_todos(engine, SDO, user_id=CLERK).versions
    done = service.reassign(engine, SDO, [(t, fresh[t]) for t, _ in items], to_user=CLERK2, reason="Manoj is on leave")
    assert done.stale == "" and sorted(done.done.todo_ids) == sorted(t for t, _ in items)
