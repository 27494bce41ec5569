"""To Dos: the search and what it remembers, one To Do and its actions, the next To Do, and the
officers' workload and reassignment — each a unit of work of its own.

An action names the version the user was looking at. When someone else got there first the store
raises `Stale`; here that becomes `Acted(fresh detail, stale="… reloaded")`, so every caller shows the
To Do as it is now with the same line. Other refusals (`Invalid`, `Denied`, `NotFound`) are raised.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sqlalchemy import Engine

from wss_tui.store import db, prefs, todo_manage, todos, workload as workloads
from wss_tui.store.errors import Stale
from wss_tui.store.revision import closure
from wss_tui.store.todos import Changes, Cursor, Page, SearchFilter, TodoDetail, Watch
from wss_tui.store.todo_manage import ManagedPage, Reassigned
from wss_tui.store.workload import Workload

# --- the search --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Checked:
    """What a search view looks like now (`changes`), and the `watch` to pass to the next check:
    the filter resolved once (actor, scope, role), so each later check is one statement."""

    watch: Watch
    changes: Changes


@dataclass(frozen=True)
class Searched:
    page: Page
    checked: Checked  # taken with the page: what the page shows, the baseline of the next check


def _checked(conn, actor_id: str, flt: SearchFilter, watched: Watch | None) -> Checked:
    watched = watched or todos.watch(conn, actor_id, flt)
    return Checked(watched, todos.changes(conn, watched))


def search(engine: Engine, actor_id: str, flt: SearchFilter, *, after: Cursor | None = None,
           before: Cursor | None = None, limit: int = 50, watched: Watch | None = None) -> Searched:
    """A page of the filter (and its total), and in the same read what the next change check compares with."""
    with db.read_rows(engine) as conn:
        page = todos.search(conn, actor_id, flt, after=after, before=before, limit=limit)
        return Searched(page, _checked(conn, actor_id, flt, watched))


def check(engine: Engine, actor_id: str, flt: SearchFilter, watched: Watch | None = None) -> Checked:
    """Has the view changed: one small statement once `watched` is known."""
    with db.read_rows(engine) as conn:
        return _checked(conn, actor_id, flt, watched)


# --- what the search remembers (store/prefs.py) ------------------------------------------------------


def remembered(engine: Engine, actor_id: str) -> dict[str, str] | None:
    with db.read(engine) as session:
        return prefs.remembered(session, actor_id)


def remember(engine: Engine, actor_id: str, fields: dict[str, str]) -> None:
    with db.write(engine) as session:
        prefs.remember(session, actor_id, fields)


def saved_searches(engine: Engine, actor_id: str) -> list[prefs.SavedSearch]:
    with db.read(engine) as session:
        return prefs.saved_searches(session, actor_id)


def save_search(engine: Engine, actor_id: str, name: str, fields: dict[str, str]) -> prefs.SavedSearch:
    with db.write(engine) as session:
        return prefs.save_search(session, actor_id, name, fields)


def delete_search(engine: Engine, actor_id: str, name: str) -> None:
    with db.write(engine) as session:
        prefs.delete_search(session, actor_id, name)


# --- one To Do ---------------------------------------------------------------------------------------


# Each To Do a screen shows comes with what the user may not do with it and why (`TodoDetail.refused`),
# so that the screen offers the other keys only.


def get(engine: Engine, actor_id: str, todo_id: str) -> TodoDetail:
    with db.read_rows(engine) as conn:
        return todos.with_rights(conn, actor_id, todos.get(conn, actor_id, todo_id))


def find(engine: Engine, actor_id: str, typed: str) -> TodoDetail:
    """The To Do that a typed To Do ID or request ID means (todos.resolve), read in the same unit of work."""
    with db.read_rows(engine) as conn:
        return todos.with_rights(conn, actor_id, todos.get(conn, actor_id, todos.resolve(conn, actor_id, typed)))


def resolve(engine: Engine, actor_id: str, typed: str) -> str:
    with db.read_rows(engine) as conn:
        return todos.resolve(conn, actor_id, typed)


@dataclass(frozen=True)
class Acted:
    """The To Do after an action. `stale` non-empty: it had changed meanwhile, nothing was written,
    `detail` is the fresh read and `stale` the line to show ("changed by X at T; reloaded …")."""

    detail: TodoDetail
    stale: str = ""


def _act(engine: Engine, actor_id: str, todo_id: str, version: int, action: Callable[..., TodoDetail],
         *args, **kwargs) -> Acted:
    """One action in one unit of work; run once more if the database gave up on it as Busy (a
    deadlock left to chance): it names the version the user saw, so the second run does what they
    asked or says who changed the To Do, and it writes nothing outside its transaction."""
    try:
        return Acted(db.once_more_if_busy(
            engine, lambda s: todos.with_rights(s, actor_id, action(s, actor_id, todo_id, version, *args, **kwargs))))
    except Stale as exc:
        return Acted(get(engine, actor_id, todo_id), stale=str(exc))


def take(engine: Engine, actor_id: str, todo_id: str, version: int) -> Acted:
    return _act(engine, actor_id, todo_id, version, todos.take)


def forward(engine: Engine, actor_id: str, todo_id: str, version: int, *, to_user: str | None = None,
            to_role: str | None = None, note: str = "") -> Acted:
    return _act(engine, actor_id, todo_id, version, todos.forward, to_user=to_user, to_role=to_role, note=note)


def send_back(engine: Engine, actor_id: str, todo_id: str, version: int, note: str) -> Acted:
    return _act(engine, actor_id, todo_id, version, todos.send_back, note)


def add_log(engine: Engine, actor_id: str, todo_id: str, version: int, details: str) -> Acted:
    return _act(engine, actor_id, todo_id, version, todos.add_log, details)


def change_priority(engine: Engine, actor_id: str, todo_id: str, version: int, priority: int,
                    note: str = "") -> Acted:
    return _act(engine, actor_id, todo_id, version, todos.change_priority, priority, note=note)


def complete(engine: Engine, actor_id: str, todo_id: str, version: int, comment: str) -> Acted:
    """The plain Complete (closure.complete_todo): refused for a To Do whose completion means closing
    its case or deciding its revision."""
    return _act(engine, actor_id, todo_id, version, closure.complete_todo, comment)


def assign_next(engine: Engine, actor_id: str) -> TodoDetail | None:
    """The highest-priority, oldest Open To Do of the actor's roles and offices, now theirs; None: none waits."""
    with db.write(engine) as session:
        detail = todos.assign_next(session, actor_id)
        return None if detail is None else todos.with_rights(session, actor_id, detail)


