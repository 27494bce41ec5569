"""Every key reachable at 80x24: each screen's footer shows its day's keys, whole and in order, and `?`
(or F1) opens the key list on every screen, from a field too, unless `?` is being typed."""

from __future__ import annotations

import pytest

from wss_tui.screens.account import AccountScreen
from wss_tui.screens.help import HelpScreen
from wss_tui.screens.intake import IntakeScreen
from wss_tui.screens.login import LoginScreen
from wss_tui.screens.mis import MisScreen
from wss_tui.screens.revision import RevisionScreen
from wss_tui.screens.todo_entry import TodoEntryScreen
from wss_tui.screens.todo_search import TodoSearchScreen
from wss_tui.store import db, todos
from wss_tui.store.models import BEING_WORKED_ON
from wss_tui.store.todos import SearchFilter

from .tui_helpers import CLERK, app_as, column, screen_lines, settle, table

OPERATOR = "INR1-OPR"

# What each screen's footer says at 80 columns, exactly and in this order (the rest are on `?`).
FOOTERS = {
    "login": "? Help",
    "search": "⏎ Open ? Help / Filters n Next To Do o Open ID m MIS ] Next page [ Prev page",
    # A To Do of the clerk's own: no `t Take` (it is theirs), no `b Send back` (nobody forwarded it).
    "entry": "? Help u Note f Forward c Complete v Revise k Keys g Log a A/c esc Back",
    "account": "? Help h Activity b Bills o Open To Dos v Revise bill esc Back r Reload",
    "mis": "? Help esc Up a level p Period r Reload",
    "intake": "? Help ^s Register ^l Look up ^n New request",
    "revision": "? Help ^s Propose esc Back",
}
SCREENS = {"login": LoginScreen, "search": TodoSearchScreen, "entry": TodoEntryScreen, "account": AccountScreen,
           "mis": MisScreen, "intake": IntakeScreen, "revision": RevisionScreen}


def worked_to_do(engine) -> tuple[str, str]:
    with db.read(engine) as session:
        todo_id = todos.search(session, CLERK, SearchFilter(status=BEING_WORKED_ON)).rows[0].todo_id
        return todo_id, dict(todos.get(session, CLERK, todo_id).keys)["Account ID"]


async def open_screen(app, pilot, engine, name: str) -> None:
    await settle(pilot)
    todo_id, account_id = worked_to_do(engine)
    if name in ("entry", "revision"):
        app.open_todo(todo_id)
        await settle(pilot)
        if name == "revision":
            await pilot.press("v")
    elif name == "account":
        app.open_account(account_id)
    elif name == "mis":
        await pilot.press("m")
    await settle(pilot)
    assert isinstance(app.screen, SCREENS[name])


def user_of(name: str) -> str | None:
    return {"login": None, "intake": OPERATOR}.get(name, CLERK)


@pytest.mark.parametrize("name", list(FOOTERS))
async def test_the_footer_at_80_columns_shows_the_screens_keys_whole(engine, name):
    app = app_as(engine, user_of(name))
    async with app.run_test(size=(80, 24)) as pilot:
        await open_screen(app, pilot, engine, name)
        footer = screen_lines(app)[-1]
        assert footer.strip().startswith(FOOTERS[name]), footer
        # never a key cut in half at the edge, as `v Revision n` was
        assert footer.rstrip().endswith(FOOTERS[name].split(" ")[-1]) or "^p palette" in footer, footer


async def test_the_entry_footer_at_120_columns_has_room_for_the_rest(engine):
    app = app_as(engine)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_screen(app, pilot, engine, "entry")
        footer = screen_lines(app)[-1]
        assert FOOTERS["entry"] + " p Priority n Next r Reload" in footer, footer


@pytest.mark.parametrize("key", ["question_mark", "f1"])
@pytest.mark.parametrize("name", list(FOOTERS))
async def test_question_mark_and_f1_open_the_key_list_on_every_screen(engine, name, key):
    app = app_as(engine, user_of(name))
    async with app.run_test(size=(80, 24)) as pilot:
        await open_screen(app, pilot, engine, name)
        focused = app.focused
        await pilot.press(key)
        await settle(pilot)
        assert isinstance(app.screen, HelpScreen), f"{key} on {name} (focus {focused!r})"
        listed = column(app, "#help-keys", "what")
        assert "This list (also F1, which works while typing)" in listed
        await pilot.press(key)  # the same key closes it
        await settle(pilot)
        assert isinstance(app.screen, SCREENS[name])
        assert getattr(focused, "value", "") == ""  # nothing was typed into the field that had focus


async def test_help_lists_the_long_names_the_footer_shortens(engine):
    app = app_as(engine)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_screen(app, pilot, engine, "entry")
        await pilot.press("question_mark")
        await settle(pilot)
        listed = column(app, "#help-keys", "what")
        # (no "Send back": nobody forwarded this To Do, so there is no one to send it back to)
        for what in ("Add log entry", "Bill revision", "Keys/Values", "Account", "Priority",
                     "Next To Do", "Reload", "Back"):
            assert what in listed, what


async def test_question_mark_in_a_field_with_text_or_a_password_is_typed(engine):
    app = app_as(engine, OPERATOR)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert app.focused.id == "account"
        await pilot.press("question_mark")  # an empty account field: nobody types `?` there
        await settle(pilot)
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        await settle(pilot)
        reason = app.screen.query_one("#reason")
        reason.focus()
        await pilot.press(*"Why so high", "question_mark")
        await settle(pilot)
        assert isinstance(app.screen, IntakeScreen)
        assert reason.value == "Why so high?"
        await pilot.press("f1")  # F1 is the key list even there
        await settle(pilot)
        assert isinstance(app.screen, HelpScreen)
    app = app_as(engine, None)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        password = app.screen.query_one("#password")
        password.focus()
        await pilot.press("question_mark", *"x1")  # a password may start with `?`
        await settle(pilot)
        assert isinstance(app.screen, LoginScreen)
        assert password.value == "?x1"


