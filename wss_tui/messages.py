"""Messages the thread workers post back to their screens: plain results, no live ORM objects."""

from __future__ import annotations

from dataclasses import dataclass

from textual.message import Message

from wss_tui.store.todos import Cursor, Page, SearchFilter, TodoDetail


@dataclass
class PageLoaded(Message):
    page: Page
    filter: SearchFilter
    after: Cursor | None
    before: Cursor | None


@dataclass
class DetailLoaded(Message):
    """A To Do read or changed; `notice` is what to tell the user about how it got here."""

    detail: TodoDetail
    notice: str = ""
    severity: str = "information"
    changed: bool = False  # written to the store: searches seen again must re-read their page


@dataclass
class LoadFailed(Message):
    """The thing a screen was opened for cannot be shown (not found, out of scope)."""

    text: str


@dataclass
class OpenTodo(Message):
    todo_id: str


@dataclass
class NothingNext(Message):
    text: str
