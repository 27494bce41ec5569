"""`o` opens a To Do by its own 14-digit ID or by the 10-digit request ID the consumer quotes."""

from __future__ import annotations

import pytest
from sqlalchemy import select, update

from wss_tui.screens.todo_entry import TodoEntryScreen
from wss_tui.screens.todo_search import TodoSearchScreen
from wss_tui.store import db, todos
from wss_tui.store.errors import Invalid, NotFound
from wss_tui.store.models import BEING_WORKED_ON, COMPLETE, ToDo
from wss_tui.store.todos import SearchFilter

from .tui_helpers import CLERK, OTHER_CLERK, SDO, app_as, notifications, settle


def resolve(engine, actor: str, typed: str) -> str:
    with db.read(engine) as session:
        return todos.resolve(session, actor, typed)


def a_case_of(engine, actor: str) -> tuple[str, str]:
    """(request ID, To Do ID) of one of the actor's To Dos being worked on that carries a case."""
    with db.read(engine) as session:
        row = next(r for r in todos.search(session, actor, SearchFilter(status=BEING_WORKED_ON), limit=200).rows if r.case_id)
    return row.case_id, row.todo_id


def test_a_request_id_finds_its_to_do_and_a_to_do_id_is_itself(engine):
    case_id, todo_id = a_case_of(engine, CLERK)
    assert resolve(engine, CLERK, case_id) == todo_id
    assert resolve(engine, CLERK, f" {case_id[:4]} {case_id[4:]} ") == todo_id  # as read out, in groups
    assert resolve(engine, CLERK, todo_id) == todo_id


def test_of_several_to_dos_on_a_case_mine_first_then_open_then_page_order(engine):
    case_id, mine = a_case_of(engine, CLERK)
    with db.write(engine) as session:
        office = session.get(ToDo, mine).office_code
        for todo_id, status, assigned, priority in (("90000000000001", COMPLETE, None, 1), ("90000000000002", "Open", None, 5)):
            session.add(ToDo(todo_id=todo_id, todo_type="BRAPPROV", role="TR-SDO", office_code=office, message="m",
                             status=status, priority=priority, comment="", created_at=session.get(ToDo, mine).created_at,
                             case_id=case_id, account_id=session.get(ToDo, mine).account_id, assigned_to=assigned, version=1))
    assert resolve(engine, CLERK, case_id) == mine  # assigned to the clerk, though another ranks higher
    with db.write(engine) as session:
        session.execute(update(ToDo).where(ToDo.todo_id == mine).values(assigned_to=None, status="Open", priority=50))
    assert resolve(engine, SDO, case_id) == "90000000000002"  # priority 5 before 50; the Complete one last


@pytest.mark.parametrize("typed, error, words", [
    ("12345", Invalid, "ID: type a 14-digit To Do ID or the consumer's 10-digit request ID"),
    ("abcdefghij", Invalid, "14-digit To Do ID or the consumer's 10-digit request ID"),
    ("0000000000", NotFound, "request ID: no To Do of request 0000000000 in your offices; check the request ID"),
])
def test_what_is_not_an_id_or_not_there_is_named(engine, typed, error, words):
    with pytest.raises(error, match=words):
        resolve(engine, CLERK, typed)


def test_another_sub_divisions_request_is_not_there(engine):
    case_id, _ = a_case_of(engine, OTHER_CLERK)
    with pytest.raises(NotFound, match=f"no To Do of request {case_id} in your offices"):
        resolve(engine, CLERK, case_id)


async def test_o_with_a_request_id_opens_its_to_do_and_a_wrong_one_says_so(engine):
    case_id, todo_id = a_case_of(engine, CLERK)
    app = app_as(engine)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("o")
        await settle(pilot)
        await pilot.press(*"0000000000", "enter")
        await settle(pilot)
        assert isinstance(app.screen, TodoSearchScreen)
        assert any("no To Do of request 0000000000 in your offices" in n for n in notifications(app))
        await pilot.press("o")
        await settle(pilot)
        await pilot.press(*case_id, "enter")
        await settle(pilot)
        assert isinstance(app.screen, TodoEntryScreen) and app.screen.todo_id == todo_id
