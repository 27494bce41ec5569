"""To Do Search: each filter reaches the store, pages of 50 with a count, bad dates stop the query."""

from __future__ import annotations

from textual.widgets import Input, Select

from wss_tui.screens.intake import IntakeScreen
from wss_tui.screens.mis import MisScreen
from wss_tui.screens.todo_entry import TodoEntryScreen
from wss_tui.screens.todo_search import TodoSearchScreen
from wss_tui.store import db, timefmt, todos
from wss_tui.store.clock import IST
from wss_tui.store.models import BEING_WORKED_ON, COMPLETE
from wss_tui.store.todos import SearchFilter
from wss_tui.widgets.todo_table import short_time

from .conftest import FIXED_NOW
from .tui_helpers import (ADMIN, CLERK, OTHER_CLERK, app_as, column, notifications, row_keys, screen_lines, settle,
                          table, text_of)


def store_ids(engine, actor: str, flt: SearchFilter) -> list[str]:
    with db.read(engine) as session:
        return [row.todo_id for row in todos.search(session, actor, flt).rows]


async def choose(pilot, selector: str, value) -> None:
    pilot.app.screen.query_one(selector, Select).value = value
    await settle(pilot)


async def type_into(pilot, selector: str, text: str) -> None:
    field = pilot.app.screen.query_one(selector, Input)
    field.focus()
    field.value = text
    await pilot.press("enter")
    await settle(pilot)


async def test_first_screen_lists_my_open_to_dos_with_ccb_columns(engine):
    app = app_as(engine)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        mine = store_ids(engine, CLERK, SearchFilter())
        assert mine, "the demo gives the clerk open To Dos"
        assert row_keys(app, "#todos") == mine
        labels = [str(c.label) for c in table(app, "#todos").columns.values()]
        # At 120 columns "Last Assigned" gives its room to the message (at 160 every column is there).
        assert labels == ["Priority", "Create Date/Time", "Related", "Message", "Status", "Due", "Esc"]
        assert set(column(app, "#todos", "status")) <= {"Open", BEING_WORKED_ON}
        assert text_of(app, "#page-label") == f"1–{len(mine)} of {len(mine)}"


async def test_status_filter(engine):
    app = app_as(engine)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await choose(pilot, "#status", COMPLETE)
        done = store_ids(engine, CLERK, SearchFilter(status=COMPLETE))
        assert done and row_keys(app, "#todos") == done
        assert set(column(app, "#todos", "status")) == {"Complete"}
        # At 80 columns the last column is the completion time of a Complete To Do, the due of an open one.
        assert "Due/Done" in [str(c.label) for c in table(app, "#todos").columns.values()]
        await choose(pilot, "#status", "*")
        every = store_ids(engine, CLERK, SearchFilter(status=None))
        assert row_keys(app, "#todos") == every and len(every) > len(done)


async def test_role_filter_and_type_filter(engine):
    app = app_as(engine)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await choose(pilot, "#user-filter", "role")
        assert text_of(app, "#user-id") == "TR-SDC"
        await choose(pilot, "#status", "*")
        everyone = store_ids(engine, CLERK, SearchFilter(user_filter="role", status=None))
        assert row_keys(app, "#todos") == everyone
        assert len(everyone) > len(store_ids(engine, CLERK, SearchFilter(status=None)))


async def test_type_filter(engine):
    app = app_as(engine, ADMIN)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await choose(pilot, "#user-filter", "role")
        await type_into(pilot, "#user-id", "TR-SDC")
        await choose(pilot, "#status", "*")
        await choose(pilot, "#todo-type", "IMDCCASE")
        flt = SearchFilter(user_filter="role", role="TR-SDC", status=None, todo_type="IMDCCASE")
        data = store_ids(engine, ADMIN, flt)
        assert row_keys(app, "#todos") == data and 0 < len(data) < 50
        assert all("Correction" in m or "Mobile" in m for m in app.screen.query_one("#todos").page and
                   [r.message for r in app.screen.query_one("#todos").page.rows])


