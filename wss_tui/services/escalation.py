"""The escalation sweep as `wss escalate` runs it: in batches of cases, each its own unit of work, so a
day's escalations never hold the database's write lock (SQLite) or thousands of row locks
(PostgreSQL) for seconds while clerks work."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from wss_tui.store import clock, db, escalation
from wss_tui.store.escalation import SweepReport

if TYPE_CHECKING:
    from sqlalchemy import Engine

__all__ = ["BATCH", "SweepReport", "sweep"]

BATCH = 2_000  # cases per unit of work: a fifth of a second of writing on SQLite at 1,000,000 To Dos


def sweep(engine: Engine, at: datetime | None = None, batch: int = BATCH) -> SweepReport:
    """Escalate every pending case whose next level has fallen due by `at` (default: now).

    The cases behind their level are listed once (a read, no lock), then escalated `batch` at a time:
    each batch re-reads and locks its cases, so one a sweep on another host took meanwhile is passed
    by, and a sweep stopped half-way leaves whole batches done and the rest for the next run.
    """
    at = at or clock.now()
    # Each step run once more if Busy: everything it writes is keyed on the level each case reached,
    # so a second run does the rest, never anything twice.
    report = db.once_more_if_busy(engine, lambda s: escalation.prepare(s, at))
    with db.read(engine) as session:
        due = escalation.due_case_ids(session, at)
    for start in range(0, len(due), batch):
        report += db.once_more_if_busy(engine, lambda s: escalation.escalate(s, at, due[start : start + batch]))
    return report
