"""Escalation: the matrix (`matrix.py`), a case's due time as people read it (`due.py`), and the sweep
that raises cases whose level is behind (`sweep.py`). See docs/escalation.md."""

from __future__ import annotations

from .due import DueInfo, due_info, due_reader
from .matrix import SOURCE, Level, Matrix, matrix, parse
from .sweep import ESCALATED, SweepReport, cutoffs, due_case_ids, escalate, prepare, sweep

__all__ = ["ESCALATED", "SOURCE", "DueInfo", "Level", "Matrix", "SweepReport", "cutoffs", "due_case_ids", "due_info",
           "due_reader", "escalate", "matrix", "parse", "prepare", "sweep"]