async def test_question_mark_opens_help_in_a_dialog(engine):
    app = app_as(engine)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_screen(app, pilot, engine, "entry")
        await pilot.press("f")
        await settle(pilot)
        dialog = app.screen
        await pilot.press("question_mark")
        await settle(pilot)
        assert isinstance(app.screen, HelpScreen)
        assert "Cancel" in column(app, "#help-keys", "what")
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is dialog


async def test_the_message_takes_the_room_a_wider_terminal_gives(engine):
    widths = {}
    for size in ((80, 24), (119, 40), (120, 40), (160, 40)):
        app = app_as(engine)
        async with app.run_test(size=size) as pilot:
            await settle(pilot)
            widths[size[0]] = table(app, "#todos").columns["message"].width
    assert widths[80] >= 28
    assert widths[120] >= 40, widths  # was 24, less than at 80 columns
    assert widths[80] < widths[120] <= widths[160], widths


async def test_the_key_list_names_each_section_whole_and_each_key_once(engine):
    """"In the focused list or field" was cut to "In the focus" by the key column, and ctrl+p was
    listed twice (Textual's "Open the command palette" and ours)."""
    from wss_tui.screens.help import KEY_WIDTH

    app = app_as(engine)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_screen(app, pilot, engine, "search")
        await pilot.press("question_mark")
        await settle(pilot)
        keys, listed = column(app, "#help-keys", "key"), column(app, "#help-keys", "what")
        sections = [k for k, what in zip(keys, listed, strict=True) if not what]
        assert sections == ["This screen", "Everywhere", "This list", "On screen"]
        assert all(len(k) <= KEY_WIDTH for k in keys)
        palette = [what for what in listed if "command palette" in what]
        assert palette == ["Find any action by name (command palette)"]


# --- dialogs: their own keys, not the screen's underneath ------------------------------------------

ENTRY_KEYS = ("t Take", "f Forward", "c Complete", "esc Back")


async def test_a_dialog_footer_shows_the_dialogs_keys_and_what_enter_does_now(engine):
    """The footer under a dialog named the To Do Entry's keys (t Take, f Forward …), which do nothing
    while it is open; it names the dialog's, and Enter as what it does on the field in focus."""
    app = app_as(engine)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_screen(app, pilot, engine, "entry")
        await pilot.press("f")
        await settle(pilot)
        footer = screen_lines(app)[-1]
        assert not any(key in footer for key in ENTRY_KEYS), footer
        assert footer.strip() == "⏎ Next field ? Help esc Cancel ^s Forward", footer
        app.screen.query_one("#note").focus()  # the last field: Enter forwards
        await settle(pilot)
        footer = screen_lines(app)[-1]
        assert footer.strip() == "⏎ Forward ? Help esc Cancel", footer
        await pilot.press("escape")
        await settle(pilot)
        assert screen_lines(app)[-1].strip().startswith(FOOTERS["entry"])


async def test_enter_moves_field_to_field_then_submits_as_the_footer_says(engine):
    app = app_as(engine)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_screen(app, pilot, engine, "entry")
        await pilot.press("f")
        await settle(pilot)
        dialog = app.screen
        await pilot.press(*"INR1-XYZ", "enter")
        await settle(pilot)
        assert app.focused.id == "note"
        await pilot.press("enter")  # the last field, empty: refused in the dialog, which stays
        await settle(pilot)
        assert app.screen is dialog
        assert "Note: say why" in str(dialog.query_one(".dialog-error").content)


async def test_a_confirmation_footer_says_yes_and_no(engine):
    from wss_tui.screens.dialogs import ConfirmDialog

    app = app_as(engine)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_screen(app, pilot, engine, "entry")
        app.push_screen(ConfirmDialog("Complete To Do", "Complete it?", yes="Complete"))
        await settle(pilot)
        assert screen_lines(app)[-1].strip() == "? Help y Complete n No"


async def test_the_key_list_has_its_own_footer(engine):
    app = app_as(engine)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_screen(app, pilot, engine, "entry")
        await pilot.press("question_mark")
        await settle(pilot)
        assert screen_lines(app)[-1].strip() == "esc Close"


async def test_the_key_list_explains_the_short_words_on_screen(engine):
    """"Rel" (search) and "LPS" (revision) were explained nowhere a clerk at 80x24 could read."""
    app = app_as(engine)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_screen(app, pilot, engine, "search")
        await pilot.press("question_mark")
        await settle(pilot)
        keys, listed = column(app, "#help-keys", "key"), column(app, "#help-keys", "what")
        assert "On screen" in keys
        assert listed[keys.index("Rel")] == "Related: other To Dos on the same case or account"
        await pilot.press("escape")
        await settle(pilot)
        await open_screen(app, pilot, engine, "revision")
        await pilot.press("question_mark")
        await settle(pilot)
        keys, listed = column(app, "#help-keys", "key"), column(app, "#help-keys", "what")
        assert listed[keys.index("LPS")].startswith("Late payment surcharge")
        # every explanation is read whole in the 76-column box, without scrolling sideways
        assert all(len(what) <= 60 for what in listed), max(listed, key=len)
