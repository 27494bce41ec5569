"""Who a To Do goes to (pick.py: the one rule every new To Do is routed by, data/routing.toml) and
moving To Dos off a person (reassign.py). Callers use these names only."""

from __future__ import annotations

from .pick import Approval, Pick, Target, assignment, log_pick, pick, planner, queue_note
from .reassign import MAX_REASON, Moved, held_by, reassign

__all__ = [
    "MAX_REASON",
    "Approval",
    "Moved",
    "Pick",
    "Target",
    "assignment",
    "held_by",
    "log_pick",
    "pick",
    "planner",
    "queue_note",
    "reassign",
]
