"""Keys typed ahead in one burst (a slow SSH link, a password manager) land where they would typed slowly.

A burst is every key in the App's queue before the first is handled: `burst` posts them in one go,
as the driver does with one read of the terminal. (`pilot.press` waits for the app between keys, so it
never makes a burst.) Each test then waits on what the screen or the store shows.
"""

from __future__ import annotations

from datetime import datetime

from textual import events
from textual.keys import _character_to_key
from textual.widgets import Input

from wss_tui.screens.dialogs import ConfirmDialog, TextDialog
from wss_tui.screens.intake import IntakeScreen
from wss_tui.screens.login import LoginScreen
from wss_tui.screens.revision import RevisionScreen
from wss_tui.screens.todo_entry import TodoEntryScreen
from wss_tui.screens.todo_search import TodoSearchScreen
from wss_tui.store import db, todos
from wss_tui.store.clock import IST
from wss_tui.store.models import BEING_WORKED_ON, OPEN
from wss_tui.store.todos import SearchFilter

from ._revision_data import bill_of, caseless_todo, demo_complaint, free_bill
from .tui_helpers import CLERK, PASSWORDS, SDO, app_as, column, settle, table, text_of

NAMED = {"\t": "tab", "\r": "enter", "\x1b": "escape"}


def burst(app, *parts: str) -> None:
    """Each part is literal text (\\t Tab, \\r Enter) or, in angle brackets, one named key: "<down>"."""
    for part in parts:
        if part.startswith("<") and part.endswith(">") and len(part) > 2:
            app.post_message(events.Key(part[1:-1], None))
            continue
        for char in part:
            key = NAMED.get(char) or (char if char.isalnum() else _character_to_key(char))
            app.post_message(events.Key(key, char))


async def until(pilot, shown, what: str, rounds: int = 60):
    """Wait (on workers and the screen, never a fixed sleep) until `shown()` is true."""
    for _ in range(rounds):
        if not pilot.app.type_ahead.holding and shown():
            return
        await settle(pilot, rounds=1)
    screen = pilot.app.screen
    labels = [str(label.content) for label in screen.query("Label")]
    inputs = {i.id: i.value for i in screen.query(Input)}
    raise AssertionError(f"never happened: {what}; the screen is {screen!r} {labels} {inputs}, focus {pilot.app.focused!r}")


def field(app, selector: str) -> str:
    return app.screen.query_one(selector, Input).value


def stored(engine, todo_id: str, actor: str = CLERK) -> todos.TodoDetail:
    with db.read(engine) as session:
        return todos.get(session, actor, todo_id)


def first_id(engine, flt: SearchFilter, actor: str = CLERK) -> str:
    with db.read(engine) as session:
        return todos.search(session, actor, flt).rows[0].todo_id


async def at_login(pilot) -> None:
    await settle(pilot)
    assert isinstance(pilot.app.screen, LoginScreen)


# --- login -----------------------------------------------------------------------------------------

async def test_a_burst_user_tab_password_keeps_the_password_in_its_field(engine):
    app = app_as(engine, None)
    async with app.run_test(size=(80, 24)) as pilot:
        await at_login(pilot)
        burst(app, f"{CLERK}\t{PASSWORDS['TR-SDC']}")
        await until(pilot, lambda: field(app, "#password") == PASSWORDS["TR-SDC"], "the password in #password")
        assert field(app, "#user-id") == CLERK  # never "INR1-SDC1clerk@123", readable on screen


async def test_a_burst_user_tab_password_enter_logs_in(engine):
    app = app_as(engine, None)
    async with app.run_test(size=(80, 24)) as pilot:
        await at_login(pilot)
        burst(app, f"{CLERK}\t{PASSWORDS['TR-SDC']}\r")
        await until(pilot, lambda: isinstance(app.screen, TodoSearchScreen), "the To Do Search")
        assert app.who is not None and app.who.user_id == CLERK


async def test_a_burst_user_enter_password_enter_logs_in_and_the_next_keys_reach_the_search(engine):
    app = app_as(engine, None)
    async with app.run_test(size=(80, 24)) as pilot:
        await at_login(pilot)
        # The keys after Enter wait for the login check and land on the search, as typed slowly.
        burst(app, f"{CLERK}\r{PASSWORDS['TR-SDC']}\r", "o")
        await until(pilot, lambda: isinstance(app.screen, TextDialog), "the Open a To Do dialog")
        assert app.who.user_id == CLERK


# --- dialogs opened by a key, with text typed right after --------------------------------------------

async def open_entry(pilot, todo_id: str) -> None:
    await settle(pilot)
    pilot.app.open_todo(todo_id)
    await settle(pilot)
    assert isinstance(pilot.app.screen, TodoEntryScreen)


