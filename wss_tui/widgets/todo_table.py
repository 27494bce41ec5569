"""The To Do Search result: one page of rows from SQL in the built-in DataTable, keyed by To Do ID.

CC&B's seven columns need about 150 columns of screen, and each To Do's case adds when it falls due
("2d left", "3d late": the store's escalation.due_info) and its escalation level. "Completion" is left
out while only open To Dos are listed (it would be empty). At 80 columns dates and statuses are
shortened, "Last Assigned" and the escalation level give way to the due column (the level and the whole
warning are on the preview line), and when completed To Dos are listed one "Due/Done" column shows a
Complete To Do's completion time and an open one's due; the rest goes to the message. On wide terminals
optional columns are dropped, least useful first, rather than squeeze the message below MIN_MESSAGE
(at 120 columns "Last Assigned" goes, and the message gets 44).
The row under the cursor is shown in full by the screen's preview line.
"""

from __future__ import annotations

from datetime import datetime

from rich.text import Text
from textual.binding import Binding
from textual.widgets import DataTable

from wss_tui.plain import plain
from wss_tui.store.clock import IST
from wss_tui.store.codes import TodoStatus
from wss_tui.store.todos import Page, TodoRow

WIDE_AT = 120  # columns of terminal from which every CC&B column fits
# A wide layout drops optional columns rather than squeeze the message below this: the message is what
# a clerk reads to choose a To Do, and the narrow layout at 119 columns gives it 70.
MIN_MESSAGE = 40
DROP_FIRST = ("assigned", "esc")  # the optional wide columns, least useful first (the 80-column layout has neither)

SHORT_STATUS = {TodoStatus.OPEN: "Open", TodoStatus.BEING_WORKED_ON: "Working", TodoStatus.COMPLETE: "Complete"}


def short_time(at: datetime | None) -> str:
    return at.astimezone(IST).strftime("%d-%m-%y %H:%M") if at else ""


def medium_time(at: datetime | None) -> str:
    return at.astimezone(IST).strftime("%d-%m-%Y %I:%M%p") if at else ""


def priority_text(priority: int) -> Text:
    style = "bold red" if priority <= 10 else ("bold" if priority <= 20 else "")
    return Text(str(priority), style=style, justify="right")


def due_text(row: TodoRow, colours: dict[str, str] | None = None) -> Text:
    """The case's due as a short cell: "2d left" (warning colour inside the warning time), "3d late"
    (error colour); empty for a To Do without a case, a closed case, or a Complete To Do.
    `colours`: the theme's colour for "late" and "soon"."""
    due = row.due
    if due is None or row.status == TodoStatus.COMPLETE or not due.short:
        return Text("")
    colour = (colours or {"late": "red", "soon": "yellow"}).get(due.urgency)
    return Text(due.short, style=f"bold {colour}" if colour else "")


def level_text(row: TodoRow) -> Text:
    level = row.due.level if row.due else 0
    return Text(f"L{level}" if level else "", style="bold", justify="center")


def page_label(page: Page | None) -> str:
    """`1–50 of 1,234`, as the issue asks."""
    if page is None:
        return "searching…"
    if not page.rows:
        return f"0 of {page.total:,}"
    last = page.first + len(page.rows) - 1
    return f"{page.first:,}–{last:,} of {page.total:,}"


class TodoTable(DataTable):
    """A page of To Dos; the row key is the To Do ID."""

    BINDINGS = [Binding("enter", "select_cursor", "Open")]

    def __init__(self, **kwargs) -> None:
        super().__init__(cursor_type="row", zebra_stripes=True, **kwargs)
        self.page: Page | None = None
        self.show_completed = False  # the narrow layout's last column: completion or last-assigned time
        self._layout: tuple | None = None

    def on_mount(self) -> None:
        self.app.theme_changed_signal.subscribe(self, self._theme_changed)

    def _theme_changed(self, _theme) -> None:
        if self.page is not None:
            self._rebuild(self.cursor_row)  # the due cells take the theme's warning and error colours

    @property
    def wide(self) -> bool:
        return self.app.size.width >= WIDE_AT

    def show_page(self, page: Page, *, show_completed: bool) -> None:
        keep = self.cursor_row if self.page and page.first == self.page.first else 0
        self.page = page
        self.show_completed = show_completed
        self._rebuild(keep)

    def on_resize(self) -> None:
        if self.page is not None and self._layout != self._wanted_layout():
            self._rebuild(self.cursor_row)

    def _wanted_layout(self) -> tuple:
        return (self.wide, self.show_completed, self.size.width)

    def _columns(self) -> list[tuple[str, str, int | None]]:
        """(key, label, width); the message takes what the others leave."""
        if self.wide:
            fixed = [
                ("priority", "Priority", 8),
                ("created", "Create Date/Time", 18),
                ("related", "Related", 7),
                ("assigned", "Last Assigned", 18),
                ("message", "Message", None),
                ("status", "Status", 15),
                ("due", "Due", 9),
                ("esc", "Esc", 3),
            ]
            if self.show_completed:
                fixed.append(("completed", "Completion", 18))
        else:
            last = ("due_done", "Due/Done", 14) if self.show_completed else ("due", "Due", 9)
            fixed = [
                ("priority", "Pri", 3),
                ("created", "Created", 14),
                ("related", "Rel", 3),
                ("message", "Message", None),
                ("status", "Status", 8),
                last,
            ]
        width = max(self.size.width or self.app.size.width, 40)

        def room(columns) -> int:
            used = sum(w for _, _, w in columns if w) + 2 * self.cell_padding * len(columns)
            return width - used - 2  # vertical scrollbar

        for key in DROP_FIRST if self.wide else ():
            if room(fixed) >= MIN_MESSAGE:
                break
            fixed = [c for c in fixed if c[0] != key]
        left = room(fixed)
        return [(k, label, w if w else max(left, 12)) for k, label, w in fixed]

    def _cells(self, row: TodoRow) -> list:
        when = medium_time if self.wide else short_time
        status = row.status if self.wide else SHORT_STATUS.get(row.status, row.status)
        theme = self.app.current_theme
        due = due_text(row, {"late": theme.error, "soon": theme.warning})
        cells = {
            "priority": priority_text(row.priority),
            "created": when(row.created_at),
            "related": Text(str(row.related), justify="right"),
            "assigned": when(row.last_assigned_at),
            "message": row.message,
            "status": status,
            "due": due,
            "esc": level_text(row),
            "due_done": when(row.completed_at) if row.status == TodoStatus.COMPLETE else due,
            "completed": when(row.completed_at),
        }
        # A str cell would be parsed as markup: the message is whatever was typed or imported.
        return [plain(cell) if isinstance(cell, str) else cell for cell in (cells[key] for key in self._keys)]

    def _rebuild(self, cursor_row: int) -> None:
        self._layout = self._wanted_layout()
        columns = self._columns()
        self._keys = [key for key, _, _ in columns]
        self.clear(columns=True)
        for key, label, width in columns:
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
