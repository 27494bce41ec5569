"""Login: the store decides; the screen shows its words, and who is logged in stays visible."""

from __future__ import annotations

from .tui_helpers import CLERK, PASSWORDS, app_as, settle, text_of

from wss_tui.screens.login import LoginScreen
from wss_tui.screens.todo_search import TodoSearchScreen
from wss_tui.store import db
from wss_tui.store.models import Staff


async def log_in(pilot, user_id: str, password: str) -> None:
    await pilot.click("#user-id")
    pilot.app.screen.query_one("#user-id").value = ""
    await pilot.press(*user_id, "enter")
    await pilot.press(*password, "enter")
    await settle(pilot)


async def test_login_opens_the_search_with_name_role_and_office_in_the_header(engine):
    app = app_as(engine, None)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, LoginScreen)
        await log_in(pilot, CLERK.lower(), PASSWORDS["TR-SDC"])
        assert isinstance(app.screen, TodoSearchScreen)
        header = text_of(app, "#header-who")
        assert app.who.name in header and "TR-SDC" in header and "ESD-INR-1" in header
        assert text_of(app, "#user-id") == CLERK  # the search's user ID is pre-filled


async def test_a_newline_submits_as_enter_does(engine):
    """Enter typed before the terminal went raw arrives as a newline (ctrl+j); it logs in all the same."""
    app = app_as(engine, None)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.click("#user-id")
        await pilot.press(*CLERK, "ctrl+j", *PASSWORDS["TR-SDC"], "ctrl+j")
        await settle(pilot)
        assert isinstance(app.screen, TodoSearchScreen)


async def test_wrong_password_says_so_and_counts_down(engine):
    app = app_as(engine, None)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await log_in(pilot, CLERK, "not-my-password")
        assert isinstance(app.screen, LoginScreen)
        message = text_of(app, "#login-error")
        assert "wrong" in message and "4 more tries before lock-out" in message
        assert text_of(app, "#password") == ""  # cleared for the next try
        assert app.who is None


async def test_five_failures_lock_the_user_out_even_with_the_right_password(engine):
    app = app_as(engine, None)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        for _ in range(5):
            await log_in(pilot, CLERK, "guess")
        assert "locked until" in text_of(app, "#login-error")
        await log_in(pilot, CLERK, PASSWORDS["TR-SDC"])
        assert isinstance(app.screen, LoginScreen)
        assert "is locked after 5 failed logins" in text_of(app, "#login-error")
    with db.read(engine) as session:
        assert session.get(Staff, CLERK).locked_until is not None


async def test_empty_fields_are_refused_on_the_screen_without_asking_the_store(engine):
    app = app_as(engine, None)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("enter", "enter")
        await settle(pilot)
        assert text_of(app, "#login-error") == "User ID: type your user ID"
    with db.read(engine) as session:
        assert session.get(Staff, CLERK).failed_logins == 0
