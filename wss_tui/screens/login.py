"""Login: user ID and password, checked by the store, which also counts failures and locks out."""

from __future__ import annotations

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Center, Vertical
from textual.widgets import Button, Footer, Input, Label, Static

from wss_tui.messages import LoggedIn, LoginFailed
from wss_tui.plain import plain
from wss_tui.screens.base import WssScreen
from wss_tui.store.errors import WssError


class LoginScreen(WssScreen):
    CSS_PATH = "login.tcss"
    AUTO_FOCUS = "#user-id"

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
        self.query_one("#login", Button).disabled = True
        self._attempt(user_id, password)

    @work(thread=True, exclusive=True, group="login", exit_on_error=False)
    def _attempt(self, user_id: str, password: str) -> None:
        # Here, not at the top: the store's models load while the login screen is already painted.
        from wss_tui.store import auth

        try:
            who = auth.attempt_login(self.engine, user_id, password)
        except WssError as exc:
            self.post_message(LoginFailed(str(exc)))
            return
        self.post_message(LoggedIn(who))

    def on_logged_in(self, message: LoggedIn) -> None:
        self.wss.logged_in(message.who)

    def on_login_failed(self, message: LoginFailed) -> None:
        self._fail(message.text)
        password = self.query_one("#password", Input)
        password.value = ""
        password.focus()

    def worker_failed(self, exc: BaseException | None) -> None:
        super().worker_failed(exc)
        self.query_one("#login", Button).disabled = False
        self.query_one("#login-error", Label).update("")

    def _fail(self, text: str) -> None:
        self.query_one("#login-error", Label).update(plain(text))  # it may quote the user ID typed
        self.query_one("#login", Button).disabled = False
