"""Escalation: the matrix (`matrix.py`), a case's due time as people read it (`due.py`), and the sweep
that raises cases whose level is behind (`sweep.py`). See docs/escalation.md."""

from __future__ import annotations

from .due import DueInfo, due_info
from .matrix import SOURCE, Level, Matrix, matrix, parse

_SWEEP = frozenset({"ESCALATED", "SweepReport", "cutoffs", "sweep"})


def __getattr__(name: str):
    # The sweep is the scheduled job's (`wss escalate`); a clerk's session, which reads due times only,
    # does not load it (about 1 MB of resident memory per session, bench/session_memory.py).
    if name in _SWEEP:
        import importlib

        module = importlib.import_module(f"{__name__}.sweep")
        # Importing the submodule bound `sweep` here to the module: the function's name is rebound to it.
        globals().update({each: getattr(module, each) for each in _SWEEP})
        return globals()[name]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

__all__ = ["ESCALATED", "SOURCE", "DueInfo", "Level", "Matrix", "SweepReport", "cutoffs", "due_info", "matrix",
           "parse", "sweep"]