async def test_date_range_accepts_dates_and_relative_forms(engine):
    role_view = SearchFilter(user_filter="role", status=None)
    with db.read(engine) as session:
        days = sorted({r.created_at.astimezone(IST).date() for r in todos.search(session, CLERK, role_view).rows})
    assert len(days) >= 4, "the demo spreads the sub-division's To Dos over several days"
    start, end = days[1].strftime("%d-%m-%Y"), days[-2].strftime("%d-%m-%Y")
    back = (FIXED_NOW.date() - days[-2]).days  # "-Nd" from the fixed clock reaches back to days[-2]

    def expected(first: str, last: str = "") -> list[str]:
        flt = SearchFilter(user_filter="role", status=None, start=timefmt.parse_when(first),
                           end=timefmt.parse_when(last, end_of_day=True))
        return store_ids(engine, CLERK, flt)

    app = app_as(engine)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await choose(pilot, "#user-filter", "role")
        await choose(pilot, "#status", "*")
        everyone = row_keys(app, "#todos")
        await type_into(pilot, "#start", start)
        await type_into(pilot, "#end", end)
        between = expected(start, end)
        assert row_keys(app, "#todos") == between and 0 < len(between) < len(everyone)
        await type_into(pilot, "#end", "")
        await type_into(pilot, "#start", f"-{back}d")
        recent = expected(f"-{back}d")
        assert row_keys(app, "#todos") == recent and 0 < len(recent) < len(everyone)


async def test_a_bad_date_is_named_under_the_fields_and_nothing_is_queried(engine):
    app = app_as(engine)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        before = app.screen.filter
        shown = row_keys(app, "#todos")
        await type_into(pilot, "#start", "31-02-2026")
        assert text_of(app, "#filter-error").startswith("From: cannot read '31-02-2026'")
        assert app.screen.query_one("#start").has_class("-invalid")
        assert app.screen.filter is before and row_keys(app, "#todos") == shown
        await type_into(pilot, "#start", "20-11-2026")
        assert text_of(app, "#filter-error") == ""
        applied = app.screen.filter
        assert applied is not before and applied.start is not None
        await type_into(pilot, "#end", "10-11-2026")
        assert text_of(app, "#filter-error").startswith("To: '10-11-2026' is before From")
        assert app.screen.filter is applied


async def test_pages_of_fifty_with_the_count(engine):
    app = app_as(engine, ADMIN)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await choose(pilot, "#user-filter", "role")
        await type_into(pilot, "#user-id", "TR-SDC")
        await choose(pilot, "#status", "*")
        flt = SearchFilter(user_filter="role", role="TR-SDC", status=None)
        with db.read(engine) as session:
            first = todos.search(session, ADMIN, flt)
            second = todos.search(session, ADMIN, flt, after=first.rows[-1].cursor)
        total = first.total
        assert total > 50, "the demo's discom has more than a page of clerk To Dos"
        assert table(app, "#todos").row_count == 50
        assert text_of(app, "#page-label") == f"1–50 of {total:,}"
        table(app, "#todos").focus()
        await pilot.press("right_square_bracket")
        await settle(pilot)
        assert text_of(app, "#page-label") == f"51–{min(100, total)} of {total:,}"
        assert row_keys(app, "#todos") == [r.todo_id for r in second.rows]
        await pilot.press("left_square_bracket")
        await settle(pilot)
        assert text_of(app, "#page-label") == f"1–50 of {total:,}"
        assert row_keys(app, "#todos") == [r.todo_id for r in first.rows]


async def test_enter_opens_the_to_do_under_the_cursor(engine):
    app = app_as(engine)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        first = row_keys(app, "#todos")[0]
        assert first in text_of(app, "#preview-keys")
        table(app, "#todos").focus()
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, TodoEntryScreen)
        assert text_of(app, "#f-todo-id") == first
        await pilot.press("escape")
        await settle(pilot)
        assert row_keys(app, "#todos")[0] == first


async def test_another_sub_divisions_clerk_finds_nothing(engine):
    app = app_as(engine)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await choose(pilot, "#status", "*")
        await type_into(pilot, "#user-id", OTHER_CLERK)
        assert table(app, "#todos").row_count == 0
        assert text_of(app, "#page-label") == "0 of 0"
        assert store_ids(engine, OTHER_CLERK, SearchFilter(status=None)), "they do have To Dos of their own"


# --- due, escalation level and warnings; the MIS key ---------------------------------------------


async def test_each_row_shows_its_due_and_the_preview_its_warning(engine):
    with db.read(engine) as session:
        rows = todos.search(session, CLERK, SearchFilter()).rows
    late = next(r for r in rows if r.due and r.due.urgency == "late")
    app = app_as(engine)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        labels = [str(c.label) for c in table(app, "#todos").columns.values()]
        assert labels == ["Pri", "Created", "Rel", "Message", "Status", "Due"]
        assert column(app, "#todos", "due") == [r.due.short if r.due else "" for r in rows]
        assert "d late" in late.due.short
        cell = table(app, "#todos").get_cell(late.todo_id, "due")
        assert app.current_theme.error.lower() in str(cell.style).lower()  # late: the theme's error colour
        table(app, "#todos").move_cursor(row=rows.index(late))
        await settle(pilot)
        said = text_of(app, "#preview-message")
        assert said.startswith(f"Due {short_time(late.due.due_at)} · {late.due.warning} — {late.message}"), said


