"""To Do Search, the first screen after login: CC&B's filters and columns, a page at a time from SQL."""

from __future__ import annotations

import asyncio

from rich.cells import cell_len
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import DataTable, Label, Static

from wss_tui.plain import plain
from wss_tui.screens.base import WssScreen
from wss_tui.screens.dialogs import TextDialog
from wss_tui.screens.next_todo import AssignNext
from wss_tui.screens.search_memory import SavedSearchCommands, SearchMemory
from wss_tui.services import todos as service
from wss_tui.store import todos
from wss_tui.store.models import BEING_WORKED_ON, COMPLETE
from wss_tui.store.todos import Cursor, Page, SearchFilter, TodoRow
from wss_tui.widgets.filter_bar import FilterBar
from wss_tui.widgets.header import UserHeader
from wss_tui.widgets.key_footer import KeyFooter
from wss_tui.widgets.todo_table import TodoTable, page_label, short_time

PAGE_SIZE = 50


class KeyParts(Label):
    """The row's keys (To Do ID, type, account, case, holder), each whole or not at all, as many as the
    status line has room for: at 80 columns it ended "… IMITCASE A/c", the account number cut off."""

    parts: list[str] = []

    def show(self, parts: list[str]) -> None:
        self.parts = parts
        self._fit()

    def on_resize(self) -> None:  # the queue count beside it comes and goes
        self._fit()

    def _fit(self) -> None:
        shown, room = list(self.parts), self.size.width
        while room and len(shown) > 1 and cell_len(" ".join(shown)) > room:
            shown.pop()
        self.update(plain(" ".join(shown)))


PREVIEW_LINES = 2  # todo_search.tcss #preview-message max-height


def preview_text(row: TodoRow, theme, fits=lambda text: True) -> Text:
    """The row's message, after its case's due time, escalation level and warning (while it is open),
    then how many To Dos are related to it (the "Rel" column, in words) where `fits` says it fits whole."""
    text = Text()
    due = row.due
    if due is not None and row.status != COMPLETE:
        text.append(f"{'Due' if due.consumer_clock else 'Office target'} {short_time(due.due_at)}", style="bold")
        if due.level:
            text.append(f" · Level {due.level} {due.level_role or ''}".rstrip(), style="bold")
        if due.warning:
            colour = theme.error if due.urgency == "late" else theme.warning
            text.append(f" · {due.warning}", style=f"bold {colour}" if due.urgency else "")
        text.append(" — ")
    text.append_text(plain(row.message))
    if row.related:
        # Last, and whole or not at all: the lines at 80 columns go to the message first; `?` says
        # what the "Rel" column counts whatever the width.
        n = row.related
        more = text + Text(f" · Rel {n}: {n} other To Do{'s' if n != 1 else ''} on its case or account")
        if fits(more):
            return more
    return text


