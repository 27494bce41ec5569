"""What every screen after login shares: the user header, the footer, and one place for worker errors."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.screen import Screen
from textual.worker import Worker, WorkerState

from wss_tui.help_key import HELP_BINDING
from wss_tui.store.errors import WssError
from wss_tui.store.text import visible

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from wss_tui.app import WssApp
    from wss_tui.store.auth import Who


def describe_error(exc: BaseException | None) -> str:
    """The one line a user sees for a failed worker; never a traceback."""
    if isinstance(exc, WssError):
        return str(exc)
    from sqlalchemy.exc import SQLAlchemyError

    from wss_tui.store import db

    if db.is_unavailable(exc):
        return str(db.unavailable(exc))
    if isinstance(exc, SQLAlchemyError):
        detail = str(getattr(exc, "orig", None) or exc).splitlines()[0]
        return f"db: {detail}; try again, or tell the administrator"
    return f"unexpected error ({exc.__class__.__name__}: {exc}); tell the administrator"


class WssScreen(Screen):
    """A screen of the logged-in app."""

    # First, so the footer always has room for the key that lists all the others. On F1, which no
    # field takes, so it shows even while the cursor is in a field; `?` is WssApp.on_event's.
    BINDINGS = [HELP_BINDING]

    # A screen the user types a form into (bill revision, walk-in intake). Toasts stack at the bottom
    # right for up to 10 s, just over where these forms end, so the ones left from the screen before
    # are cleared as a form opens, and the form says its own outcomes in its own lines, not in toasts.
    FORM = False

    def on_screen_resume(self) -> None:
        if self.FORM:
            self.app.clear_notifications()

    @property
    def wss(self) -> WssApp:
        return self.app  # type: ignore[return-value]

    @property
    def engine(self) -> Engine:
        return self.wss.engine

    @property
    def who(self) -> Who:
        assert self.wss.who is not None, "screen used before login"
        return self.wss.who

    def notify(self, message: str, *, title: str = "", severity="information", timeout: float | None = None) -> None:
        """A toast, always as plain text: most quote the store, and the store quotes what people typed."""
        super().notify(visible(message), title=visible(title), severity=severity, timeout=timeout, markup=False)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state == WorkerState.ERROR:
            self.worker_failed(event.worker.error)

    def worker_failed(self, exc: BaseException | None) -> None:
        self.notify(describe_error(exc), severity="error", timeout=10)
