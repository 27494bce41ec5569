""""Assign me the next To Do": on the search and on the entry screen alike."""

from __future__ import annotations

import asyncio

from textual import work

from wss_tui.services import todos as service
from wss_tui.store.todos import TodoDetail


class AssignNext:
    """Mixin for a WssScreen: `n` asks the store for the highest-priority, oldest To Do in the user's
    roles and office, assigns it to them, and opens it (`open_next`: the entry screen replaces itself)."""

    def action_assign_next(self) -> None:
        self._assign_next()

    @work(exclusive=True, group="todo-action", exit_on_error=False)
    async def _assign_next(self) -> None:
        detail = await asyncio.to_thread(service.assign_next, self.engine, self.who.user_id)
        if detail is None:
            self.notify("no open To Do is waiting in your role and office", title="Next To Do", timeout=5)
            return
        self.wss.todos_changed += 1
        self.open_next(detail, f"To Do {detail.todo_id} is now assigned to you")

    def open_next(self, detail: TodoDetail, notice: str) -> None:
        self.wss.show_todo(detail, notice=notice)
