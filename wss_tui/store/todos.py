"""To Dos: the search the clerk's day starts from, and every action on one To Do.

CONTRACT (filled in by the To Do store change; screens code against these names):

Search
    filter = SearchFilter(...)             # plain, frozen; defaults give "my open To Dos"
    page = search(session, actor_id, filter, after=None, before=None, limit=50) -> Page
        keyset-paged in the order (priority, created_at, todo_id); `after`/`before` are a
        row's `Cursor` (next page / previous page). `page.total` is the filter's full count,
        `page.first` the 1-based number of the first row (for "1–50 of 1,234").
    todo_types(session) -> list[tuple[str, str]]   # (code, description) for the type filter

One To Do
    get(session, actor_id, todo_id) -> TodoDetail  (fields, characteristics, log, keys, version)
    take(session, actor_id, todo_id, version) -> TodoDetail
    forward(session, actor_id, todo_id, version, *, to_user=None, to_role=None, note) -> TodoDetail
    send_back(session, actor_id, todo_id, version, note) -> TodoDetail
    add_log(session, actor_id, todo_id, version, details) -> TodoDetail
    change_priority(session, actor_id, todo_id, version, priority, note="") -> TodoDetail
    complete(session, actor_id, todo_id, version, comment) -> TodoDetail
    assign_next(session, actor_id) -> TodoDetail | None

Every action runs inside the caller's `db.write(engine)` unit of work, checks scope and rights,
raises `errors.Stale` ("changed by X at T, reloaded") when `version` is not the current one, and
writes the To Do log.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class SearchFilter:
    todo_type: str | None = None  # None: all types
    user_filter: str = "user"  # "user": assigned to user_id; "role": To Dos of `role` in scope
    user_id: str | None = None  # None: the actor
    role: str | None = None  # None: the actor's role
    start: datetime | None = None  # created at or after (aware UTC)
    end: datetime | None = None  # created at or before
    status: str | None = "open"  # "open" (Open + Being Worked On), one of TODO_STATUSES, or None: all


@dataclass(frozen=True)
class Cursor:
    priority: int
    created_at: datetime
    todo_id: str


@dataclass(frozen=True)
class TodoRow:
    todo_id: str
    todo_type: str
    priority: int
    created_at: datetime
    related: int
    last_assigned_at: datetime | None
    message: str
    status: str
    completed_at: datetime | None
    assigned_to: str | None
    case_id: str | None
    account_id: str | None

    @property
    def cursor(self) -> Cursor:
        return Cursor(self.priority, self.created_at, self.todo_id)


@dataclass(frozen=True)
class Page:
    rows: list[TodoRow]
    total: int
    first: int  # 1-based position of rows[0] in the whole result; 0 when empty
    has_next: bool
    has_prev: bool


@dataclass(frozen=True)
class LogEntry:
    at: datetime
    log_type: str
    details: str
    user_id: str | None
    user_name: str | None
    assigned_to: str | None


@dataclass(frozen=True)
class TodoDetail:
    todo_id: str
    todo_type: str
    todo_type_description: str
    role: str
    role_description: str
    office_code: str
    office_name: str
    message: str
    status: str
    priority: int
    assigned_to: str | None
    assigned_to_name: str | None
    sent_by: str | None
    sent_by_name: str | None
    comment: str
    created_at: datetime
    last_assigned_at: datetime | None
    completed_at: datetime | None
    version: int
    characteristics: list[tuple[str, str]] = field(default_factory=list)  # (CASE, 7335070529) …
    log: list[LogEntry] = field(default_factory=list)  # oldest first
    # Keys/Values pane: ("Account ID", "4952790000"), ("Case ID", …), ("Bill Number", …),
    # ("Person", name), ("Premise", address)
    keys: list[tuple[str, str]] = field(default_factory=list)
