"""To Do Entry: every action through its key and dialog, checked in the store; conflicts and scope."""

from __future__ import annotations

from sqlalchemy import delete, update
from textual.widgets import Select

from wss_tui.screens.account import AccountScreen
from wss_tui.screens.dialogs import ConfirmDialog, ForwardDialog, PriorityDialog, TextDialog
from wss_tui.screens.todo_entry import TodoEntryScreen
from wss_tui.screens.todo_search import TodoSearchScreen
from wss_tui.store import db, money, timefmt, todos
from wss_tui.store.models import BEING_WORKED_ON, COMPLETE, OPEN, ToDo, ToDoCharacteristic
from wss_tui.store.todos import SearchFilter

from .conftest import FIXED_NOW
from .tui_helpers import (CLERK, CLERK2, OTHER_CLERK, SDO, app_as, column, notifications, settle,
                          table, text_of)


def first_id(engine, actor: str, flt: SearchFilter) -> str:
    with db.read(engine) as session:
        return todos.search(session, actor, flt).rows[0].todo_id


def stored(engine, todo_id: str, actor: str = CLERK) -> todos.TodoDetail:
    with db.read(engine) as session:
        return todos.get(session, actor, todo_id)


def an_open_one(engine) -> str:
    return first_id(engine, CLERK, SearchFilter(user_filter="role", status=OPEN))


def one_of_mine(engine) -> str:
    return first_id(engine, CLERK, SearchFilter(status=BEING_WORKED_ON))


async def open_entry(pilot, todo_id: str) -> TodoEntryScreen:
    await settle(pilot)
    pilot.app.open_todo(todo_id)
    await settle(pilot)
    assert isinstance(pilot.app.screen, TodoEntryScreen)
    assert text_of(pilot.app, "#f-todo-id") == todo_id
    return pilot.app.screen


async def fill(pilot, **fields) -> None:
    for field_id, value in fields.items():
        widget = pilot.app.screen.query_one(f"#{field_id.replace('_', '-')}")
        widget.value = value
    await pilot.pause()


async def test_entry_shows_the_fields_log_and_keys(engine):
    todo_id = one_of_mine(engine)
    detail = stored(engine, todo_id)
    app = app_as(engine)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_entry(pilot, todo_id)
        assert text_of(app, "#f-status") == BEING_WORKED_ON
        assert text_of(app, "#f-type").startswith(f"{detail.todo_type} - Start Investigation")
        assert text_of(app, "#f-role") == "TR-SDC - To Do Role for Sub Divisional Clerk"
        assert text_of(app, "#f-assigned") == f"{app.who.name} ({CLERK})"
        assert text_of(app, "#f-message") == detail.message
        assert table(app, "#log").row_count == len(detail.log)
        assert column(app, "#log", "type")[-1] == "Created"  # newest first, so Created is last
        assert column(app, "#keys", "key")[:2] == ["Account ID", "Case ID"]
        assert column(app, "#keys", "value") == [value for _, value in detail.keys]


async def test_take_makes_it_mine_and_the_search_shows_it_on_return(engine):
    todo_id = an_open_one(engine)
    app = app_as(engine)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.screen.query_one("#user-filter", Select).value = "role"
        await settle(pilot)
        await open_entry(pilot, todo_id)
        await pilot.press("t")
        await settle(pilot)
        assert text_of(app, "#f-status") == BEING_WORKED_ON
        assert column(app, "#log", "type")[0] == "Assigned"
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, TodoSearchScreen)
        t = table(app, "#todos")
        assert str(t.get_cell(todo_id, "status")) == "Working"  # refreshed after the action
    after = stored(engine, todo_id)
    assert (after.status, after.assigned_to) == (BEING_WORKED_ON, CLERK)


async def test_forward_to_a_user_with_a_note(engine):
    todo_id = one_of_mine(engine)
    app = app_as(engine)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_entry(pilot, todo_id)
        await pilot.press("f")
        await settle(pilot)
        assert isinstance(app.screen, ForwardDialog)
        await pilot.press("ctrl+s")  # nothing filled in: the dialog says what is missing and stays
        await pilot.pause()
        assert isinstance(app.screen, ForwardDialog)
        assert text_of(app, ".dialog-error") == "User ID: type who it goes to"
        await fill(pilot, target="inr1-sdo", note="Meter reading photo attached; please approve")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, TodoEntryScreen)
        assert text_of(app, "#f-assigned").endswith(f"({SDO})")
        assert text_of(app, "#f-sent-by").endswith(f"({CLERK})")
    after = stored(engine, todo_id)
    assert after.assigned_to == SDO and after.sent_by == CLERK and after.role == "TR-SDO"
    assert after.log[-1].log_type == "Forwarded" and "please approve" in after.log[-1].details


