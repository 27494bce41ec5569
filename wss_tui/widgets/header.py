"""One header line: the screen's name on the left, who is logged in (name, role, office) on the right."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Label

from wss_tui.plain import plain
from wss_tui.store.auth import Who


def who_line(who: Who | None) -> str:
    if who is None:
        return "not logged in"
    return f"{who.name} ({who.user_id}) · {who.role} · {who.office_code}"


class UserHeader(Horizontal):
    """Kept on every screen after login, so a clerk never works under someone else's name unawares."""

    DEFAULT_CSS = """
    UserHeader { height: 1; dock: top; background: $panel; color: $foreground; }
    UserHeader #header-title { width: 1fr; text-style: bold; padding: 0 1; }
    UserHeader #header-who { width: auto; padding: 0 1; color: $text-accent; }
    """

    def __init__(self, title: str, who: Who | None) -> None:
        super().__init__()
        self._title = title
        self._who = who

    def compose(self) -> ComposeResult:
        yield Label(self._title, id="header-title")
        yield Label(plain(who_line(self._who)), id="header-who", markup=False)
