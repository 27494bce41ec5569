"""Stored text shown by every screen as typed: markup not interpreted, no action run by a click, no
control character reaching the terminal (issue 11, findings 1 and 2).

The corpus is planted in the database past the store's checks (tests/_hostile_data.py), then each
screen is driven as its user would: a clerk (To Do Search, To Do Entry with its log and Keys/Values,
the account context, the MIS), the SDO (the revision to approve), an EE (the division's MIS) and the
counter operator (walk-in intake). Three things are checked on every screen:
- no string holding stored text is handed to a markup parser (`parsed`, the guard);
- what the terminal is sent shows the text literally, with visible marks for control characters, and
  carries no click action or hyperlink that came from data;
- the widgets hold exactly `visible(value)`.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.console import Console
from rich.text import Text
from textual.content import Content
from textual.widgets import DataTable

from wss_tui.app import WssApp
from wss_tui.plain import plain
from wss_tui.screens.account import AccountScreen
from wss_tui.screens.dialogs import CloseCaseDialog, ConfirmDialog, TextDialog
from wss_tui.screens.intake import IntakeScreen
from wss_tui.screens.mis import MisScreen
from wss_tui.screens.revision import RevisionScreen
from wss_tui.screens.todo_entry import TodoEntryScreen
from wss_tui.screens.todo_search import TodoSearchScreen
from wss_tui.store.text import visible

from . import _hostile_data as data
from ._hostile_data import MARK, plant
from ._revision_data import EE, SDO, caseless_todo
from .hostile import assert_no_control
from .tui_helpers import CLERK, app_as, field_value, settle, table

# Revision and closure flows start from a To Do taken from the queue, as before routing (test_routing.py
# covers who a new To Do is routed to).
pytestmark = pytest.mark.usefixtures("queue_routing")

SIZE = (160, 50)  # wide: every column, and log users by name
OPERATOR = "INR1-OPR"


@pytest.fixture
def planted(engine, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)  # should a click ever take a screenshot, it lands here, not in the checkout
    return plant(engine)


@pytest.fixture
def parsed(monkeypatch) -> list[str]:
    """Every string handed to Rich's or Textual's markup parser while the test runs."""
    seen: list[str] = []
    text_parse, content_parse = Text.from_markup.__func__, Content.from_markup.__func__

    def text_from_markup(cls, text, *args, **kwargs):
        seen.append(str(text))
        return text_parse(cls, text, *args, **kwargs)

    def content_from_markup(cls, markup, *args, **kwargs):
        seen.append(str(markup))
        return content_parse(cls, markup, *args, **kwargs)

    monkeypatch.setattr(Text, "from_markup", classmethod(text_from_markup))
    monkeypatch.setattr(Content, "from_markup", classmethod(content_from_markup))
    return seen


@pytest.fixture
def actions(monkeypatch) -> list[str]:
    """The App actions a click on data could reach, recorded instead of run."""
    ran: list[str] = []

    async def screenshot(self, *args) -> None:
        ran.append(f"screenshot{args}")

    async def quit_(self) -> None:
        ran.append("quit")

    monkeypatch.setattr(WssApp, "action_screenshot", screenshot)
    monkeypatch.setattr(WssApp, "action_quit", quit_)
    return ran


def rendered(app) -> tuple[list[str], list[str], list[str]]:
    """The screen as sent to the terminal: its lines, the click actions and the hyperlinks it carries."""
    lines, clicks, links = [], [], []
    for strip in app.screen._compositor.render_strips():
        line = []
        for segment in strip:
            line.append(segment.text)
            style = segment.style
            if style is None:
                continue
            if style.link:
                links.append(style.link)
            if "@click" in style.meta:
                clicks.append(str(style.meta["@click"]))
        lines.append("".join(line))
    return lines, clicks, links


def check_screen(app, parsed: list[str], *shown: str) -> list[str]:
    """The guard, on whatever the app shows now; `shown`: stored values that must be on screen as typed."""
    lines, clicks, links = rendered(app)
    screen = "\n".join(lines)
    assert_no_control(screen)
    assert not [c for c in clicks if any(a in c for a in ("screenshot", "quit", "take"))], clicks
    assert not [link for link in links if "evil.example" in link], links
    handed = [s for s in parsed if MARK in s]
    assert not handed, f"stored text handed to a markup parser: {handed[0][:120]!r}"
    for value in shown:
        assert visible(value, multiline=False) in screen, f"{visible(value)!r} is not on the screen:\n{screen}"
    return lines


def cells(app, selector: str, column: str) -> list:
    t = table(app, selector)
    return [t.get_cell(row, column) for row in t.rows]


def shows_exactly(cell, value: str) -> None:
    """A cell or label holds the stored value as literal text, controls made visible."""
    assert isinstance(cell, (Text, Content)), f"{type(cell).__name__} {cell!r}"
    assert cell.plain == visible(value)


def label(app, selector: str):
    if (value := field_value(app, selector)) is not None:
        return value
    widget = app.screen.query_one(selector)
    return widget.visual


async def click_on(pilot, text: str) -> None:
    lines, _, _ = rendered(pilot.app)
    y = next(n for n, line in enumerate(lines) if text in line)
    await pilot.click(offset=(lines[y].index(text) + 2, y))
    await settle(pilot)


async def test_a_clerk_sees_the_stored_text_as_typed_and_clicks_run_nothing(engine, planted, parsed, actions, tmp_path):
    app = app_as(engine, CLERK)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, TodoSearchScreen)
        t = table(app, "#todos")
        t.move_cursor(row=[str(k.value) for k in t.rows].index(planted.todo_id))
        await settle(pilot)
        shows_exactly(t.get_cell(planted.todo_id, "message"), data.MESSAGE)
        preview = label(app, "#preview-message").plain  # the message, then (room allowing) what Rel counts
        assert preview.split(" · Rel ")[0].endswith(visible(data.MESSAGE)), preview
        check_screen(app, parsed, data.STAFF_NAME)

        app.open_todo(planted.todo_id)
        await settle(pilot)
        assert isinstance(app.screen, TodoEntryScreen)
        for field, value in (("#f-message", data.MESSAGE), ("#f-comment", data.COMMENT)):
            shows_exactly(label(app, field), value)
        assert visible(data.STAFF_NAME) in label(app, "#f-assigned").plain
        details = cells(app, "#log", "details")
        for cell, value in zip(details, reversed(planted.log)):
            shows_exactly(cell, value)
        users = cells(app, "#log", "user")
        shows_exactly(users[0], f"{data.STAFF_NAME} ({CLERK})")
        check_screen(app, parsed, data.MESSAGE, *planted.click_entries)

        # The entries read "[@click=…]see note[/]" and "[@click=app.quit]close[/]": clicked, nothing runs.
        screen, files = app.screen, sorted(tmp_path.iterdir())
        await click_on(pilot, "see note[/]")
        await click_on(pilot, "close[/]")
        assert actions == []
        assert app.is_running and app.screen is screen
        assert sorted(tmp_path.iterdir()) == files

        await pilot.press("k")
        await settle(pilot)
        keys = {k.plain: v for k, v in zip(cells(app, "#keys", "key"), cells(app, "#keys", "value"))}
        shows_exactly(keys["Person"], data.PERSON)
        shows_exactly(keys["Premise"], data.PREMISE)
        assert keys["Attachment"].plain.startswith(visible(data.FILENAME) + " (application/pdf")
        check_screen(app, parsed, data.PERSON)

        await pilot.press("a")
        await settle(pilot)
        assert isinstance(app.screen, AccountScreen)
        for field, value in (("#c-person", data.PERSON), ("#c-premise", data.PREMISE), ("#c-town", data.TOWN)):
            shows_exactly(label(app, field), value)
        assert visible(data.OFFICE_NAME) in label(app, "#c-office").plain
        descriptions = [c.plain for c in cells(app, "#activity", "description")]
        assert f"{visible(data.CONTACT_CLASS)} / {visible(data.CONTACT_TYPE)}" in descriptions
        check_screen(app, parsed, data.PERSON, data.CONTACT_CLASS)
        await pilot.press("b")
        await settle(pilot)
        assert all(isinstance(c, (Text, Content)) for c in cells(app, "#bills", "bill"))
        check_screen(app, parsed, data.PERSON)
        await pilot.press("o")
        await settle(pilot)
        shows_exactly(dict(zip((str(k.value) for k in table(app, "#open-todos").rows),
                               cells(app, "#open-todos", "message")))[planted.todo_id], data.MESSAGE)
        check_screen(app, parsed, data.MESSAGE)

        await pilot.press("escape", "escape")
        await settle(pilot)
        await pilot.press("m")
        await settle(pilot)
        assert isinstance(app.screen, MisScreen)
        shows_exactly(label(app, "#mis-title"), f"MIS · {data.OFFICE_NAME} · Bill-revision complaints")
        check_screen(app, parsed, data.OFFICE_NAME)

        await pilot.press("question_mark")
        await settle(pilot)
        check_screen(app, parsed)
        assert actions == []



async def test_the_sdo_reads_a_hostile_remark_on_the_revision_to_approve(engine, planted, parsed, actions):
    app = app_as(engine, SDO)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.open_todo(planted.approval_todo_id)
        await settle(pilot)
        assert isinstance(app.screen, TodoEntryScreen)
        check_screen(app, parsed)
        await pilot.press("v")
        await settle(pilot)
        assert isinstance(app.screen, RevisionScreen)
        decision = label(app, "#rev-decision").plain
        assert f": {visible(data.REMARK)}" in decision
        assert visible(data.STAFF_NAME) in decision  # the maker, by name
        assert visible(data.PERSON) in label(app, "#rev-info").plain
        assert all(isinstance(c, (Text, Content)) for c in cells(app, "#lines", "line"))
        check_screen(app, parsed, data.REMARK, data.PERSON)
        assert actions == []


async def test_an_ee_sees_the_divisions_name_as_typed_in_the_mis(engine, planted, parsed):
    app = app_as(engine, EE)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("m")
        await settle(pilot)
        assert isinstance(app.screen, MisScreen)
        shows_exactly(label(app, "#mis-title"), f"MIS · {data.DIVISION_NAME} · Bill-revision complaints")
        check_screen(app, parsed, data.DIVISION_NAME)


async def test_the_counter_sees_the_consumer_as_stored(engine, planted, parsed):
    app = app_as(engine, OPERATOR)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, IntakeScreen)
        app.screen.query_one("#account").focus()
        app.screen.query_one("#account").value = planted.account_id
        await pilot.press("enter")
        await settle(pilot)
        person = label(app, "#person").plain
        assert person.startswith(f"{visible(data.PERSON)} · A/c {planted.account_id}")
        assert f"\n{visible(data.PREMISE)} · " in person
        assert all(isinstance(c, (Text, Content)) for c in cells(app, "#bills", "bill"))
        check_screen(app, parsed, data.PERSON, data.PREMISE)


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_any_text_in_a_cell_is_exactly_its_visible_form(value):
    """What plain() makes of any text is what DataTable and the terminal show: no markup, no control."""
    from textual.widgets._data_table import default_cell_formatter

    cell = default_cell_formatter(plain(value))
    assert cell.plain == visible(value)
    console = Console(width=10_000, color_system=None, force_terminal=False, legacy_windows=False)
    with console.capture() as captured:
        console.print(cell, end="", soft_wrap=True)
    assert captured.get() == visible(value)
    assert Content.from_rich_text(plain(value)).plain == visible(value)


async def test_dialogs_and_toasts_show_stored_and_typed_text_as_it_is(engine, planted, parsed, actions):
    typed = MARK + "[@click=app.quit]done[/] \u202eRs"
    caseless = caseless_todo(engine)
    app = app_as(engine, CLERK)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot)
        app.open_todo(planted.todo_id)
        await settle(pilot)
        await pilot.press("c")  # the complaint's case closes with an OTP to the (masked) mobile
        await settle(pilot)
        assert isinstance(app.screen, CloseCaseDialog)
        assert "9[/] to confirm it" in label(app, ".dialog-hint").plain
        check_screen(app, parsed)
        await pilot.press("escape")
        await settle(pilot)

        app.screen.notify(typed, title=data.STAFF_NAME)  # a toast quoting stored text
        await settle(pilot)
        check_screen(app, parsed, typed, data.STAFF_NAME)
        await pilot.press("escape")
        await settle(pilot)

        app.open_todo(caseless)
        await settle(pilot)
        await pilot.press("c")  # the plain Complete: a comment, then "are you sure?" quoting it
        await settle(pilot)
        assert isinstance(app.screen, TextDialog)
        app.screen.query_one("#text").value = typed
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmDialog)
        assert f"Comment: {visible(typed)}\n" in label(app, ".dialog-question").plain
        check_screen(app, parsed, typed)
        await pilot.press("n")
        await settle(pilot)
        assert actions == [] and app.is_running