async def test_wide_terminals_show_due_and_escalation_level(engine):
    app = app_as(engine)
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(pilot)
        await choose(pilot, "#status", "*")
        labels = [str(c.label) for c in table(app, "#todos").columns.values()]
        assert labels == ["Priority", "Create Date/Time", "Related", "Last Assigned", "Message", "Status", "Due",
                          "Esc", "Completion"]
    app = app_as(engine)
    async with app.run_test(size=(120, 40)) as pilot:  # the message keeps its room: Esc goes first
        await settle(pilot)
        await choose(pilot, "#status", "*")
        labels = [str(c.label) for c in table(app, "#todos").columns.values()]
        assert "Esc" not in labels and {"Due", "Completion", "Message"} <= set(labels)


async def test_completed_rows_show_when_done_open_rows_when_due(engine):
    with db.read(engine) as session:
        rows = todos.search(session, CLERK, SearchFilter(status=None)).rows
    app = app_as(engine)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await choose(pilot, "#status", "*")
        expected = [short_time(r.completed_at) if r.status == COMPLETE else (r.due.short if r.due else "") for r in rows]
        assert column(app, "#todos", "due_done") == expected


async def test_m_opens_the_mis_of_my_offices_and_esc_comes_back(engine):
    app = app_as(engine, "INR-EE")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("m")
        await settle(pilot)
        assert isinstance(app.screen, MisScreen)
        assert row_keys(app, "#mis-table")[:2] == ["ESD-INR-1", "ESD-INR-2"]
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, TodoSearchScreen)


async def test_the_mis_is_in_the_palette_and_the_help(engine):
    app = app_as(engine)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        await settle(pilot)
        assert "MIS" in column(app, "#help-keys", "what")
        await pilot.press("escape")
        await pilot.press("ctrl+p")
        await settle(pilot)
        await pilot.press(*"MIS")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, MisScreen)
        assert text_of(app, "#mis-path") == "ESD-INR-1 · by officer"


async def test_a_counter_operator_has_no_mis(engine):
    app = app_as(engine, "INR1-OPR")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, IntakeScreen)  # no To Dos: the counter is their work
        await pilot.press("m")  # a letter typed into the counter's form, never the MIS
        app.action_mis()
        await settle(pilot)
        assert not isinstance(app.screen, MisScreen)
        assert "TR-OPR does not work complaints, so has no MIS; ask your SDO" in notifications(app)


async def test_the_preview_says_what_rel_counts(engine):
    """At 80 columns the related count is a 3-wide "Rel" column: under the list it is said in words
    after the message, which keeps the two lines first (`?` lists what "Rel" counts at any width)."""
    flt = SearchFilter(user_filter="role", status=None)
    with db.read(engine) as session:
        rows = todos.search(session, CLERK, flt).rows
    related = next((r for r in rows if r.related), None)
    assert related is not None, "the demo data has To Dos sharing a case or an account"
    app = app_as(engine)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await choose(pilot, "#user-filter", "role")
        await choose(pilot, "#status", "*")
        table(app, "#todos").move_cursor(row=row_keys(app, "#todos").index(related.todo_id))
        await settle(pilot)
        said = text_of(app, "#preview-message")
        # whole or not at all, after the message, which always shows whole
        assert said.endswith(related.message) or said.endswith(" on its case or account"), said
        shown = " ".join(screen_lines(app)[-3:-1])
        assert related.message.split()[-1] in shown, shown
    n = related.related
    app = app_as(engine)
    async with app.run_test(size=(120, 40)) as pilot:  # room for it on screen
        await settle(pilot)
        await choose(pilot, "#user-filter", "role")
        await choose(pilot, "#status", "*")
        table(app, "#todos").move_cursor(row=row_keys(app, "#todos").index(related.todo_id))
        await settle(pilot)
        assert any(f"Rel {n}: {n} other To Do" in line for line in screen_lines(app))


async def test_the_status_line_shows_each_key_of_the_row_whole(engine):
    """At 80 columns the status line ended "… IMITCASE A/c", the account number cut off."""
    app = app_as(engine)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        row = table(app, "#todos")
        for i in range(row.row_count):
            row.move_cursor(row=i)
            await settle(pilot, rounds=1)
            status = screen_lines(app)[-4].rstrip()
            assert not status.endswith(("A/c", "Case", "by", "since")), status
