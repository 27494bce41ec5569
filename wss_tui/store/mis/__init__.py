"""The MIS: pending complaints and their disposal, by office, for the MIS screen and `wss mis` alike.

The package's public API (screens, services and the CLI use these names only):
    report.py  report(session, actor_id, office=, level=, start=, end=, now=) -> MisReport;
               period(name, now), this_month(now), PERIODS
    figures.py Figures, MisRow, MisReport; export_columns/export_row (CSV, JSON);
               rounding_notes (rows rounded to the rupee that do not add up to the total)
    scope.py   whose offices the actor sees, the office asked for, the level of the rows
    query.py   the SQL: every figure counted per sub-division (or officer) and rolled up
"""

from __future__ import annotations

from .figures import MONEY_LABELS, Figures, MisReport, MisRow, export_columns, export_row, rounding_notes
from .query import AGE_BUCKETS, REJECTED, UNASSIGNED
from .report import PERIODS, period, report, this_month
from .scope import ALL, GROUP_LEVELS, OFFICER

__all__ = [
    "AGE_BUCKETS",
    "ALL",
    "GROUP_LEVELS",
    "MONEY_LABELS",
    "OFFICER",
    "PERIODS",
    "REJECTED",
    "UNASSIGNED",
    "Figures",
    "MisReport",
    "MisRow",
    "export_columns",
    "export_row",
    "period",
    "report",
    "rounding_notes",
    "this_month",
]
