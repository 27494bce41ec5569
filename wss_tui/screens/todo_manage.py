"""To Do management (officers): whose work waits, and moving several To Dos at once.

Top: each To Do worker of the officer's offices with their open count, the age of their oldest open To
Do and whether they are active or locked out, after each role's queue (store/workload.py). Below: the
open To Dos of the highlighted worker or queue; space marks one, `a` the page, `r` reassigns the marked
ones (store/todo_manage.py) in one unit of work with one reason.
"""

from __future__ import annotations

import asyncio
from datetime import datetime

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.reactive import reactive
from textual.widgets import DataTable, Label

from wss_tui.plain import plain
from wss_tui.screens.base import WssScreen
from wss_tui.screens.dialogs import Drafts, ForwardTo
from wss_tui.screens.reassign_dialog import ReassignDialog
from wss_tui.services import todos as service
from wss_tui.store import clock
from wss_tui.store.errors import WssError
from wss_tui.store.todo_manage import ManagedPage
from wss_tui.store.todos import Cursor
from wss_tui.store.workload import QUEUE, Load, Workload
from wss_tui.widgets.key_footer import KeyFooter
from wss_tui.widgets.header import UserHeader
from wss_tui.widgets.marked_todos import MarkedTodos
from wss_tui.widgets.todo_table import page_label

PAGE_SIZE = 50
WORKLOAD_PAGE = 50


def age_text(at: datetime | None, now: datetime) -> str:
    """How long the oldest open To Do has waited: "32d", "5h", "<1h"; empty when there is none."""
    if at is None:
        return ""
    seconds = max((now - at).total_seconds(), 0)
    if seconds >= 86400:
        return f"{int(seconds // 86400)}d"
    return f"{int(seconds // 3600)}h" if seconds >= 3600 else "<1h"


def state_text(load: Load) -> str:
    if not load.active:
        return "disabled"
    return "locked" if load.locked else ("" if load.kind == QUEUE else "active")


