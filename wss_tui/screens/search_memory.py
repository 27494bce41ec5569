"""What the To Do Search remembers and keeps current, apart from the screen's own layout and keys.

- The filter last used comes back at the next login; saved searches are named filter sets, saved,
  recalled and deleted from the command palette (store/prefs.py keeps both per user).
- Every few seconds (data/search.toml) one small query asks whether the view changed
  (todos.changes); if it did, the page is read again in place — the cursor stays on its row, the
  page and the filter fields stay as they are — and the status line says how many To Dos are new.
  In place rather than "F5 to show": the clerk waiting for a complaint sees it without a key, and
  nothing they typed or pointed at moves.
- The count of Open To Dos waiting for nobody in the user's role queue, with `w` to look at that
  queue and `w` again to go back.
"""

from __future__ import annotations

import asyncio
from functools import partial

from textual import work
from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.widgets import Label

from wss_tui.plain import plain
from wss_tui.screens.dialogs import TextDialog
from wss_tui.services import todos as service
from wss_tui.store import config, prefs, todos
from wss_tui.store.todos import SearchFilter
from wss_tui.widgets.filter_bar import ALL, FilterBar

QUEUE = "queue"


class SearchMemory:
    """Mixin for TodoSearchScreen (a WssScreen with a FilterBar, `filter`, `after`, `before` and
    `_load`)."""

    check_seconds: float | None = None  # None: data/search.toml; tests set it, or call check_now()

    def start_memory(self) -> None:
        self._watches: dict[SearchFilter, todos.Watch] = {}
        self._seen: tuple[SearchFilter, int, int] | None = None
        self.new_todos = 0
        self.waiting: todos.Changes | None = None
        self._before_queue: dict[str, str] | None = None
        self._checking = False
        self._recall()
        self.set_interval(self.check_seconds or config.search_check_seconds(), self.check_now)

    # --- the filter last used -------------------------------------------------------------------

    @work(group="search-memory", exit_on_error=False)
    async def _recall(self) -> None:
        fields = await asyncio.to_thread(service.remembered, self.engine, self.who.user_id)
        bar = self.query_one(FilterBar)
        if fields:
            bar.set_fields(fields)
        else:
            bar.apply()

    def remember(self) -> None:
        self._remember(self.query_one(FilterBar).fields())

    @work(exclusive=True, group="search-remember", exit_on_error=False)
    async def _remember(self, fields: dict[str, str]) -> None:
        await asyncio.to_thread(service.remember, self.engine, self.who.user_id, fields)

    # --- keeping the view current -----------------------------------------------------------------

    def watched(self, flt: SearchFilter) -> todos.Watch | None:
        """The filter's Watch (actor, scope, role resolved) once made, so each later check is one statement."""
        return self._watches.get(flt)

    def check_now(self) -> None:
        # Not while another screen is on top (it re-reads on resume) or a check is still out.
        if self.filter is None or self._checking or not self.is_current:
            return
        self._checking = True
        self._check(self.filter)

    @work(group="search-check", exit_on_error=False)
    async def _check(self, flt: SearchFilter) -> None:
        try:
            checked = await asyncio.to_thread(service.check, self.engine, self.who.user_id, flt, self.watched(flt))
        except Exception:  # noqa: BLE001 — a background check says nothing; the next key reports
            return
        finally:
            self._checking = False
        self.view_checked(flt, checked, baseline=False)

    def view_checked(self, flt: SearchFilter, checked: service.Checked, *, baseline: bool) -> None:
        """`baseline`: taken with a page just read, so what the page shows, not news."""
        self._watches[flt] = checked.watch
        if flt != self.filter:
            return
        changes = checked.changes
        self.waiting = changes
        self._show_waiting()
        seen = self._seen
        self._seen = (flt, changes.count, changes.versions)
        if baseline or seen is None or seen[0] != flt:
            return
        if (changes.count, changes.versions) != seen[1:]:
            self.new_todos += max(changes.count - seen[1], 0)
            self._load(self.filter, self.after, self.before)

    def new_label(self) -> str:
        n = self.new_todos
        return f" · {n} new To Do{'s' if n != 1 else ''}" if n else ""

    def filter_changed(self) -> None:
        self.new_todos = 0
        self._seen = None
        self.remember()

    # --- the role queue, one key away -------------------------------------------------------------

    def _show_waiting(self) -> None:
        label = self.query_one("#waiting", Label)
        changes = self.waiting
        in_queue = self.filter is not None and self.filter.user_filter == QUEUE
        if in_queue and self._before_queue is not None:
            label.update("w: back")
        elif changes is not None and changes.waiting and not in_queue:
            label.update(plain(f"{changes.waiting:,} waiting in {changes.role} queue — w"))
        else:
            label.update("")
        label.display = bool(str(label.content))

    def action_queue(self) -> None:
        bar = self.query_one(FilterBar)
        if bar.fields()["user_filter"] == QUEUE and self._before_queue is not None:
            back, self._before_queue = self._before_queue, None
            bar.set_fields(back)
            return
        self._before_queue = bar.fields()
        bar.set_fields({"type": ALL, "user_filter": QUEUE, "who": self.who.role, "status": "open"})

    # --- saved searches (the command palette) -----------------------------------------------------

    def saved_search_commands(self) -> list[tuple[str, str, object]]:
        """In a worker thread: (title, help, callback) for the palette."""
        saved = service.saved_searches(self.engine, self.who.user_id)
        found: list[tuple[str, str, object]] = [("Save search as…", "name the filters now shown", self.action_save_search)]
        for search in saved:
            found.append((f"Search: {search.name}", "saved search", partial(self.recall_search, search)))
        for search in saved:
            found.append((f"Delete search: {search.name}", "saved search", partial(self._delete_search, search.name)))
        return found

    def recall_search(self, search: prefs.SavedSearch) -> None:
        self._before_queue = None
        self.query_one(FilterBar).set_fields(search.fields)
        self.notify(f"Search: {search.name}", timeout=3)

    def action_save_search(self, error: str = "", value: str = "") -> None:
        fields = self.query_one(FilterBar).fields()

        def named(name: str | None) -> None:
            if name:
                self._save_search(name, fields)

        self.app.push_screen(
            TextDialog("Save search as", "Name", hint="The filters now shown, recalled from Ctrl+P by this name.",
                       placeholder="e.g. approvals waiting", ok="Save", max_length=prefs.MAX_NAME,
                       value=value, error=error, error_field="text" if error else ""),
            named,
        )

    @work(group="saved-search", exit_on_error=False)
    async def _save_search(self, name: str, fields: dict[str, str]) -> None:
        saved = await asyncio.to_thread(service.save_search, self.engine, self.who.user_id, name, fields)
        self.notify(f"Saved search: {saved.name}", timeout=3)

    @work(group="saved-search", exit_on_error=False)
    async def _delete_search(self, name: str) -> None:
        await asyncio.to_thread(service.delete_search, self.engine, self.who.user_id, name)
        self.notify(f"Deleted search: {name}", timeout=3)


class SavedSearchCommands(Provider):
    """The palette's saved searches: "Save search as…", "Search: <name>", "Delete search: <name>"."""

    async def startup(self) -> None:
        screen = self.screen
        self._found = []
        if isinstance(screen, SearchMemory):
            try:
                self._found = await asyncio.to_thread(screen.saved_search_commands)
            except Exception as exc:  # noqa: BLE001 — the palette opens anyway, saying why these are missing
                screen.notify(f"Saved searches are not available: {exc}", severity="warning", timeout=5)

    async def discover(self) -> Hits:
        for title, help_text, callback in self._found:
            yield DiscoveryHit(plain(title), callback, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, help_text, callback in self._found:
            if (score := matcher.match(title)) > 0:
                # plain(): a saved search's name is typed text; the matcher's highlight parses markup
                yield Hit(score, plain(title), callback, help=help_text)