async def test_forward_to_a_role_puts_it_back_in_the_queue(engine):
    todo_id = one_of_mine(engine)
    app = app_as(engine)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_entry(pilot, todo_id)
        await pilot.press("f")
        await settle(pilot)
        await fill(pilot, to_kind="role", target="TR-SDO", note="Needs the SDO's site visit")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert text_of(app, "#f-status") == OPEN
    after = stored(engine, todo_id)
    assert (after.status, after.role, after.assigned_to) == (OPEN, "TR-SDO", None)


async def test_a_refused_forward_keeps_the_note_and_says_why_in_the_dialog(engine):
    todo_id = one_of_mine(engine)
    before = stored(engine, todo_id)
    note = "Consumer disputes the meter change; please decide"
    app = app_as(engine)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_entry(pilot, todo_id)
        await pilot.press("f")
        await settle(pilot)
        await fill(pilot, target="inr1-xyz", note=note)
        await pilot.press("ctrl+s")
        await settle(pilot)
        # The store said no: the dialog is there again, with what was typed and the store's one line.
        assert isinstance(app.screen, ForwardDialog)
        assert text_of(app, ".dialog-error") == "to user: no staff member INR1-XYZ; check the user ID"
        assert (text_of(app, "#target"), text_of(app, "#note")) == ("INR1-XYZ", note)
        assert app.focused is app.screen.query_one("#target")
        assert stored(engine, todo_id).version == before.version
        await fill(pilot, target="INR1-SDO")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, TodoEntryScreen)
        assert text_of(app, "#f-assigned").endswith(f"({SDO})")
    after = stored(engine, todo_id)
    assert after.assigned_to == SDO and after.log[-1].details.endswith(note)


async def test_a_refused_role_forward_keeps_the_role_choice(engine):
    todo_id = one_of_mine(engine)
    app = app_as(engine)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_entry(pilot, todo_id)
        await pilot.press("f")
        await settle(pilot)
        await fill(pilot, to_kind="role", target="TR-XYZ", note="For the SDO")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, ForwardDialog)
        assert text_of(app, ".dialog-error").startswith("to role: TR-XYZ is not a role that works To Dos")
        assert app.screen.query_one("#to-kind", Select).value == "role"
        assert (text_of(app, "#target-label"), text_of(app, "#target"), text_of(app, "#note")) == (
            "Role", "TR-XYZ", "For the SDO")
        await pilot.press("escape")  # given up: nothing written
        await settle(pilot)
        assert isinstance(app.screen, TodoEntryScreen)
    assert stored(engine, todo_id).status == BEING_WORKED_ON


async def test_complete_is_offered_once_the_to_do_is_taken(engine):
    """`c` on an Open To Do asked for a comment only for the store to say "take it first"; now it is
    not offered until the To Do is taken, and then completes it."""
    from ._revision_data import caseless_todo

    todo_id = caseless_todo(engine)
    with db.write(engine) as session:  # back to the queue: Open, nobody's
        todos.forward(session, CLERK, todo_id, todos.get(session, CLERK, todo_id).version, to_role="TR-SDC",
                      note="For whoever is free")
    comment = "Feeder register checked; readings match"
    app = app_as(engine)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_entry(pilot, todo_id)
        assert "c complete" not in footer_keys(app)
        await pilot.press("c")
        await settle(pilot)
        assert app.screen is screen  # nothing to refuse
        await pilot.press("t")
        await settle(pilot)
        assert text_of(app, "#f-status") == BEING_WORKED_ON
        await pilot.press("c")
        await settle(pilot)
        assert isinstance(app.screen, TextDialog)
        await fill(pilot, text=comment)
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
        assert text_of(app, "#f-status").startswith(COMPLETE)
    after = stored(engine, todo_id)
    assert (after.status, after.comment) == (COMPLETE, comment)