async def test_u_and_a_note_and_enter_in_one_burst_add_the_log_entry(engine):
    todo_id = first_id(engine, SearchFilter(status=BEING_WORKED_ON))
    app = app_as(engine)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_entry(pilot, todo_id)
        burst(app, "uSite visited; meter reads 4512\r")
        await until(pilot, lambda: stored(engine, todo_id).log[-1].details == "Site visited; meter reads 4512",
                    "the log entry stored")
        await until(pilot, lambda: column(app, "#log", "details")[0] == "Site visited; meter reads 4512",
                    "the log entry shown")
        assert isinstance(app.screen, TodoEntryScreen)


async def test_f_user_tab_note_enter_in_one_burst_forwards(engine):
    todo_id = first_id(engine, SearchFilter(status=BEING_WORKED_ON))
    app = app_as(engine)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_entry(pilot, todo_id)
        burst(app, f"f{SDO}\tplease approve\r")
        await until(pilot, lambda: stored(engine, todo_id, SDO).assigned_to == SDO, "the To Do forwarded")
    assert stored(engine, todo_id, SDO).log[-1].details.endswith("please approve")


async def test_p_a_choice_and_a_note_in_one_burst_change_the_priority(engine):
    todo_id = first_id(engine, SearchFilter(status=BEING_WORKED_ON))
    before = stored(engine, todo_id).priority
    app = app_as(engine)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_entry(pilot, todo_id)
        # The priority list opens on Enter; Up or Down moves to another priority; Tab to the note.
        burst(app, "p\r", "<down>" if before != 50 else "<up>", "\r\tConsumer is a hospital\r")
        await until(pilot, lambda: stored(engine, todo_id).priority != before, "the priority changed")
    assert stored(engine, todo_id).log[-1].details.endswith("Consumer is a hospital")


async def test_c_comment_enter_y_in_one_burst_completes(engine):
    todo_id = caseless_todo(engine)  # the plain Complete: a comment, then are you sure
    app = app_as(engine)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_entry(pilot, todo_id)
        burst(app, "cResolved on the phone\ry")
        await until(pilot, lambda: stored(engine, todo_id).status == "Complete", "the To Do completed")
        assert not isinstance(app.screen, (TextDialog, ConfirmDialog))


async def test_o_id_enter_on_the_search_opens_it_and_u_note_goes_on_it(engine):
    todo_id = first_id(engine, SearchFilter(status=BEING_WORKED_ON))
    app = app_as(engine)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        # The To Do loads in a worker; `u` and the note wait for it, as a person would.
        burst(app, f"o{todo_id}\r", "uFrom the search\r")
        await until(pilot, lambda: stored(engine, todo_id).log[-1].details == "From the search", "the log entry")
        assert isinstance(app.screen, TodoEntryScreen) and app.screen.todo_id == todo_id


# --- filters ---------------------------------------------------------------------------------------

async def test_slash_and_filter_keys_in_one_burst_filter(engine):
    app = app_as(engine)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        search = app.screen
        # "/" to the filters, Tab over type, user filter and user ID to From, a date, Enter.
        burst(app, "/\t\t\t01-11-2026\r")
        wanted = datetime(2026, 11, 1, tzinfo=IST)
        await until(pilot, lambda: search.query_one("#filters").applied is not None
                    and search.query_one("#filters").applied.start == wanted, "the From filter applied")
        assert field(app, "#start") == "01-11-2026"
        assert field(app, "#user-id") == CLERK


async def test_a_burst_into_a_select_then_a_field(engine):
    app = app_as(engine)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        search = app.screen
        # The user filter to Role (Enter opens the list, Down, Enter); Tab to the field, which now
        # holds the role; ctrl+u clears it; another role; Enter.
        burst(app, "/\t\r", "<down>", "\r\t", "<ctrl+u>", "tr-sdo\r")
        await until(pilot, lambda: (a := search.query_one("#filters").applied) is not None and a.role == "TR-SDO",
                    "the role filter applied")
        assert text_of(app, "#user-label") == "Role"
        assert field(app, "#user-id") == "tr-sdo"


# --- the revision form and the intake screen --------------------------------------------------------

async def test_v_and_a_reading_typed_ahead_reach_the_revision_form(engine):
    c = demo_complaint(engine)
    reading = f"{bill_of(engine, c.bill_no).curr_reading - 15:.0f}"
    app = app_as(engine)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_entry(pilot, c.todo_id)
        burst(app, "v", reading)
        await until(pilot, lambda: isinstance(app.screen, RevisionScreen) and field(app, "#reading") == reading,
                    "the reading in its field")
        assert app.focused is app.screen.query_one("#reading")


async def test_intake_account_enter_and_reason_typed_ahead(engine):
    account_id, bill_no = free_bill(engine)
    app = app_as(engine, "INR1-OPR")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, IntakeScreen)
        # The account is looked up in a worker; Enter on the bill list, then the reason, wait for it.
        burst(app, f"{account_id}\r\rMeter reads 4512 but the bill charges 5120")
        await until(pilot, lambda: field(app, "#reason") == "Meter reads 4512 but the bill charges 5120",
                    "the reason in its field")
        assert field(app, "#account") == account_id
        assert table(app, "#bills").cursor_row == 0
