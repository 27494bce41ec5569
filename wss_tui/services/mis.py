"""The MIS figures, for the screen and `wss mis` alike: pending complaints by office with their ageing,
and the disposal in a period, read in one transaction."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from wss_tui.store import clock, db, mis
from wss_tui.store.mis import MisReport

if TYPE_CHECKING:
    from sqlalchemy import Engine

__all__ = ["MisReport", "report"]


def report(engine: Engine, actor_id: str | None, *, office: str | None = None, level: str | None = None,
           start: datetime | None = None, end: datetime | None = None, period: str | None = None) -> MisReport:
    """The actor's offices (None: every discom), under `office` if given. The disposal period is `start`
    to `end`, or the named `period` (one of `mis.PERIODS`) as of now, or this month."""
    if period is not None:
        start, end = mis.period(period, clock.now())
    with db.read(engine) as session:
        return mis.report(session, actor_id, office=office, level=level, start=start, end=end)
