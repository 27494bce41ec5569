"""Screenshots of each screen at 80x24 (the clerks' SSH terminals) and 120x40.

Deterministic: the fixed clock (WSS_NOW, from conftest), the seed-7 demo data, a steady cursor.
Update with `pytest tests/test_tui_snapshots.py --snapshot-update` only after looking at
snapshot_report.html.
"""

from __future__ import annotations

import pytest

from wss_tui.store import db, todos
from wss_tui.store.models import BEING_WORKED_ON
from wss_tui.store.todos import SearchFilter

from .tui_helpers import CLERK, app_as, no_blink, settle  # noqa: F401  (no_blink is a fixture)

SIZES = pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])


def my_to_do(engine) -> str:
    with db.read(engine) as session:
        return todos.search(session, CLERK, SearchFilter(status=BEING_WORKED_ON)).rows[0].todo_id


def account_of(engine, todo_id: str) -> str:
    with db.read(engine) as session:
        return dict(todos.get(session, CLERK, todo_id).keys)["Account ID"]


@SIZES
def test_login(engine, snap_compare, no_blink, size):
    app = app_as(engine, None)

    async def typed(pilot):
        await settle(pilot)
        await pilot.press(*"INR1-SDC1", "enter", *"wrong", "enter")
        await settle(pilot)

    assert snap_compare(app, terminal_size=size, run_before=typed)


@SIZES
def test_todo_search(engine, snap_compare, no_blink, size):
    app = app_as(engine)

    async def all_of_my_roles(pilot):
        await settle(pilot)
        app.screen.query_one("#user-filter").value = "role"
        app.screen.query_one("#status").value = "*"
        await settle(pilot)

    assert snap_compare(app, terminal_size=size, run_before=all_of_my_roles)


@SIZES
def test_todo_search_bad_date_high_contrast(engine, snap_compare, no_blink, size):
    app = app_as(engine, theme="high-contrast")

    async def bad_date(pilot):
        await settle(pilot)
        start = app.screen.query_one("#start")
        start.focus()
        start.value = "31-02-2026"
        await pilot.press("enter")
        await settle(pilot)

    assert snap_compare(app, terminal_size=size, run_before=bad_date)


@SIZES
def test_todo_entry(engine, snap_compare, no_blink, size):
    app = app_as(engine)
    todo_id = my_to_do(engine)

    async def opened(pilot):
        await settle(pilot)
        app.open_todo(todo_id)
        await settle(pilot)

    assert snap_compare(app, terminal_size=size, run_before=opened)


@SIZES
def test_todo_entry_keys_values(engine, snap_compare, no_blink, size):
    app = app_as(engine)
    todo_id = my_to_do(engine)

    async def keys(pilot):
        await settle(pilot)
        app.open_todo(todo_id)
        await settle(pilot)
        await pilot.press("k")
        await settle(pilot)

    assert snap_compare(app, terminal_size=size, run_before=keys)


@SIZES
def test_forward_dialog(engine, snap_compare, no_blink, size):
    app = app_as(engine)
    todo_id = my_to_do(engine)

    async def forward(pilot):
        await settle(pilot)
        app.open_todo(todo_id)
        await settle(pilot)
        await pilot.press("f")
        await settle(pilot)
        await pilot.press("ctrl+s")
        await settle(pilot)

    assert snap_compare(app, terminal_size=size, run_before=forward)


@SIZES
def test_forward_dialog_refused_by_the_store(engine, snap_compare, no_blink, size):
    """The store's refusal inside the dialog, what was typed still there."""
    app = app_as(engine)
    todo_id = my_to_do(engine)

    async def refused(pilot):
        await settle(pilot)
        app.open_todo(todo_id)
        await settle(pilot)
        await pilot.press("f")
        await settle(pilot)
        await pilot.press(*"INR1-XYZ", "enter", *"Consumer disputes the meter change")
        await pilot.press("ctrl+s")
        await settle(pilot)

    assert snap_compare(app, terminal_size=size, run_before=refused)


@SIZES
def test_account_context(engine, snap_compare, no_blink, size):
    app = app_as(engine)
    account_id = account_of(engine, my_to_do(engine))

    async def opened(pilot):
        await settle(pilot)
        app.open_account(account_id)
        await settle(pilot)

    assert snap_compare(app, terminal_size=size, run_before=opened)


@SIZES
def test_help(engine, snap_compare, no_blink, size):
    app = app_as(engine)

    async def help_on_entry(pilot):
        await settle(pilot)
        app.open_todo(my_to_do(engine))
        await settle(pilot)
        await pilot.press("question_mark")
        await settle(pilot)

    assert snap_compare(app, terminal_size=size, run_before=help_on_entry)
