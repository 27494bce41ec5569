"""To Dos: the search the clerk's day starts from, and every action on one To Do.

The package's public API (screens, services and the CLI use these names only):
    search.py (the page and its total), watch.py (is the page still current), detail.py (one To Do),
    actions.py (take, forward …), common.py (the actor and the scope of offices every query uses).

The reads (search, watch, changes, get, resolve) take a unit of work: the Core Connection of
`db.read_rows(engine)`, as the screens' services run them, or an ORM Session (inside an action's
`db.write`, or a read that also loads objects); the actions take the write's Session.

Search
    filter = SearchFilter(...)             # plain, frozen; defaults give "my open To Dos"
    page = search(conn, actor_id, filter, after=None, before=None, limit=50) -> Page
        keyset-paged in the order (priority, created_at, todo_id); `after`/`before` are a
        row's `Cursor` (next page / previous page). `page.total` is the filter's full count,
        `page.first` the 1-based number of the first row (for "1–50 of 1,234"). Each row's `due`
        is its open case's escalation.DueInfo (due time, level, "2d left" / "3d late", warning),
        from the case LEFT JOINed in the page statement.
    todo_types() -> list[tuple[str, str]]          # (code, description) for the type filter

One To Do
    get(conn, actor_id, todo_id) -> TodoDetail  (fields, characteristics, log, keys, version,
        and the carried case's `due` and SLA `compensation`)
    resolve(conn, actor_id, typed) -> str       # a typed To Do ID, or a request ID's To Do
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

from ..models import TODO_STATUSES
from .actions import (
    ACTIONS,
    add_log,
    refusals,
    assign_next,
    change_priority,
    complete,
    forward,
    holder_refusal,
    send_back,
    stale_line,
    take,
    with_rights,
    working_todo_types,
)
from .common import (
    MAX_PAGE,
    MAX_TEXT,
    PRIORITIES,
    STATUS_OPEN,
    USER_FILTERS,
    Actor,
    load_actor,
    load_actor_scope,
    not_an_index_key,
    scope_codes,
    scope_prefix,
    staff_text,
)
from .detail import LogEntry, TodoDetail, get, resolve
from .search import Cursor, Page, SearchFilter, TodoRow, search, todo_types
from .watch import Changes, Watch, changes, watch

__all__ = [
    "ACTIONS", "MAX_PAGE", "MAX_TEXT", "PRIORITIES", "STATUS_OPEN", "TODO_STATUSES", "USER_FILTERS",
    "Actor", "Changes", "Cursor", "LogEntry", "Page", "SearchFilter", "TodoDetail", "TodoRow", "Watch",
    "add_log", "assign_next", "change_priority", "changes", "complete", "forward", "get", "holder_refusal",
    "load_actor", "load_actor_scope", "not_an_index_key", "resolve", "scope_codes", "scope_prefix", "search", "staff_text", "send_back",
    "stale_line", "take", "todo_types", "watch", "with_rights", "working_todo_types", "refusals",
]
