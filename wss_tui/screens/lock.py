"""The locked session: left without a key for `WSS_LOCK_AFTER_MINUTES`, the app covers whatever was open
(consumers' names and numbers) and asks the same member's password again. Underneath, every screen and
dialog stays as it was, with what was typed; "Log out" ends the session instead."""

from __future__ import annotations

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Center, Vertical
from textual.message import Message
from textual.widgets import Input, Label, Static
from textual.worker import Worker, WorkerState

from wss_tui.plain import plain
from wss_tui.screens.base import describe_error
from wss_tui.screens.modal import DialogScreen
from wss_tui.services import auth
from wss_tui.store.errors import WssError


class Refused(Message):
    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text


class LockScreen(DialogScreen[bool]):
    """Dismissed with True once the password is right; "Log out" (F10) is the app's own key."""

    DEFAULT_CSS = """
    LockScreen { align: center middle; background: $background; }
    LockScreen Center { height: 1fr; align: center middle; }
    #lock-box { width: 60; max-width: 100%; height: auto; border: round $warning; padding: 0 2; }
    #lock-title { text-style: bold; width: 100%; content-align: center middle; }
    #lock-error { color: $text-error; height: auto; min-height: 1; width: 100%; }
    """
    AUTO_FOCUS = "#lock-password"
    BINDINGS = [
        Binding("escape", "nothing", show=False),  # Escape must not uncover the screen
        Binding("f10", "app.log_out", "Log out"),  # the app's own key, named here where it is the way out
    ]

    def __init__(self, user_id: str, minutes: str) -> None:
        super().__init__()
        self.user_id = user_id
        self.minutes = minutes

    def compose_dialog(self) -> ComposeResult:
        with Center():
            with Vertical(id="lock-box"):
                yield Static("Session locked", id="lock-title")
                yield Static(plain(f"Locked after {self.minutes} without a key. {self.user_id}: type your "
                                   "password to carry on where you were (F10 logs out)."), id="lock-hint")
                yield Input(id="lock-password", password=True, max_length=128)
                yield Label("", id="lock-error", markup=False)

    def action_nothing(self) -> None:
        pass

    @on(Input.Submitted, "#lock-password")
    def _submit(self, event: Input.Submitted) -> None:
        if not event.value:
            self.query_one("#lock-error", Label).update("Password: type your password")
            return
        self.query_one("#lock-error", Label).update("checking…")
        self._check(event.value)

    @work(thread=True, exclusive=True, group="unlock", exit_on_error=False)
    def _check(self, password: str) -> None:
        try:
            # The login's own check: a wrong password counts toward the lock-out as at the login screen.
            auth.login(self.app.engine, self.user_id, password)  # type: ignore[attr-defined]
        except WssError as exc:
            self.post_message(Refused(str(exc)))
            return
        self.app.call_from_thread(self.dismiss, True)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state == WorkerState.ERROR:
            self.post_message(Refused(describe_error(event.worker.error)))

    def on_refused(self, message: Refused) -> None:
        self.query_one("#lock-error", Label).update(plain(message.text))
        password = self.query_one("#lock-password", Input)
        password.value = ""
        password.focus()
