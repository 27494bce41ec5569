"""To Do management on screen (issue 16): an SDO sees each clerk's load, marks To Dos with space and
reassigns them with one reason; a clerk has no such key."""

from __future__ import annotations

import pytest
from textual.widgets._footer import FooterKey

from wss_tui.screens.reassign_dialog import ReassignDialog
from wss_tui.screens.todo_manage import TodoManageScreen
from wss_tui.screens.todo_search import TodoSearchScreen
from wss_tui.store import db, todo_manage, todos

from .tui_helpers import CLERK, CLERK2, OTHER_CLERK, SDO, app_as, column, no_blink, row_keys, settle, text_of  # noqa: F401

REASON = "Manoj is on leave this week"


def open_ids(engine, user_id: str) -> list[str]:
    with db.read(engine) as s:
        return [r.todo_id for r in todo_manage.open_todos(s, SDO, user_id=user_id).page.rows]


def footer(app) -> list[str]:
    return [f"{k.key_display} {k.description}" for k in app.screen.query(FooterKey)]


def workload_cell(app, key: str, column_key: str) -> str:
    table = app.screen.query_one("#workload")
    return str(table.get_cell(key, column_key))


async def open_manage(pilot, who: str = CLERK) -> None:
    """From the search: `M`, then the cursor on `who`'s row and the focus in the To Do list."""
    await settle(pilot)
    await pilot.press("M")
    await settle(pilot)
    assert isinstance(pilot.app.screen, TodoManageScreen)
    keys = row_keys(pilot.app, "#workload")
    for _ in range(keys.index(f"user:{who}")):
        await pilot.press("down")
    await settle(pilot)
    await pilot.press("enter")
    await settle(pilot)


async def test_the_sdo_reassigns_two_marked_to_dos_to_another_clerk(engine):
    mine = open_ids(engine, CLERK)
    assert len(mine) == 2
    app = app_as(engine, SDO)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_manage(pilot)
        assert workload_cell(app, f"user:{CLERK}", "open") == "2"
        assert workload_cell(app, f"user:{CLERK}", "oldest") == "33d"  # 26-10-2026 against the fixed 28-11
        assert workload_cell(app, f"user:{CLERK2}", "open") == "2"
        assert row_keys(app, "#todos") == mine
        await pilot.press("space", "space")
        assert column(app, "#todos", "mark") == ["*", "*"]
        assert "2 marked" in text_of(app, "#list-line")
        await pilot.press("r")
        await settle(pilot)
        assert isinstance(app.screen, ReassignDialog)
        await pilot.press(*CLERK2, "enter", *REASON, "enter")
        await settle(pilot)
        assert isinstance(app.screen, TodoManageScreen)
        assert row_keys(app, "#todos") == []
        assert workload_cell(app, f"user:{CLERK}", "open") == "0"
        assert workload_cell(app, f"user:{CLERK}", "oldest") == ""
        assert workload_cell(app, f"user:{CLERK2}", "open") == "4"
        assert any("Reassigned 2 To Dos to INR1-SDC2" in n.message for n in app._notifications)
    with db.read(engine) as s:
        for todo_id in mine:
            d = todos.get(s, SDO, todo_id)
            assert d.assigned_to == CLERK2 and f"by {SDO} (GUPTA,SHALINI): {REASON};" in d.log[-1].details


async def test_a_refusal_reopens_the_dialog_with_the_reason_and_what_was_typed(engine):
    app = app_as(engine, SDO)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_manage(pilot)
        await pilot.press("a", "r")
        await settle(pilot)
        await pilot.press(*OTHER_CLERK, "enter", *REASON, "enter")
        await settle(pilot)
        assert isinstance(app.screen, ReassignDialog)
        error = str(app.screen.query_one(".dialog-error").content)
        assert error.startswith("to user:") and "does not cover ESD-INR-1" in error
        assert text_of(app, "#target") == OTHER_CLERK and text_of(app, "#reason") == REASON
    assert len(open_ids(engine, CLERK)) == 2  # nothing moved


async def test_a_stale_mark_is_refused_naming_the_to_do(engine):
    mine = open_ids(engine, CLERK)
    app = app_as(engine, SDO)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_manage(pilot)
        await pilot.press("a")
        with db.write(engine) as s:  # the clerk writes a note on one meanwhile
            todos.add_log(s, CLERK, mine[1], todos.get(s, CLERK, mine[1]).version, "Called the consumer")
        await pilot.press("r")
        await settle(pilot)
        await pilot.press(*CLERK2, "enter", *REASON, "enter")
        await settle(pilot)
        assert isinstance(app.screen, TodoManageScreen)
        line = " ".join(n.message for n in app._notifications)
        assert mine[1] in line and "nothing was reassigned" in line
        assert "0 marked" in text_of(app, "#list-line") and row_keys(app, "#todos") == mine
    assert open_ids(engine, CLERK) == mine


async def test_a_clerk_has_no_such_key(engine):
    app = app_as(engine, CLERK)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert not any("Workload" in k for k in footer(app))
        await pilot.press("M")
        await settle(pilot)
        assert isinstance(app.screen, TodoSearchScreen)
        titles = [c.title for c in app.get_system_commands(app.screen)]
        assert "To Do management" not in titles


async def test_the_officer_sees_the_key_and_every_key_of_the_screen_fits(engine):
    app = app_as(engine, SDO)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert "M Workload" in footer(app)
        await pilot.press("M")
        await settle(pilot)
        shown = footer(app)
        for wanted in ("? Help", "space Mark", "a All", "r Reassign", "] Next", "[ Prev", "esc Back"):
            assert wanted in shown
        assert all(k.region.right <= 80 for k in app.screen.query(FooterKey) if k.display)
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, TodoSearchScreen)
        # From any other screen, the palette's "To Do management" opens it.
        app.open_todo(open_ids(engine, CLERK)[0])
        await settle(pilot)
        command = next(c for c in app.get_system_commands(app.screen) if c.title == "To Do management")
        command.callback()
        await settle(pilot)
        assert isinstance(app.screen, TodoManageScreen)


@pytest.mark.parametrize("size", [(80, 24)], ids=["80x24"])
def test_snapshot(engine, snap_compare, no_blink, size):
    app = app_as(engine, SDO)

    async def marked(pilot):
        await open_manage(pilot)
        await pilot.press("space")
        await settle(pilot)

    assert snap_compare(app, terminal_size=size, run_before=marked)
