"""Everything the escalation sweep writes on the demo data, row by row, against a snapshot: how the sweep
does its work (statements, temporary tables, batches, To Do IDs) may change, what it writes may not.

Regenerate only on purpose (`--snapshot-update` on this file) and read the diff: each line is a row
the sweep added (+) or replaced (-) in one table."""

from __future__ import annotations

import shutil
from collections import Counter

from sqlalchemy import select
from sqlalchemy.engine import make_url

from wss_tui.services import escalation as sweeping
from wss_tui.store import clock, db, escalation
from wss_tui.store.models import ToDo
from wss_tui.store.models.base import SQLModel

from .conftest import _copy_pg_template

# Columns numbered by the database in insertion order: left out (the order of a To Do's or a case's
# log entries is kept by listing them in it).
_SERIAL = "id"
_ORDERED = {"todo_log": "todo_id", "case_log": "case_id"}


def _rows(engine) -> dict[str, list[tuple[tuple, tuple]]]:
    """Each table's rows (without a serial ID), each with what orders it: a log entry's To Do or case
    and serial ID, any other row nothing."""
    tables = {}
    with engine.connect() as conn:
        for table in SQLModel.metadata.sorted_tables:
            cols = [c for c in table.columns if c.name != _SERIAL]
            key = _ORDERED.get(table.name)
            order = (table.c[key], table.c[_SERIAL]) if key else ()
            tables[table.name] = [(tuple(row[: len(cols)]), tuple(row[len(cols):]))
                                  for row in conn.execute(select(*cols, *order))]
    return tables


def _changes(before: dict, after: dict, new_ids: dict[str, str]) -> list[str]:
    """The rows each table lost (-) and gained (+), with each new To Do's random ID named by its case;
    a To Do's or a case's new log entries in the order they were written."""

    def shown(value) -> str:
        text = repr(value)
        for todo_id, name in new_ids.items():
            text = text.replace(todo_id, name)
        return text

    lines = []
    for name in sorted(after):
        was, now = Counter(row for row, _ in before[name]), Counter(row for row, _ in after[name])
        lines += sorted(f"{name} - {shown(row)}" for row in (was - now).elements())
        unmatched = was.copy()
        gained = []
        for row, order in after[name]:
            if unmatched[row] > 0:
                unmatched[row] -= 1
            else:
                gained.append(((shown(order[0]), order[1]) if order else (shown(row),), f"{name} + {shown(row)}"))
        lines += [line for _, line in sorted(gained)]
    return lines


def _new_todo_names(engine, before: dict) -> dict[str, str]:
    old = {row[0] for row, _ in before["todo"]}
    with engine.connect() as conn:
        made = conn.execute(select(ToDo.todo_id, ToDo.case_id, ToDo.todo_type).order_by(ToDo.case_id)).all()
    return {t: f"<new {kind} To Do of case {case}>" for t, case, kind in made if t not in old}


def _swept(engine, run) -> list[str]:
    before = _rows(engine)
    run()
    return _changes(before, _rows(engine), _new_todo_names(engine, before))


def _fresh(engine, demo_url, pg_run, sqlite_demo_template) -> None:
    """The demo data as the test began."""
    engine.dispose()
    if pg_run:
        _copy_pg_template(pg_run)
    else:
        shutil.copyfile(sqlite_demo_template, make_url(demo_url).database)


def test_the_sweeps_writes_are_as_recorded(engine, demo_url, pg_run, sqlite_demo_template, snapshot):
    """One unit of work, then `wss escalate`'s batches (of 4 here) on a fresh copy: the same rows."""
    at = clock.now()

    def one_unit():
        with db.write(engine) as session:
            escalation.sweep(session, at)

    whole = _swept(engine, one_unit)
    assert len([line for line in whole if line.startswith("todo + ")]) > 10
    assert whole == snapshot
    _fresh(engine, demo_url, pg_run, sqlite_demo_template)
    assert _swept(engine, lambda: sweeping.sweep(engine, at, batch=4)) == whole