async def test_send_back_returns_it_to_whoever_forwarded_it(engine):
    todo_id = first_id(engine, CLERK2, SearchFilter(status=BEING_WORKED_ON))
    with db.write(engine) as session:
        version = todos.get(session, CLERK2, todo_id).version
        todos.forward(session, CLERK2, todo_id, version, to_user=CLERK, note="Your area; please check")
    app = app_as(engine)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_entry(pilot, todo_id)
        await pilot.press("b")
        await settle(pilot)
        assert isinstance(app.screen, TextDialog)
        await fill(pilot, text="Consumer is in ward 12, not mine")
        await pilot.press("enter")
        await settle(pilot)
        assert text_of(app, "#f-assigned").endswith(f"({CLERK2})")
    after = stored(engine, todo_id)
    assert after.assigned_to == CLERK2 and after.log[-1].log_type == "Sent Back"


async def test_add_log_entry_user_details(engine):
    todo_id = one_of_mine(engine)
    app = app_as(engine)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_entry(pilot, todo_id)
        rows = table(app, "#log").row_count
        await pilot.press("u")
        await settle(pilot)
        await pilot.press(*"Site visited", "enter")
        await settle(pilot)
        assert table(app, "#log").row_count == rows + 1
        assert column(app, "#log", "type")[0] == "User Details"
        assert column(app, "#log", "details")[0] == "Site visited"
    assert stored(engine, todo_id).log[-1].details == "Site visited"


async def test_change_priority_is_logged(engine):
    todo_id = one_of_mine(engine)
    app = app_as(engine)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_entry(pilot, todo_id)
        await pilot.press("p")
        await settle(pilot)
        assert isinstance(app.screen, PriorityDialog)
        await fill(pilot, priority=10, note="Consumer is a hospital")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert text_of(app, "#f-priority") == "Priority 10 -- Highest"
    after = stored(engine, todo_id)
    assert after.priority == 10
    assert after.log[-1].log_type == "Priority Changed" and "hospital" in after.log[-1].details


async def test_complete_asks_first_and_no_leaves_it_open(engine):
    from ._revision_data import caseless_todo  # one with an open case closes the case instead (test_tui_revision)

    todo_id = caseless_todo(engine)
    app = app_as(engine)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_entry(pilot, todo_id)
        await pilot.press("c")
        await settle(pilot)
        await fill(pilot, text="Bill revised after site check")
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("n")
        await settle(pilot)
        assert stored(engine, todo_id).status == BEING_WORKED_ON
        await pilot.press("c")
        await settle(pilot)
        await fill(pilot, text="Bill revised after site check")
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
        assert text_of(app, "#f-status").startswith(COMPLETE)
        assert text_of(app, "#f-comment") == "Bill revised after site check"
        # Nothing is left to do on a completed To Do: its action keys leave the footer.
        assert app.screen.check_action("take", ()) is False
    after = stored(engine, todo_id)
    assert after.status == COMPLETE and after.comment == "Bill revised after site check"


async def test_assign_me_the_next_to_do_from_the_search(engine):
    expected = an_open_one(engine)
    with db.read(engine) as session:
        queue = todos.search(session, CLERK, SearchFilter(user_filter="role", status=OPEN)).rows
    expected = min((r for r in queue if r.status == OPEN and r.assigned_to is None),
                   key=lambda r: (r.priority, r.created_at, r.todo_id)).todo_id
    app = app_as(engine)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        assert isinstance(app.screen, TodoEntryScreen)
        assert text_of(app, "#f-todo-id") == expected
        assert text_of(app, "#f-status") == BEING_WORKED_ON
    assert stored(engine, expected).assigned_to == CLERK


async def test_someone_else_changed_it_first(engine):
    todo_id = an_open_one(engine)
    app = app_as(engine)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_entry(pilot, todo_id)
        # Another clerk takes it between our read and our action.
        with db.write(engine) as session:
            todos.take(session, CLERK2, todo_id, todos.get(session, CLERK2, todo_id).version)
        await pilot.press("u")
        await settle(pilot)
        await pilot.press(*"My note", "enter")
        await settle(pilot)
        said = notifications(app)
        assert any("was changed by" in n and "reloaded" in n for n in said), said
        # The screen now shows the To Do as the other clerk left it.
        assert text_of(app, "#f-assigned").endswith(f"({CLERK2})")
        assert "My note" not in column(app, "#log", "details")
    assert all(entry.details != "My note" for entry in stored(engine, todo_id).log)


