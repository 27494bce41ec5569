"""The one order in which units of work lock rows, so that two of them never wait on each other.

On PostgreSQL two transactions that lock the same rows in different orders deadlock, and the server
kills one. The escalation sweep locks a batch of cases, then their open To Dos, then the MIS's day
rows; a clerk's action, a closing, a proposal or a decision touches one case and its To Dos. So every
unit of work that writes takes its rows in this order, each kind sorted by key:

1. `case` rows, in case ID order (the sweep's batch; a clerk's unit has one);
2. `todo` rows, in To Do ID order (the sweep's raises, a decision's approval and source To Do, a
   reassignment's marked set);
3. `mis_day` rows, in key order (pending_days: the sweep's moves are one sorted upsert each).

A unit that takes a lock of a later kind (assign_next's `FOR UPDATE SKIP LOCKED` on a To Do) takes none
of an earlier kind after it. Locks are `FOR NO KEY UPDATE`: they exclude each other and any update, but
not a foreign key's check of a row inserted beside them (a log entry, an SMS), which only needs the key
to stay. SQLite needs none of this: `db.write()`'s BEGIN IMMEDIATE runs one writer at a time, and
SQLAlchemy renders no FOR UPDATE there.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Connection, select

from .models import Case, ToDo, ToDoCharacteristic

_case = Case.__table__
_todo = ToDo.__table__
_chars = ToDoCharacteristic.__table__


def _lock(conn: Connection, key, ids: Iterable[str | None]) -> None:
    """Lock the rows of `key`'s table whose key is among `ids`, in key order (PostgreSQL; a no-op on
    SQLite, whose writers take turns)."""
    wanted = sorted({i for i in ids if i})
    if wanted and conn.dialect.name == "postgresql":
        conn.execute(select(key).where(key.in_(wanted)).order_by(key).with_for_update(key_share=True)).all()


def cases(conn: Connection, case_ids: Iterable[str | None]) -> None:
    """Lock the cases, in case ID order (step 1). Taken before any To Do of theirs."""
    _lock(conn, _case.c.case_id, case_ids)


def todos(conn: Connection, todo_ids: Iterable[str | None]) -> None:
    """Lock the To Dos, in To Do ID order (step 2), after their cases."""
    _lock(conn, _todo.c.todo_id, todo_ids)


def case_of_todo(conn: Connection, todo_id: str, case_id: str | None = None) -> str | None:
    """Lock the case a To Do works on (its case_id, else its CASE characteristic), before the To Do
    itself is written; the case's ID, or None for a To Do with no case."""
    if conn.dialect.name != "postgresql":
        return case_id
    case_id = case_id or conn.scalar(
        select(_chars.c.value).where(_chars.c.todo_id == todo_id, _chars.c.char_type == "CASE")
    )
    cases(conn, [case_id])
    return case_id
