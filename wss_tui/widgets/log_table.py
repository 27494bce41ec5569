"""The To Do log as CC&B shows it: Date / Time, Log Type, Details, Log User, Assigned To.

Details wrap inside their column (rows grow in height) so a note is read whole at 80 columns too.
"""

from __future__ import annotations

from textual.widgets import DataTable

from wss_tui.plain import plain
from wss_tui.store import timefmt
from wss_tui.store.todos import LogEntry, staff_text
from wss_tui.widgets.todo_table import WIDE_AT, short_time


def user_text(user_id: str | None, name: str | None, *, wide: bool) -> str:
    if not user_id:
        return ""
    return staff_text(user_id, name) if wide else user_id


class LogTable(DataTable):
    def __init__(self, **kwargs) -> None:
        super().__init__(cursor_type="row", zebra_stripes=True, **kwargs)
        self.entries: list[LogEntry] = []
        self._width = 0

    def show(self, log: list[LogEntry]) -> None:
        self.entries = list(log)
        self._rebuild()

    def on_resize(self) -> None:
        if self.entries and self.size.width != self._width:
            self._rebuild()

    def _rebuild(self) -> None:
        self._width = self.size.width
        wide = self.app.size.width >= WIDE_AT
        when = timefmt.show if wide else short_time
        widths = [21 if wide else 14, 16 if wide else 12, 0, 30 if wide else 10, 12 if wide else 11]
        room = max(self._width or self.app.size.width, 40) - sum(widths) - 2 * self.cell_padding * 5 - 2
        widths[2] = max(room, 16)
        self.clear(columns=True)
        for (key, label), width in zip(
            [("at", "Date / Time"), ("type", "Log Type"), ("details", "Details"), ("user", "Log User"),
             ("assigned", "Assigned To")],
            widths,
        ):
            self.add_column(label, key=key, width=width)
        # Newest first: the clerk reads what happened last before anything else.
        for n, entry in enumerate(reversed(self.entries)):
            self.add_row(
                plain(when(entry.at)),
                plain(entry.log_type),
                plain(entry.details),
                plain(user_text(entry.user_id, entry.user_name, wide=wide)),
                plain(entry.assigned_to),
                key=str(len(self.entries) - n),
                height=None,
            )