async def test_a_clerk_cannot_open_another_sub_divisions_to_do(engine):
    theirs = first_id(engine, OTHER_CLERK, SearchFilter(status=None))
    app = app_as(engine)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("o")
        await settle(pilot)
        await pilot.press(*theirs, "enter")
        await settle(pilot)
        assert isinstance(app.screen, TodoSearchScreen)  # back where they were
        assert any(f"no To Do {theirs} in your offices" in n for n in notifications(app))


async def test_keys_values_drill_to_the_account_context(engine):
    todo_id = one_of_mine(engine)
    account_id = dict(stored(engine, todo_id).keys)["Account ID"]
    app = app_as(engine)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_entry(pilot, todo_id)
        await pilot.press("k")
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, AccountScreen)
        assert text_of(app, "#c-account").startswith(account_id)
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, TodoEntryScreen)


async def test_assign_me_the_next_to_do_from_an_entry_replaces_it(engine):
    mine = one_of_mine(engine)
    app = app_as(engine)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_entry(pilot, mine)
        depth = len(app.screen_stack)
        await pilot.press("n")
        await settle(pilot)
        assert isinstance(app.screen, TodoEntryScreen)
        taken = text_of(app, "#f-todo-id")
        assert taken != mine and len(app.screen_stack) == depth  # replaced, not stacked
        assert text_of(app, "#f-assigned").endswith(f"({CLERK})")
    assert stored(engine, taken).assigned_to == CLERK


