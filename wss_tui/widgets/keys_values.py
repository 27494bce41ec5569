"""CC&B's Keys/Values tab: the To Do's drill keys; Enter on one opens what it names."""

from __future__ import annotations

from dataclasses import dataclass

from textual.binding import Binding
from textual.message import Message
from textual.widgets import DataTable

from wss_tui.plain import plain


@dataclass
class Drill(Message):
    """Enter on a key: `label` is what it is ("Account ID", "Person" …), `value` the key itself."""

    label: str
    value: str


class KeysValues(DataTable):
    BINDINGS = [Binding("enter", "drill", "Open", show=True)]

    def __init__(self, **kwargs) -> None:
        super().__init__(cursor_type="row", show_header=True, **kwargs)
        self.keys: list[tuple[str, str]] = []

    def on_mount(self) -> None:
        self.add_column("Key", key="key", width=12)
        self.add_column("Value", key="value")

    def show(self, keys: list[tuple[str, str]]) -> None:
        keep = self.cursor_row
        self.clear()
        self.keys = list(keys)
        for n, (label, value) in enumerate(keys):
            self.add_row(plain(label), plain(value), key=str(n))  # two attachments share a label
        if keys:
            self.move_cursor(row=min(max(keep, 0), len(keys) - 1))

    def action_drill(self) -> None:
        if self.row_count == 0:
            return
        label, value = self.keys[self.cursor_row]  # as stored: the cells show it made visible
        self.post_message(Drill(label, value))
