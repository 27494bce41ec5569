"""Keeping a search on screen current: a cheap check of whether what the search shows has changed."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

from sqlalchemy import (
    Connection,
    bindparam,
    func,
    select,
)
from sqlmodel import Session

from ..models import (
    OPEN,
)
from .common import (
    _todo,
    connection_of,
    load_actor_scope,
    not_an_index_key,
)
from .search import SearchFilter, _count_terms, _search_filter, _Shape

# --- keeping a search current ----------------------------------------------------------------------


@dataclass(frozen=True)
class Watch:
    """A search's filter and the actor's role queue, checked and resolved once (actor, scope, role)
    so that each check of `changes` is one statement. Opaque to screens."""

    shape: _Shape
    params: dict = field(compare=False)


@dataclass(frozen=True)
class Changes:
    """What a search view looks like now, cheaply: a different `count` or `versions` than the last
    check means a To Do came, went or changed in the view. `waiting`: the Open To Dos of the actor's
    role in the actor's offices assigned to nobody (the role queue, whatever the view)."""

    count: int
    versions: int
    waiting: int
    role: str


def watch(session: Session | Connection, actor_id: str, flt: SearchFilter) -> Watch:
    conn = connection_of(session)
    actor, codes = load_actor_scope(conn, actor_id)
    shape, params = _search_filter(conn, actor, codes, flt)
    return Watch(shape, {**params, "codes": codes, "queue_role": actor.role, "queue_status": OPEN})


@lru_cache(maxsize=256)
def _changes_statement(shape: _Shape):
    view = _count_terms(shape)
    waiting = select(func.count()).select_from(_todo).where(
        _todo.c.role == bindparam("queue_role"),
        _todo.c.office_code.in_(bindparam("codes", expanding=True)),
        _todo.c.status == bindparam("queue_status"),
        not_an_index_key(_todo.c.assigned_to).is_(None),
    )
    return select(
        select(func.count()).select_from(_todo).where(*view).scalar_subquery(),
        select(func.coalesce(func.sum(_todo.c.version), 0)).select_from(_todo).where(*view).scalar_subquery(),
        waiting.scalar_subquery(),
    )


def changes(session: Session | Connection, watched: Watch) -> Changes:
    """One statement over the view's index range and the role queue's: a poll every few seconds from
    every open search must cost no more than a page count. No LISTEN/NOTIFY: it runs through
    PgBouncer in transaction mode. Every change of a To Do bumps its `version`, so a sum of versions
    moves whenever one in the view changes, and the count whenever one comes or goes."""
    count, versions, waiting = connection_of(session).execute(_changes_statement(watched.shape), watched.params).one()
    return Changes(int(count), int(versions), int(waiting), watched.params["queue_role"])
