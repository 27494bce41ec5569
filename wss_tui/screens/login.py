"""Login: user ID and password, checked by the store, which also counts failures and locks out."""

from __future__ import annotations

import asyncio

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Center, Vertical
from textual.reactive import reactive
from textual.widgets import Button, Footer, Input, Label, Static

from wss_tui.plain import plain
from wss_tui.screens.base import WssScreen
from wss_tui.store.errors import WssError


class LoginScreen(WssScreen):
    CSS_PATH = "login.tcss"
    AUTO_FOCUS = "#user-id"

    busy = reactive(False)  # the password is being checked

    def __init__(self, fixed_user_id: str | None = None) -> None:
        super().__init__()
        # Over SSH the account decides who logs in: the user ID is shown, locked, and never read back.
        self.fixed_user_id = fixed_user_id
        if fixed_user_id:
            self.AUTO_FOCUS = "#password"

    def compose(self) -> ComposeResult:
        with Center():
            with Vertical(id="login-box"):
                yield Static("WSS · Bill Correction To Dos", id="login-title")
                yield Static("Uttar Pradesh discoms · staff login", id="login-subtitle")
                yield Label("User ID")
                yield Input(
                    self.fixed_user_id or "",
                    id="user-id",
                    placeholder="e.g. INR1-SDC1",
                    max_length=20,
                    disabled=bool(self.fixed_user_id),
                )
                yield Label("Password")
                yield Input(id="password", password=True, max_length=128)
                yield Label("", id="login-error", markup=False)
                yield Button("Log in", id="login", variant="primary")
        yield Footer()

    @on(Input.Submitted, "#user-id")
    def _to_password(self) -> None:
        self.query_one("#password", Input).focus()

    @on(Input.Submitted, "#password")
    @on(Button.Pressed, "#login")
    def submit(self) -> None:
        if self.busy:
            return
        user_id = self.fixed_user_id or self.query_one("#user-id", Input).value.strip()
        password = self.query_one("#password", Input).value
        if not user_id:
            self._fail("User ID: type your user ID")
            self.query_one("#user-id", Input).focus()
            return
        if not password:
            self._fail("Password: type your password")
            self.query_one("#password", Input).focus()
            return
        self.query_one("#login-error", Label).update("checking…")
        self._attempt(user_id, password)

    def watch_busy(self, busy: bool) -> None:
        self.query_one("#login", Button).disabled = busy

    @work(exclusive=True, group="login", exit_on_error=False)
    async def _attempt(self, user_id: str, password: str) -> None:
        self.busy = True
        # Here, not at the top: the store's models load while the login screen is already painted.
        from wss_tui.services import auth

        try:
            who = await asyncio.to_thread(auth.login, self.engine, user_id, password)
        except WssError as exc:
            self._fail(str(exc))
            password_field = self.query_one("#password", Input)
            password_field.value = ""
            password_field.focus()
            return
        finally:
            self.busy = False
        self.wss.logged_in(who)

    def worker_failed(self, exc: BaseException | None) -> None:
        super().worker_failed(exc)
        self.query_one("#login-error", Label).update("")

    def _fail(self, text: str) -> None:
        self.query_one("#login-error", Label).update(plain(text))  # it may quote the user ID typed
