"""The To Do Search a person starts the day on: their own To Dos, the role queue's count one key away,
the filter they left, saved searches from the palette, and a list that keeps itself current."""

from __future__ import annotations

import pytest

from textual.widgets import Select

from wss_tui.screens.todo_search import TodoSearchScreen
from wss_tui.store import db, prefs, todos, work_todos
from wss_tui.store.models import COMPLETE
from wss_tui.store.todos import SearchFilter

from ._revision_data import CLERK, CLERK2, EE, SDO
from .tui_helpers import app_as, row_keys, settle, table, text_of


def new_todo(engine, *, role: str, office: str, message: str, assigned_to: str | None = None,
             todo_type: str = "BRAPPROV", priority: int = 20) -> str:
    with db.write(engine) as s:
        return work_todos.create(s, todo_type=todo_type, role=role, office_code=office, message=message,
                                 priority=priority, case_id=None, account_id=None, chars=[], user_id=SDO,
                                 assigned_to=assigned_to)


def store_ids(engine, actor: str, flt: SearchFilter) -> list[str]:
    with db.read(engine) as session:
        return [row.todo_id for row in todos.search(session, actor, flt).rows]


async def palette(pilot, command: str) -> None:
    await pilot.press("ctrl+p")
    await settle(pilot)
    await pilot.press(*command)
    await settle(pilot)
    await pilot.press("enter")
    await settle(pilot)


@pytest.mark.usefixtures("queue_routing")  # the queue, as an office that routes none
async def test_the_ee_sees_the_waiting_approval_counted_and_one_key_shows_it(engine):
    approval = new_todo(engine, role="TR-EE", office="EDD-INR", message="approve the revision")
    app = app_as(engine, EE)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert approval not in row_keys(app, "#todos")  # their own To Dos first, as before
        waiting = len(store_ids(engine, EE, SearchFilter(user_filter="queue")))
        assert text_of(app, "#waiting") == f"{waiting} waiting in TR-EE queue — w"
        assert app.screen.query_one("#waiting").display
        await pilot.press("w")
        await settle(pilot)
        assert approval in row_keys(app, "#todos")
        assert app.screen.query_one("#user-filter", Select).value == "queue"
        assert text_of(app, "#waiting") == "w: back"
        await pilot.press("w")
        await settle(pilot)
        assert row_keys(app, "#todos") == store_ids(engine, EE, SearchFilter())
        assert app.screen.query_one("#user-filter", Select).value == "user"


async def test_a_clerk_starts_on_their_own_and_no_queue_line_when_nothing_waits(engine):
    app = app_as(engine, CLERK)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert row_keys(app, "#todos") == store_ids(engine, CLERK, SearchFilter())
        waiting = len(store_ids(engine, CLERK, SearchFilter(user_filter="queue")))
        shown = text_of(app, "#waiting")
        assert shown == (f"{waiting} waiting in TR-SDC queue — w" if waiting else "")
        assert app.screen.query_one("#waiting").display == bool(waiting)


async def test_the_filter_survives_logout_and_login(engine):
    app = app_as(engine, CLERK)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.screen.query_one("#status", Select).value = COMPLETE
        await settle(pilot)
        start = app.screen.query_one("#start")
        start.value = "-30d"
        start.focus()
        await pilot.press("enter")
        await settle(pilot)
    again = app_as(engine, CLERK)
    async with again.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert again.screen.query_one("#status", Select).value == COMPLETE
        assert text_of(again, "#start") == "-30d"  # as typed: thirty days back from today's login
        assert row_keys(again, "#todos") == store_ids(
            engine, CLERK, again.screen.query_one("#filters").read())
    other = app_as(engine, CLERK2)  # someone else's filters are their own
    async with other.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert other.screen.query_one("#status", Select).value == "open"


async def test_a_saved_search_is_saved_recalled_and_deleted_from_the_palette(engine):
    app = app_as(engine, CLERK)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.screen.query_one("#status", Select).value = COMPLETE
        await settle(pilot)
        await palette(pilot, "Save search as")
        await pilot.press(*"done [b]lately")  # a name is text, never markup
        await pilot.press("enter")
        await settle(pilot)
        with db.read(engine) as s:
            saved = prefs.saved_searches(s, CLERK)
        assert [(x.name, x.fields["status"]) for x in saved] == [("done [b]lately", COMPLETE)]

        app.screen.query_one("#status", Select).value = "open"
        await settle(pilot)
        assert app.screen.query_one("#status", Select).value == "open"
        await palette(pilot, "Search: done")
        assert isinstance(app.screen, TodoSearchScreen)
        assert app.screen.query_one("#status", Select).value == COMPLETE
        assert row_keys(app, "#todos") == store_ids(engine, CLERK, SearchFilter(status=COMPLETE))

        await palette(pilot, "Delete search: done")
        with db.read(engine) as s:
            assert prefs.saved_searches(s, CLERK) == []


async def test_a_to_do_assigned_while_the_screen_is_open_appears_and_the_cursor_stays_on_its_row(engine):
    app = app_as(engine, CLERK)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        before = row_keys(app, "#todos")
        assert len(before) >= 2
        await pilot.press("down")
        await settle(pilot)
        under = row_keys(app, "#todos")[table(app, "#todos").cursor_row]
        screen = app.screen
        screen.check_now()  # nothing changed: the page is not read again
        await settle(pilot)
        assert "new" not in text_of(app, "#page-label")

        # Highest priority: it sorts first, above the cursor's row.
        fresh = new_todo(engine, role="TR-SDC", office="ESD-INR-1", message="routed to the clerk",
                         assigned_to=CLERK, todo_type="IMITCASE", priority=10)
        screen.check_now()
        await settle(pilot)
        keys = row_keys(app, "#todos")
        assert keys[0] == fresh and keys[1:] == before
        assert keys[table(app, "#todos").cursor_row] == under
        assert text_of(app, "#page-label").endswith(f"of {len(keys)} · 1 new To Do")


async def test_a_to_do_someone_else_works_says_who_has_it_and_since_when(engine):
    theirs = new_todo(engine, role="TR-SDC", office="ESD-INR-1", message="taken by the other clerk",
                      assigned_to=CLERK2, todo_type="IMITCASE", priority=10)
    app = app_as(engine, CLERK)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        app.screen.query_one("#user-filter", Select).value = "role"
        await settle(pilot)
        assert row_keys(app, "#todos")[0] == theirs
        table(app, "#todos").move_cursor(row=0)
        await settle(pilot)
        assert "Being worked on by INR1-SDC2 since " in str(app.screen.query_one("#preview-keys").content)