class TodoManageScreen(WssScreen):
    CSS_PATH = "todo_manage.tcss"
    HELP_TITLE = "To Do management"
    AUTO_FOCUS = "#workload"
    BINDINGS = [
        Binding("space", "mark", "Mark"),
        Binding("a", "mark_page", "All"),
        Binding("r", "reassign", "Reassign"),
        Binding("tab", "switch", "Switch"),
        Binding("right_square_bracket", "next_page", "Next", key_display="]"),
        Binding("left_square_bracket", "prev_page", "Prev", key_display="["),
        Binding("escape", "app.pop_screen", "Back", key_display="esc"),
        Binding("f5,ctrl+r", "refresh", "Refresh", show=False),
    ]

    busy = reactive(False, bindings=True)  # a reassignment is out

    def __init__(self) -> None:
        super().__init__()
        self.drafts = Drafts()
        self.loads: dict[str, Load] = {}
        self.workload_after: tuple | None = None
        self.workload_pages: list[tuple | None] = []  # the cursors of the pages before this one
        self.workload: Workload | None = None
        self.showing: str | None = None  # the key of the worker or queue whose To Dos are listed
        self.after: Cursor | None = None
        self.before: Cursor | None = None
        self.seen_changes = 0

    def compose(self) -> ComposeResult:
        yield UserHeader("To Do management", self.who)
        yield DataTable(id="workload", cursor_type="row", zebra_stripes=True)
        yield Label("", id="list-line", markup=False)
        yield MarkedTodos(id="todos")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.seen_changes = self.wss.todos_changed
        self._load_workload(None)

    def on_screen_resume(self) -> None:
        if self.wss.todos_changed != self.seen_changes:
            self.seen_changes = self.wss.todos_changed
            self._load_workload(self.workload_after)

    # --- the workload -----------------------------------------------------------------------------

    @work(exclusive=True, group="workload", exit_on_error=False)
    async def _load_workload(self, after: tuple | None) -> None:
        found = await asyncio.to_thread(service.workload, self.engine, self.who.user_id, after=after,
                                        limit=WORKLOAD_PAGE)
        self._show_workload(found, after)

    def _show_workload(self, found: Workload, after: tuple | None) -> None:
        self.workload, self.workload_after = found, after
        self.loads = {load.key: load for load in found.rows}
        table = self.query_one("#workload", DataTable)
        keep = self.showing
        table.clear(columns=True)
        width = max(table.size.width or self.app.size.width, 60)
        fixed = [("who", "Who", 11), ("role", "Role", 7), ("office", "Office", 10), ("open", "Open", 4),
                 ("oldest", "Oldest", 6), ("state", "State", 8)]
        name_width = max(width - sum(w for _, _, w in fixed) - 2 * table.cell_padding * (len(fixed) + 1) - 2, 10)
        table.add_column("Who", key="who", width=11)
        table.add_column("Name", key="name", width=name_width)
        for key, label, w in fixed[1:]:
            table.add_column(label, key=key, width=w)
        now = clock.now()
        for load in found.rows:
            queue = load.kind == QUEUE
            table.add_row(
                plain("Queue" if queue else load.user_id, "italic" if queue else ""),
                plain(load.name, no_wrap=True),
                plain(load.role.removeprefix("TR-")),
                plain(load.office_code or "all"),
                plain(f"{load.open:,}", justify="right"),
                plain(age_text(load.oldest_at, now), justify="right"),
                plain(state_text(load), "bold" if state_text(load) in ("locked", "disabled") else ""),
                key=load.key,
            )
        keys = [load.key for load in found.rows]
        if keep in keys:
            table.move_cursor(row=keys.index(keep))
            self._load_list(keep)  # the counts moved: so may its To Dos
        elif keys:
            table.move_cursor(row=0)
        else:
            self._show_list_line()

    @on(DataTable.RowHighlighted, "#workload")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        key = str(event.row_key.value)
        if key != self.showing:
            self.query_one(MarkedTodos).marked.clear()
            self._load_list(key)

    @on(DataTable.RowSelected, "#workload")
    def _chosen(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.query_one(MarkedTodos).focus()

    # --- the To Do list -----------------------------------------------------------------------------

    def _load_list(self, key: str, after: Cursor | None = None, before: Cursor | None = None) -> None:
        self.showing = key
        load = self.loads.get(key)
        if load is None:
            return
        self._fetch_list(key, load.user_id, None if load.user_id else load.role, after, before)

    @work(exclusive=True, group="manage-list", exit_on_error=False)
    async def _fetch_list(self, key: str, user_id: str | None, role: str | None, after: Cursor | None,
                          before: Cursor | None) -> None:
        managed = await asyncio.to_thread(service.open_todos, self.engine, self.who.user_id, user_id=user_id,
                                          role=role, after=after, before=before, limit=PAGE_SIZE)
        self._show_list(key, managed, after, before)

    def _show_list(self, key: str, managed: ManagedPage, after: Cursor | None, before: Cursor | None) -> None:
        if key != self.showing:
            return  # an answer for a row the cursor has left
        page = managed.page
        if not page.rows and (after or before):
            self._load_list(key)  # the page emptied under us: back to the top
            return
        self.after, self.before = after, before
        self.query_one(MarkedTodos).show_page(page, managed.versions)
        self._show_list_line()

    def _show_list_line(self) -> None:
        load = self.loads.get(self.showing or "")
        table = self.query_one(MarkedTodos)
        if load is None:
            text = "Nobody in your offices works To Dos." if not self.loads else ""
        else:
            owner = f"{load.role} queue" if load.kind == QUEUE else f"{load.user_id} {load.name}"
            text = f"{owner} · {page_label(table.page)} · {len(table.marked)} marked"
        self.query_one("#list-line", Label).update(plain(text, no_wrap=True))

    @on(DataTable.RowSelected, "#todos")
    def _open(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.wss.open_todo(str(event.row_key.value))

    # --- keys ---------------------------------------------------------------------------------------

    def action_mark(self) -> None:
        table = self.query_one(MarkedTodos)
        row = table.current()
        if row is None:
            return
        table.toggle(row)
        if table.cursor_row < table.row_count - 1:
            table.move_cursor(row=table.cursor_row + 1)
        self._show_list_line()

    def action_mark_page(self) -> None:
        self.query_one(MarkedTodos).toggle_page()
        self._show_list_line()

    def action_switch(self) -> None:
        todos_table = self.query_one(MarkedTodos)
        (self.query_one("#workload") if todos_table.has_focus else todos_table).focus()

    def action_next_page(self) -> None:
        if self.query_one("#workload").has_focus:
            if self.workload is None or not self.workload.has_next:
                self.notify("This is the last page of people.", timeout=2)
                return
            people = [load for load in self.workload.rows if load.kind != QUEUE]
            self.workload_pages.append(self.workload_after)
            self._load_workload(people[-1].cursor)
            return
        page = self.query_one(MarkedTodos).page
        if page is None or not page.has_next or self.showing is None:
            self.notify("This is the last page.", timeout=2)
            return
        self._load_list(self.showing, after=page.rows[-1].cursor)

    def action_prev_page(self) -> None:
        if self.query_one("#workload").has_focus:
            if not self.workload_pages:
                self.notify("This is the first page of people.", timeout=2)
                return
            self._load_workload(self.workload_pages.pop())
            return
        page = self.query_one(MarkedTodos).page
        if page is None or not page.has_prev or self.showing is None:
            self.notify("This is the first page.", timeout=2)
            return
        self._load_list(self.showing, before=page.rows[0].cursor)

    def action_refresh(self) -> None:
        self._load_workload(self.workload_after)

    def action_reassign(self, error: str = "", error_field: str = "") -> None:
        table = self.query_one(MarkedTodos)
        chosen = dict(table.marked)
        if not chosen and (row := table.current()) is not None:
            chosen = {row.todo_id: table.versions.get(row.todo_id, 0)}  # none marked: the row under the cursor
        load = self.loads.get(self.showing or "")
        if not chosen or load is None or self.busy:
            self.notify("No To Do to reassign: mark some with space (a: the whole page).", timeout=4)
            return
        source = f"the {load.role} queue" if load.kind == QUEUE else f"{load.user_id}"

        def go(to: ForwardTo) -> None:
            self.busy = True
            self._reassign(list(chosen.items()), to)

        dialog = ReassignDialog(len(chosen), source, self.drafts.take("reassign"), error=error, error_field=error_field)
        self.drafts.push(self.app, "reassign", dialog, go)

    def watch_busy(self, busy: bool) -> None:
        if self.is_mounted:
            self.query_one(MarkedTodos).loading = busy  # the marked To Dos are moving

    @work(exclusive=True, group="manage-action", exit_on_error=False)
    async def _reassign(self, items: list[tuple[str, int]], to: ForwardTo) -> None:
        refused: WssError | None = None
        try:
            moved = await asyncio.to_thread(service.reassign, self.engine, self.who.user_id, items,
                                            to_user=to.to_user, to_role=to.to_role, reason=to.note)
        except WssError as exc:
            refused = exc
        finally:
            self.busy = False
        if refused is not None:  # the dialog again, with what was typed and why
            self.drafts.keep("reassign", to)
            self.action_reassign(error=str(refused), error_field=refused.field)
            return
        marked = self.query_one(MarkedTodos).marked
        if moved.done is None:
            # Changed meanwhile: show them as they are now; the officer marks again.
            self.drafts.keep("reassign", to)
            marked.clear()
            self.notify(moved.stale, severity="warning", timeout=10)
            self._load_workload(self.workload_after)
            return
        self.wss.todos_changed += 1
        self.seen_changes = self.wss.todos_changed
        self.drafts.clear()
        marked.clear()
        n = len(moved.done.todo_ids)
        self.notify(f"Reassigned {n} To Do{'s' if n != 1 else ''} to {moved.done.to_text}", timeout=5)
        self._load_workload(self.workload_after)