async def test_entry_shows_the_cases_due_escalation_and_compensation(engine):
    with db.read(engine) as session:
        rows = todos.search(session, CLERK, SearchFilter(status=BEING_WORKED_ON)).rows
    todo_id = next(r.todo_id for r in rows if r.due and r.due.urgency == "late" and r.todo_type == "IMITCASE")
    detail = stored(engine, todo_id)
    due, comp = detail.due, detail.compensation
    # By hand: the fixed clock is 28-11-2026 11:00 IST; Rs 50 for each full day past the due time.
    days = int((FIXED_NOW - due.due_at).total_seconds() // 86_400)
    assert days >= 1 and comp.days_late == days and comp.owed_paise == min(days * 5000, comp.cap_paise)
    app = app_as(engine)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_entry(pilot, todo_id)
        assert text_of(app, "#f-due") == timefmt.show(due.due_at)
        assert text_of(app, "#f-escalation") == "Level 0 · not escalated"
        sla_text = text_of(app, "#f-sla")
        assert sla_text.startswith(f"breached {days} day")
        capped = " (capped)" if comp.capped else ""  # this one is: 30% of its year's fixed charges
        assert sla_text.endswith(f" · compensation {money.rupees(comp.owed_paise)} so far{capped}")


async def test_a_to_do_without_a_case_says_so(engine):
    todo_id = one_of_mine(engine)
    with db.write(engine) as session:
        session.execute(update(ToDo).where(ToDo.todo_id == todo_id).values(case_id=None))
        session.execute(delete(ToDoCharacteristic).where(ToDoCharacteristic.todo_id == todo_id,
                                                         ToDoCharacteristic.char_type == "CASE"))
    app = app_as(engine)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_entry(pilot, todo_id)
        assert (text_of(app, "#f-due"), text_of(app, "#f-sla")) == ("", "no case on this To Do")


def test_a_late_case_of_a_type_that_owes_nothing_says_so_instead_of_rupees_zero():
    from types import SimpleNamespace

    from wss_tui.screens.todo_entry import due_values
    from wss_tui.store.sla import Compensation

    due = SimpleNamespace(level=0, level_role="", warning="breached 4 days ago", urgency="late", due_at=FIXED_NOW,
                          consumer_clock=True)
    late = dict(case_id="0457062031", due_at=FIXED_NOW, until=FIXED_NOW, closed=False, days_late=4, cap_paise=10_000)
    owes_none = Compensation(**late, accrued_paise=0, owed_paise=0)  # mobile/e-mail updation: 0 a day
    owes = Compensation(**late, accrued_paise=20_000, owed_paise=10_000)  # Rs 50 a day, capped at Rs 100

    assert str(due_values(SimpleNamespace(due=due, compensation=owes_none))["sla"]) == (
        "breached 4 days ago · no compensation for this request type")
    assert "compensation 100.00INR so far (capped)" in str(due_values(SimpleNamespace(due=due, compensation=owes))["sla"])


def test_an_officer_case_shows_the_office_target_and_no_sla():
    from types import SimpleNamespace

    from wss_tui.screens.todo_entry import due_values

    due = SimpleNamespace(level=0, level_role="", warning="", urgency="", due_at=FIXED_NOW, consumer_clock=False)
    shown = due_values(SimpleNamespace(due=due, compensation=object()))
    assert shown["due"].startswith("office target ") and shown["escalation"] == "officer case · never escalates"
    assert str(shown["sla"]) == "officer case: no consumer due date, no compensation"


# --- the footer offers what the store allows --------------------------------------------------------


def footer_keys(app) -> set[str]:
    """The keys the footer offers now (enabled), as `key action`."""
    return {f"{key} {active.binding.action}" for key, active in app.screen.active_bindings.items()
            if active.binding.show and active.enabled}


async def test_after_forwarding_the_footer_offers_no_work_on_it(engine):
    """Forwarded to the SDO, the To Do is theirs: t, f, c and b went on being offered, and each was
    refused by the store with a line. The footer offers what is left: a note, the views, back; a key
    it no longer offers says why in the store's words, and changes nothing."""
    todo_id = one_of_mine(engine)
    app = app_as(engine)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_entry(pilot, todo_id)
        mine = footer_keys(app)
        assert {"f forward", "c complete"} <= mine, mine
        assert "t take" not in mine  # already theirs
        await pilot.press("f")
        await settle(pilot)
        await fill(pilot, target="INR1-SDO", note="Needs the SDO's decision")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is screen and text_of(app, "#f-assigned").endswith("(INR1-SDO)")
        left = footer_keys(app)
        # `v` stays: the bill opens to look at, saying who may propose (test_tui_revision).
        for gone in ("t take", "f forward", "c complete", "b send_back"):
            assert gone not in left, left
        assert {"u user_details", "escape back"} <= left, left
        before = stored(engine, todo_id)
        await pilot.press("f", "c", "t")  # not offered: nothing opens; each says why, as the store would
        await settle(pilot)
        assert app.screen is screen
        said = [n for n in notifications(app) if "being worked on" in n]
        holder = "GUPTA,SHALINI (INR1-SDO)"
        assert said[-3:] == [f"assigned to: To Do {todo_id} is being worked on by {holder}; only they can forward it",
                             f"assigned to: To Do {todo_id} is being worked on by {holder}; only they can complete it",
                             f"assigned to: To Do {todo_id} is being worked on by {holder}; ask them to forward it "
                             "or send it back"]
    assert stored(engine, todo_id).version == before.version


async def test_an_open_to_do_offers_take_and_not_complete(engine):
    todo_id = an_open_one(engine)
    app = app_as(engine)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_entry(pilot, todo_id)
        keys = footer_keys(app)
        assert "t take" in keys and "c complete" not in keys, keys
        await pilot.press("t")
        await settle(pilot)
        keys = footer_keys(app)
        assert "t take" not in keys and "c complete" in keys, keys


async def test_take_on_a_to_do_already_yours_says_so_and_changes_nothing(engine):
    todo_id = one_of_mine(engine)
    before = stored(engine, todo_id)
    app = app_as(engine)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_entry(pilot, todo_id)
        await pilot.press("t")
        await settle(pilot)
        said = notifications(app)
        assert any("already yours" in n for n in said), said
        assert not any(n.startswith("Taken") for n in said), said
    after = stored(engine, todo_id)
    assert (after.version, len(after.log)) == (before.version, len(before.log))


def test_the_store_takes_a_to_do_already_yours_without_a_log_entry(engine):
    todo_id = one_of_mine(engine)
    before = stored(engine, todo_id)
    with db.write(engine) as session:
        again = todos.take(session, CLERK, todo_id, before.version)
    assert (again.version, len(again.log)) == (before.version, len(before.log))
    assert len(stored(engine, todo_id).log) == len(before.log)