class TodoSearchScreen(SearchMemory, AssignNext, WssScreen):
    CSS_PATH = "todo_search.tcss"
    HELP_TITLE = "To Do Search"
    HELP_TERMS = [
        ("Pri", "Priority: 10 is worked first, 50 last"),
        ("Rel", "Related: other To Dos on the same case or account"),
        ("Status", "Working: Being Worked On"),
        ("Due", "Time left to its case's due date, or how late"),
        ("Esc", "Escalation level of its case (wide terminals only)"),
    ]
    AUTO_FOCUS = "#todos"
    COMMANDS = {SavedSearchCommands}
    # The footer's order (widgets/key_footer.py): all but Refresh fit at 80 columns.
    BINDINGS = [
        Binding("enter", "open", "Open", show=False),
        Binding("slash", "filters", "Filters", key_display="/"),
        Binding("n", "assign_next", "Next To Do"),
        Binding("o", "open_id", "Open ID"),
        Binding("m", "app.mis", "MIS"),
        Binding("right_square_bracket", "next_page", "Next page", key_display="]"),
        Binding("left_square_bracket", "prev_page", "Prev page", key_display="["),
        Binding("M", "app.manage_todos", "Workload", key_display="M"),
        Binding("f5,ctrl+r", "refresh", "Refresh"),
        Binding("escape", "to_table", "To the list", show=False),
        # search_memory.py: the role queue and back
        Binding("w", "queue", "Role queue", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.filter: SearchFilter | None = None
        self.after: Cursor | None = None
        self.before: Cursor | None = None
        self.seen_changes = 0

    def compose(self) -> ComposeResult:
        yield UserHeader("To Do Search", self.who)
        yield FilterBar(self.who, id="filters")
        yield TodoTable(id="todos")
        with Horizontal(id="status-line"):
            yield Label("searching…", id="page-label")
            yield Label("", id="waiting", markup=False)
            yield KeyParts("", id="preview-keys", markup=False)
        yield Static("", id="preview-message", markup=False)
        yield KeyFooter()

    def on_mount(self) -> None:
        self.seen_changes = self.wss.todos_changed
        self.query_one(FilterBar).set_types(todos.todo_types())
        self.start_memory()  # the filter last used, then a search with it

    def on_screen_resume(self) -> None:
        if self.wss.todos_changed != self.seen_changes and self.filter is not None:
            self.seen_changes = self.wss.todos_changed
            self._load(self.filter, self.after, self.before)

    # --- loading --------------------------------------------------------------------------------

    @work(exclusive=True, group="todo-search", exit_on_error=False)
    async def _load(self, filter: SearchFilter, after: Cursor | None = None, before: Cursor | None = None) -> None:
        # Replaced by a newer search (exclusive), this one is cancelled at the await: its page is dropped.
        searched = await asyncio.to_thread(service.search, self.engine, self.who.user_id, filter, after=after,
                                           before=before, limit=PAGE_SIZE, watched=self.watched(filter))
        self.page_loaded(searched.page, filter, after, before)
        self.view_checked(filter, searched.checked, baseline=True)  # what the next check compares with

    @on(FilterBar.Changed)
    def _filter_changed(self, event: FilterBar.Changed) -> None:
        self.filter, self.after, self.before = event.filter, None, None
        self.query_one("#page-label", Label).update("searching…")
        self.filter_changed()
        self._load(event.filter)

    def page_loaded(self, page: Page, filter: SearchFilter, after: Cursor | None, before: Cursor | None) -> None:
        if filter != self.filter:
            return  # an answer to a filter the user has already changed
        if not page.rows and (after or before):
            # The page emptied under us (its To Dos were worked); start again from the top.
            self.after = self.before = None
            self._load(filter)
            return
        self.after, self.before = after, before
        table = self.query_one(TodoTable)
        show_completed = filter.status in (COMPLETE, None)
        at = table.current()
        table.show_page(page, show_completed=show_completed)
        keys = [row.todo_id for row in page.rows]
        if at is not None and at.todo_id in keys:  # a page read again: the cursor stays on its To Do
            table.move_cursor(row=keys.index(at.todo_id))
        self.query_one("#page-label", Label).update(page_label(page) + self.new_label())
        self._preview()

    # --- the row under the cursor, whole ------------------------------------------------------------

    @on(DataTable.RowHighlighted, "#todos")
    def _preview(self) -> None:
        row = self.query_one(TodoTable).current()
        keys = self.query_one("#preview-keys", KeyParts)
        message = self.query_one("#preview-message", Static)
        if row is None:
            keys.show([])
            message.update("No To Dos match these filters." if self.filter else "")
            return
        # In the order they give way when the line is short: who else holds it matters before the keys.
        parts = [row.todo_id]
        theirs = row.status == BEING_WORKED_ON and row.assigned_to and row.assigned_to != self.who.user_id
        if theirs:
            parts.append(f"Being worked on by {row.assigned_to} since {short_time(row.last_assigned_at)}")
        parts.append(row.todo_type)
        if row.account_id:
            parts.append(f"A/c {row.account_id}")
        if row.case_id:
            parts.append(f"Case {row.case_id}")
        if row.assigned_to and not theirs:
            parts.append(f"→ {row.assigned_to}")
        keys.show(parts)
        width = message.content_size.width or max(self.size.width - 2, 20)

        def fits(text: Text) -> bool:
            return len(text.wrap(self.app.console, width)) <= PREVIEW_LINES

        message.update(preview_text(row, self.app.current_theme, fits))

    # --- actions ----------------------------------------------------------------------------------

    @on(DataTable.RowSelected, "#todos")
    def _selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.wss.open_todo(str(event.row_key.value))

    def action_open(self) -> None:
        row = self.query_one(TodoTable).current()
        if row is not None:
            self.wss.open_todo(row.todo_id)

    def action_next_page(self) -> None:
        page = self.query_one(TodoTable).page
        if self.filter is None or page is None or not page.has_next:
            self.notify("This is the last page.", timeout=2)
            return
        self._load(self.filter, after=page.rows[-1].cursor)

    def action_prev_page(self) -> None:
        page = self.query_one(TodoTable).page
        if self.filter is None or page is None or not page.has_prev:
            self.notify("This is the first page.", timeout=2)
            return
        self._load(self.filter, before=page.rows[0].cursor)

    def action_refresh(self) -> None:
        self.new_todos = 0
        self.query_one(FilterBar).apply(force=True)

    def action_filters(self) -> None:
        self.query_one("#todo-type").focus()

    def action_to_table(self) -> None:
        self.query_one(TodoTable).focus()

    def action_open_id(self) -> None:
        def typed(text: str | None) -> None:
            if text:
                self._open_typed(text)

        self.app.push_screen(
            TextDialog("Open a To Do", "To Do ID or request ID",
                       hint="The 14-digit To Do ID, or the 10-digit request ID the consumer quotes.",
                       placeholder="e.g. 63872731933049 or 3908189538", ok="Open", max_length=20),
            typed,
        )

    @work(group="open-id", exit_on_error=False)
    async def _open_typed(self, text: str) -> None:
        # A refusal ("no To Do of request …") is a failed worker: WssScreen shows its one line.
        detail = await asyncio.to_thread(service.find, self.engine, self.who.user_id, text)
        self.wss.show_todo(detail)
