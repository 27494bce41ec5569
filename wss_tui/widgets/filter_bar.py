"""The To Do Search filters, as CC&B lays them out: type, user filter, user ID, date range, status.

The bar validates what was typed (dates through `timefmt.parse_when`) and says what is wrong on one line
under the fields; only a filter that reads cleanly is posted, so a bad date never runs a query.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import Input, Label, Select

from wss_tui.plain import plain
from wss_tui.store import timefmt
from wss_tui.store.auth import Who
from wss_tui.store.errors import Invalid
from wss_tui.store.codes import TodoStatus
from wss_tui.store.todos import SearchFilter

ALL = "*"
STATUSES = [("Open", "open"), ("Being Worked On", TodoStatus.BEING_WORKED_ON), ("Complete", TodoStatus.COMPLETE), ("All", ALL)]
USER_FILTERS = [("Assigned to User", "user"), ("Role", "role"), ("Role queue", "queue")]
DATE_HINT = "DD-MM-YYYY or -7d"


class FilterBar(Vertical):
    @dataclass
    class Changed(Message):
        """A filter that reads cleanly; the screen searches with it from the first page."""

        filter: SearchFilter

    def __init__(self, who: Who, **kwargs) -> None:
        super().__init__(**kwargs)
        self.who = who
        self.applied: SearchFilter | None = None
        self._restoring_who: str | None = None  # set_fields' user ID or role, for the select's handler

    def compose(self) -> ComposeResult:
        with Horizontal(classes="filter-row"):
            yield Label("Type", classes="filter-label")
            yield Select([("All types", ALL)], value=ALL, allow_blank=False, compact=True, id="todo-type")
            yield Label("Filter", classes="filter-label")
            yield Select(USER_FILTERS, value="user", allow_blank=False, compact=True, id="user-filter")
            yield Label("User ID", classes="filter-label", id="user-label")
            yield Input(self.who.user_id, compact=True, id="user-id", select_on_focus=False)
        with Horizontal(classes="filter-row"):
            yield Label("From", classes="filter-label")
            yield Input(placeholder=DATE_HINT, compact=True, id="start", select_on_focus=False)
            yield Label("To", classes="filter-label")
            yield Input(placeholder=DATE_HINT, compact=True, id="end", select_on_focus=False)
            yield Label("Status", classes="filter-label")
            yield Select(STATUSES, value="open", allow_blank=False, compact=True, id="status")
        yield Label("", id="filter-error", markup=False)

    def set_types(self, types: list[tuple[str, str]]) -> None:
        select = self.query_one("#todo-type", Select)
        current = select.value
        select.set_options([("All types", ALL)] + [(plain(f"{code} {text}"), code) for code, text in types])
        known = {code for code, _ in types}
        select.value = current if current in known else ALL

    # --- reading the fields ---------------------------------------------------------------------

    def read(self) -> SearchFilter:
        """The filter the fields say, or `Invalid` naming the field that does not read."""
        start_text = self.query_one("#start", Input).value
        end_text = self.query_one("#end", Input).value
        start = timefmt.parse_when(start_text, field="From")
        end = timefmt.parse_when(end_text, field="To", end_of_day=True)
        if start and end and end < start:
            raise Invalid("To", f"{end_text.strip()!r} is before From {start_text.strip()!r}; swap them")
        todo_type = self.query_one("#todo-type", Select).value
        user_filter = str(self.query_one("#user-filter", Select).value)
        who_text = self.query_one("#user-id", Input).value.strip().upper() or None
        status = self.query_one("#status", Select).value
        return SearchFilter(
            todo_type=None if todo_type == ALL else str(todo_type),
            user_filter=user_filter,
            user_id=who_text if user_filter == "user" else None,
            role=who_text if user_filter != "user" else None,
            start=start,
            end=end,
            status=None if status == ALL else str(status),
        )

    # --- the fields as typed: remembered between logins, and saved searches (store/prefs.py) --------

    def fields(self) -> dict[str, str]:
        return {
            "type": str(self.query_one("#todo-type", Select).value),
            "user_filter": str(self.query_one("#user-filter", Select).value),
            "who": self.query_one("#user-id", Input).value.strip(),
            "start": self.query_one("#start", Input).value,
            "end": self.query_one("#end", Input).value,
            "status": str(self.query_one("#status", Select).value),
        }

    def set_fields(self, fields: dict[str, str]) -> None:
        """Fill the fields from `fields` (what `fields()` gave, perhaps at an earlier login) and search.
        A value the fields no longer offer (a type since removed) falls back to the default."""

        def choose(selector: str, value: str | None, default: str) -> None:
            select = self.query_one(selector, Select)
            offered = {v for _, v in select._options}
            select.value = value if value in offered else default

        choose("#todo-type", fields.get("type"), ALL)
        user_filter = self.query_one("#user-filter", Select)
        wanted_filter = fields.get("user_filter")
        if wanted_filter not in {value for _, value in USER_FILTERS}:
            wanted_filter = "user"
        by_role = wanted_filter != "user"
        who = fields.get("who") or (self.who.role if by_role else self.who.user_id)
        if user_filter.value != wanted_filter:
            self._restoring_who = who  # the select's Changed handler runs after this, and would reset it
        user_filter.value = wanted_filter
        self.query_one("#user-label", Label).update("Role" if by_role else "User ID")
        self.query_one("#user-id", Input).value = who
        self.query_one("#start", Input).value = fields.get("start", "")
        self.query_one("#end", Input).value = fields.get("end", "")
        choose("#status", fields.get("status"), "open")
        self.apply()

    def apply(self, *, force: bool = False) -> None:
        """Post the filter if it reads and is new (or `force`); otherwise show why not."""
        error = self.query_one("#filter-error", Label)
        for field in self.query(Input):
            field.remove_class("-invalid")
        try:
            wanted = self.read()
        except Invalid as exc:
            error.update(plain(str(exc)))  # it quotes what was typed
            error.add_class("-shown")
            bad = {"From": "#start", "To": "#end"}.get(exc.field)
            if bad:
                self.query_one(bad, Input).add_class("-invalid")
            return
        error.update("")
        error.remove_class("-shown")
        if force or wanted != self.applied:
            self.applied = wanted
            self.post_message(self.Changed(wanted))

    # --- events -----------------------------------------------------------------------------------

    def on_select_changed(self, event: Select.Changed) -> None:
        event.stop()
        if event.select.id == "user-filter":
            # One field serves both filters, as the user ID or the role, to fit 80 columns.
            user_id = self.query_one("#user-id", Input)
            by_role = event.value in ("role", "queue")
            self.query_one("#user-label", Label).update("Role" if by_role else "User ID")
            restoring, self._restoring_who = self._restoring_who, None
            user_id.value = restoring if restoring is not None else self.who.role if by_role else self.who.user_id
        if self.is_mounted:
            self.apply()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.apply()

    def on_input_blurred(self, event: Input.Blurred) -> None:
        self.apply()

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        event.input.remove_class("-invalid")
