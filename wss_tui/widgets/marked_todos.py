"""The To Do list of the management screen: a page of open To Dos with a mark column.

Its own narrow set of columns (the type matters here: who may be given a To Do depends on it), with the
cell helpers of todo_table.py. Marks are kept by To Do ID with the version the officer saw, which is
what a reassignment is checked against.
"""

from __future__ import annotations

from rich.text import Text
from textual.binding import Binding
from textual.widgets import DataTable

from wss_tui.plain import plain
from wss_tui.store.todos import Page, TodoRow
from wss_tui.widgets.todo_table import SHORT_STATUS, due_text, priority_text, short_time

MARK = Text("*", style="bold", justify="center")
UNMARKED = Text("")


class MarkedTodos(DataTable):
    BINDINGS = [Binding("enter", "select_cursor", "Open", show=False)]

    def __init__(self, **kwargs) -> None:
        super().__init__(cursor_type="row", zebra_stripes=True, **kwargs)
        self.page: Page | None = None
        self.versions: dict[str, int] = {}
        self.marked: dict[str, int] = {}  # To Do ID -> the version it had when marked

    def _columns(self) -> list[tuple[str, str, int]]:
        fixed = [("mark", "*", 1), ("priority", "Pri", 3), ("created", "Created", 14), ("type", "Type", 8),
                 ("message", "Message", 0), ("status", "Status", 8), ("due", "Due", 9)]
        width = max(self.size.width or self.app.size.width, 40)
        used = sum(w for _, _, w in fixed) + 2 * self.cell_padding * len(fixed) + 2
        return [(k, label, w or max(width - used, 12)) for k, label, w in fixed]

    def show_page(self, page: Page, versions: dict[str, int]) -> None:
        keep = self.cursor_row if self.page and page.first == self.page.first else 0
        self.page, self.versions = page, versions
        self._rebuild(keep)

    def on_resize(self) -> None:
        if self.page is not None:
            self._rebuild(self.cursor_row)

    def _cells(self, row: TodoRow) -> list:
        theme = self.app.current_theme
        return [
            MARK if row.todo_id in self.marked else UNMARKED,
            priority_text(row.priority),
            plain(short_time(row.created_at)),
            plain(row.todo_type),
            plain(row.message, no_wrap=True),
            plain(SHORT_STATUS.get(row.status, row.status)),
            due_text(row, {"late": theme.error, "soon": theme.warning}),
        ]

    def _rebuild(self, cursor_row: int) -> None:
        self.clear(columns=True)
        for key, label, width in self._columns():
            self.add_column(label, key=key, width=width)
        assert self.page is not None
        for row in self.page.rows:
            self.add_row(*self._cells(row), key=row.todo_id)
        if self.page.rows:
            self.move_cursor(row=min(cursor_row, len(self.page.rows) - 1))

    def current(self) -> TodoRow | None:
        if not self.page or not self.page.rows or self.cursor_row < 0:
            return None
        return self.page.rows[min(self.cursor_row, len(self.page.rows) - 1)]

    def toggle(self, row: TodoRow) -> None:
        if row.todo_id in self.marked:
            del self.marked[row.todo_id]
        else:
            self.marked[row.todo_id] = self.versions.get(row.todo_id, 0)
        self.update_cell(row.todo_id, "mark", MARK if row.todo_id in self.marked else UNMARKED)

    def toggle_page(self) -> None:
        """Mark every row of the page; when all are marked already, unmark them."""
        rows = self.page.rows if self.page else []
        unmark = all(r.todo_id in self.marked for r in rows)
        for row in rows:
            if unmark:
                self.marked.pop(row.todo_id, None)
            else:
                self.marked.setdefault(row.todo_id, self.versions.get(row.todo_id, 0))
            self.update_cell(row.todo_id, "mark", UNMARKED if unmark else MARK)