# --- the officers' workload (store/workload.py, store/todo_manage.py) ---------------------------------


def workload(engine: Engine, actor_id: str, *, after: tuple[str, str, str] | None = None,
             limit: int = 50) -> Workload:
    with db.read(engine) as session:
        return workloads.workload(session, actor_id, after=after, limit=limit)


def open_todos(engine: Engine, actor_id: str, *, user_id: str | None = None, role: str | None = None,
               after: Cursor | None = None, before: Cursor | None = None, limit: int = 50) -> ManagedPage:
    with db.read(engine) as session:
        return todo_manage.open_todos(session, actor_id, user_id=user_id, role=role, after=after, before=before,
                                      limit=limit)


@dataclass(frozen=True)
class Moved:
    """What a reassignment did; `stale` non-empty: a marked To Do had changed meanwhile, nothing moved."""

    done: Reassigned | None
    stale: str = ""


def reassign(engine: Engine, actor_id: str, items: Sequence[tuple[str, int]], *, to_user: str | None = None,
             to_role: str | None = None, reason: str = "") -> Moved:
    """Move the To Dos (each with the version the officer saw) all or nothing."""
    try:
        with db.write(engine) as session:
            return Moved(todo_manage.reassign(session, actor_id, items, to_user=to_user, to_role=to_role,
                                              reason=reason))
    except Stale as exc:
        return Moved(None, stale=str(exc))
