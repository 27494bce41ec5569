""""Assign me the next To Do": on the search and on the entry screen alike."""

from __future__ import annotations

from textual import work

from wss_tui.messages import DetailLoaded, NothingNext
from wss_tui.store import db, todos


class AssignNext:
    """Mixin for a WssScreen: `n` asks the store for the highest-priority, oldest To Do in the user's
    roles and office, assigns it to them, and opens it."""

    def action_assign_next(self) -> None:
        self._assign_next()

    @work(thread=True, exclusive=True, group="todo-action", exit_on_error=False)
    def _assign_next(self) -> None:
        with db.write(self.engine) as session:
            detail = todos.assign_next(session, self.who.user_id)
        if detail is None:
            self.post_message(NothingNext("no open To Do is waiting in your role and office"))
        else:
            self.post_message(DetailLoaded(detail, notice=f"To Do {detail.todo_id} is now assigned to you",
                                           changed=True))

    def on_nothing_next(self, message: NothingNext) -> None:
        self.notify(message.text, title="Next To Do", timeout=5)
