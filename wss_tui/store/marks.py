"""What the database says about itself: that `wss demo` built it, and whether real data came in since.

`wss demo --reset` drops every table. It must never do that to an office's database, so it asks
`non_demo_data` first. Only the demo and an import ever write accounts, and only the demo and
`wss staff` write staff, so a database holds nothing but demo data when:

- `wss demo` marked it (the `demo` mark, with the number of accounts it made), and
- no import has run since (`wss import` leaves the `imported` mark, before its first row), and
- `wss staff` has changed nobody (its `staff_change` log holds no change; a session's own moments,
  logging out or locking, are trying the demo too), and
- it holds as many accounts as the demo made.

Complaints, To Do work, revisions and SMS on demo accounts are trying the demo, not real data. A
database with no mark and no accounts or staff (fresh, or only `wss db upgrade`) holds nothing to lose.
"""

from __future__ import annotations

import json

from sqlalchemy import Connection, Engine, delete, func, inspect, insert, select

from . import clock
from .codes import StaffAction
from .models import Account, DbMark, Staff, StaffChange

DEMO, IMPORTED = "demo", "imported"
# Written by working the demo (staff_admin.record_session), not by `wss staff`.
SESSION_ACTIONS = (StaffAction.IDLE_LOCK, StaffAction.RESUME, StaffAction.LOGOUT)
_mark = DbMark.__table__


def _set(conn: Connection, key: str, value: str) -> None:
    conn.execute(delete(_mark).where(_mark.c.key == key))
    conn.execute(insert(_mark).values(key=key, value=value, at=clock.now()))


def mark_demo(conn: Connection, *, seed: int, accounts: int) -> None:
    """In the demo's own unit of work: this database is a demo's, with `accounts` accounts."""
    _set(conn, DEMO, json.dumps(dict(seed=seed, accounts=accounts)))


def note_import(engine: Engine, what: str) -> None:
    """Before an import writes: from now on the database holds real data."""
    with engine.begin() as conn:
        _set(conn, IMPORTED, what)


def _count(conn: Connection, table) -> int:
    return conn.scalar(select(func.count()).select_from(table)) or 0


def non_demo_data(engine: Engine) -> str | None:
    """Why the database holds data `wss demo` did not make (one clause), or None when it holds none."""
    present = set(inspect(engine).get_table_names())
    with engine.connect() as conn:
        accounts = _count(conn, Account.__table__) if "account" in present else 0
        staff = _count(conn, Staff.__table__) if "staff" in present else 0
        marks = dict(conn.execute(select(_mark.c.key, _mark.c.value)).all()) if "db_mark" in present else {}
        changes = conn.scalar(select(func.count()).select_from(StaffChange)
                              .where(StaffChange.action.not_in(SESSION_ACTIONS))) if "staff_change" in present else 0
    if DEMO not in marks:
        if accounts or staff:
            return f"it holds {accounts:,} accounts and {staff:,} staff not marked as made by `wss demo`"
        return None
    if IMPORTED in marks:
        return f"data was imported into it ({marks[IMPORTED]})"
    if changes:
        return f"{changes:,} staff change(s) were made in it with `wss staff` (see `wss staff log`)"
    try:
        made = int(json.loads(marks[DEMO])["accounts"])
    except (ValueError, KeyError, TypeError):
        made = -1
    if accounts != made:
        return f"it holds {accounts:,} accounts where `wss demo` made {made:,}"
    return None


def is_demo(conn: Connection) -> bool:
    """Cheaply, for a write in progress: `wss demo` marked this database and nothing was imported since."""
    keys = set(conn.scalars(select(_mark.c.key).where(_mark.c.key.in_((DEMO, IMPORTED)))))
    return DEMO in keys and IMPORTED not in keys


def demo_only(engine: Engine) -> bool:
    """A database `wss demo` built and nothing real was added to."""
    present = set(inspect(engine).get_table_names())
    if "db_mark" not in present:
        return False
    with engine.connect() as conn:
        if conn.scalar(select(_mark.c.key).where(_mark.c.key == DEMO)) is None:
            return False
    return non_demo_data(engine) is None
