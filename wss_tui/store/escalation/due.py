"""A case's due time and escalation level as people read them: "2d left", "3d late", the warning."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import NamedTuple

from .. import clock, sla
from .matrix import matrix

OFFICER_SHORT = "no SLA"  # an officer case in a narrow Due column: no consumer due date to count down


class DueInfo(NamedTuple):
    """A named tuple, not a frozen dataclass: a page builds twenty, and a frozen dataclass's
    __init__ (one object.__setattr__ per field) cost eight times as much."""

    due_at: datetime
    breached: bool
    level: int  # escalation level reached (0: none)
    level_role: str | None  # the role the case last escalated to
    next_level: int | None  # None: the top level reached, closed, or a type that never escalates
    next_level_role: str | None
    next_level_at: datetime | None
    warning: str  # "breaches in 2 days", "breached 3 days ago; escalates to TR-SE in 5 hours", or ""
    short: str = ""  # for a narrow column: "2d left", "5h left", "3d late"; "" once closed
    urgency: str = ""  # "late" (past due), "soon" (due within sla.warn_before()), or ""
    # False for an officer's own case: no consumer waits, `due_at` is the office's own target, and
    # nothing is breached, warned of or escalated (sla.consumer_clock).
    consumer_clock: bool = True


def due_info(case_row, now: datetime | None = None) -> DueInfo:
    """Due time, escalation level and the warnings of one case. `case_row` is anything with
    created_at, due_at, closed_at, escalation_level, request_type and channel (a Case, a Row, a dataclass)."""
    return due_reader(now or clock.now())(case_row)


def due_reader(now: datetime) -> Callable[[object], DueInfo]:
    """due_info at one moment, for many cases (a page of the To Do Search): the matrix, the warning
    window and `now` looked up once, not once per row."""
    mx = matrix()
    warn_before = sla.warn_before()
    applies_to = mx.applies_to
    zero = timedelta(0)

    def read(case_row) -> DueInfo:
        level = case_row.escalation_level or 0
        reached = mx.level(level)
        reached_role = reached.role if reached else None
        due_at, closed_at = case_row.due_at, case_row.closed_at
        is_open = closed_at is None
        if not sla.consumer_clock(case_row.channel):
            return DueInfo(due_at=due_at, breached=False, level=level, level_role=reached_role,
                           next_level=None, next_level_role=None, next_level_at=None, warning="",
                           short=OFFICER_SHORT if is_open else "", consumer_clock=False)
        breached = (closed_at or now) > due_at
        warnings = []
        short = urgency = ""
        if is_open:
            to_due = due_at - now
            if to_due > zero:
                if to_due <= warn_before:
                    warnings.append(f"breaches in {_span(to_due)}")
            else:
                warnings.append(f"breached {_span(-to_due)} ago")
            # The short form of the same warning: "2d left" / "3d late", and how urgent it is.
            if now > due_at:  # as `breached` counts it
                late = sla.days_late(due_at, now)  # full days, as compensation counts them
                short, urgency = (f"{late}d late" if late else f"{_unit(now - due_at)} late"), "late"
            else:
                short, urgency = f"{_unit(to_due)} left", "soon" if to_due <= warn_before else ""
        upcoming = mx.level(level + 1) if is_open and case_row.request_type in applies_to else None
        next_at = mx.reached_at(case_row.created_at, upcoming) if upcoming else None
        if upcoming and next_at is not None:
            if next_at <= now:
                warnings.append(f"escalation to {upcoming.role} due at the next sweep")
            elif next_at - now <= upcoming.warn_before:
                warnings.append(f"escalates to {upcoming.role} in {_span(next_at - now)}")
        return DueInfo(
            due_at=due_at,
            breached=breached,
            level=level,
            level_role=reached_role,
            next_level=upcoming.number if upcoming else None,
            next_level_role=upcoming.role if upcoming else None,
            next_level_at=next_at,
            warning="; ".join(warnings),
            short=short,
            urgency=urgency,
        )

    return read


def _unit(delta: timedelta) -> str:
    """The largest whole unit of a duration, in one letter: 2d, 5h, 40m."""
    seconds = int(delta.total_seconds())
    for unit, size in (("d", 86_400), ("h", 3_600)):
        if seconds >= size:
            return f"{seconds // size}{unit}"
    return f"{seconds // 60}m"


def _span(delta: timedelta) -> str:
    """A duration as people say it: the largest whole unit, rounded down."""
    seconds = int(delta.total_seconds())
    for unit, size in (("day", 86_400), ("hour", 3_600), ("minute", 60)):
        if seconds >= size:
            n = seconds // size
            return f"{n} {unit}{'s' if n != 1 else ''}"
    return "under a minute"


# --- the sweep --------------------------------------------------------------------------------


