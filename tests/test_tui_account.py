"""Account context (CC&B Current Context): who, where, balances, history, bills, open To Dos flagged."""

from __future__ import annotations

from sqlmodel import select

from wss_tui.screens.account import AccountScreen
from wss_tui.screens.todo_entry import TodoEntryScreen
from wss_tui.screens.todo_search import TodoSearchScreen
from wss_tui.store import db, money, sla
from wss_tui.store.accounts import account_context
from wss_tui.store.models import Account

from .tui_helpers import CLERK, app_as, column, notifications, row_keys, settle, table, text_of


def busiest_account(engine) -> str:
    """An account of the clerk's sub-division with open To Dos on it."""
    with db.read(engine) as session:
        accounts = session.exec(select(Account.account_id).where(Account.subdivision_code == "ESD-INR-1")).all()
        contexts = [account_context(session, a, CLERK) for a in accounts]
    return max(contexts, key=lambda c: (c.open_todo_count, c.account_id)).account_id


async def open_account(pilot, account_id: str) -> None:
    await settle(pilot)
    pilot.app.open_account(account_id)
    await settle(pilot)


async def test_current_context_fields_history_bills_and_open_to_dos(engine):
    account_id = busiest_account(engine)
    with db.read(engine) as session:
        c = account_context(session, account_id, CLERK)
    assert c.open_todo_count > 0
    app = app_as(engine)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_account(pilot, account_id)
        assert isinstance(app.screen, AccountScreen)
        assert text_of(app, "#c-person") == c.person_name
        assert text_of(app, "#c-account") == account_id
        assert text_of(app, "#c-system") == c.system_label
        assert text_of(app, "#c-current") == money.rupees(c.current_balance_paise)
        assert text_of(app, "#c-payoff") == money.rupees(c.payoff_balance_paise)
        assert text_of(app, "#c-premise") == c.premise_address
        assert text_of(app, "#c-office").startswith(c.office_code)
        assert text_of(app, "#c-area") == c.area.title()
        assert text_of(app, "#c-smart") in ("Installed", "Not installed")
        assert text_of(app, "#c-open") == f"⚑ {c.open_todo_count} open"
        assert table(app, "#activity").row_count == len(c.activity)
        flagged = [a for a in column(app, "#activity", "activity") if a.startswith("⚑")]
        assert len(flagged) == sum(1 for a in c.activity if a.activity == "Case" and a.is_open)
        assert row_keys(app, "#bills") == [b.bill_no for b in c.bills]
        assert row_keys(app, "#open-todos") == [t.todo_id for t in c.open_todos]


async def test_enter_on_an_open_to_do_opens_it(engine):
    account_id = busiest_account(engine)
    app = app_as(engine)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_account(pilot, account_id)
        await pilot.press("o")
        first = row_keys(app, "#open-todos")[0]
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, TodoEntryScreen)
        assert text_of(app, "#f-todo-id") == first


async def test_an_account_outside_the_clerks_sub_division_is_not_shown(engine):
    with db.read(engine) as session:
        elsewhere = session.exec(
            select(Account.account_id).where(Account.subdivision_code != "ESD-INR-1").order_by(Account.account_id)
        ).first()
    app = app_as(engine)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_account(pilot, elsewhere)
        assert isinstance(app.screen, TodoSearchScreen)
        assert any(f"no account {elsewhere}" in n for n in notifications(app))


async def test_the_case_history_shows_days_late_and_compensation(engine):
    account_id = busiest_account(engine)
    with db.read(engine) as session:
        c = account_context(session, account_id, CLERK)
        late = next(a for a in c.activity if a.activity == "Case" and a.days_late)
        comp = sla.for_case(session, late.case_id)  # the one-case rule agrees with the history's SQL
    assert (late.days_late, late.compensation_paise) == (comp.days_late, comp.owed_paise)
    app = app_as(engine)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_account(pilot, account_id)
        row = row_keys(app, "#activity")[c.activity.index(late)]
        text = str(table(app, "#activity").get_cell(row, "description"))
        assert text.endswith(f"; {late.days_late} days late, compensation {money.rupees(comp.owed_paise)} accrued")


async def test_at_80_columns_the_bill_number_and_open_case_show_whole_and_the_due_date_gives_way(engine):
    """A revised bill (…R1) beside its original must not read as the same number."""
    account_id = busiest_account(engine)
    for size, has_due in (((80, 24), False), ((120, 40), True)):
        app = app_as(engine)
        async with app.run_test(size=size) as pilot:
            await open_account(pilot, account_id)
            await pilot.press("b")
            await settle(pilot)
            bills = table(app, "#bills")
            columns = list(bills.columns.values())
            assert ("due" in [str(c.key.value) for c in columns]) is has_due
            widths = {str(c.key.value): c.width for c in columns}
            assert widths["bill"] >= len("739214679967R1") and widths["case"] >= len("⚑ 3908189538")
            # Every column fits the screen less the scrollbar: nothing to the right is cut.
            assert sum(c.get_render_width(bills) for c in columns) <= bills.scrollable_content_region.width, bills.scrollable_content_region
