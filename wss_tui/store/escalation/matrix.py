"""The escalation matrix (`data/escalation.toml`): which request types escalate, after how many calendar
or working days, to which role at which office level."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

from .. import calendar, config, settings
from ..calendar import BusinessCalendar
from ..errors import Invalid
from ..models import ToDo

SOURCE = "escalation.toml"
_todo = ToDo.__table__


@dataclass(frozen=True)
class Level:
    number: int  # 1, 2, …
    after_days: int
    counting: str  # calendar | working
    office_level: str  # subdivision … discom: where the escalation To Do goes
    role: str
    priority: int
    warn_before: timedelta

    def describe(self) -> str:
        days = f"{self.after_days} {'working ' if self.counting == 'working' else ''}days"
        return f"level {self.number}: after {days} pending, {self.role} of the {self.office_level} (priority {self.priority})"


@dataclass(frozen=True)
class Matrix:
    levels: tuple[Level, ...]
    applies_to: tuple[str, ...]  # request type codes
    todo_type: str
    todo_description: str
    calendar: BusinessCalendar
    roles: tuple[str, ...] = ()  # the roles that work the escalation To Do (todo_rights.py)

    def level(self, number: int) -> Level | None:
        return self.levels[number - 1] if 1 <= number <= len(self.levels) else None

    def reached_at(self, created_at: datetime, level: Level) -> datetime:
        """When a case registered at `created_at` reaches `level`."""
        return self.calendar.add(created_at, level.after_days, level.counting)


def _field(key: str) -> str:
    return f"{SOURCE} {key}"


def parse(raw: dict, business_calendar: BusinessCalendar) -> Matrix:
    """The [matrix] table, checked (its shape by settings' model); every error names the setting to fix."""
    m = settings.validate(SOURCE, raw).matrix
    if m is None:
        raise Invalid(_field("matrix"), "the file has no [matrix] table; copy it from the shipped data/escalation.toml")
    known_types = config.request_types()
    for code in m.applies_to:
        if code not in known_types:
            raise Invalid(_field("matrix.applies_to"), f"unknown request type {code!r}; use codes of data/request_types.toml: {', '.join(known_types)}")
    todo_type = m.todo_type.strip()
    if not todo_type or len(todo_type) > _todo.c.todo_type.type.length:
        raise Invalid(_field("matrix.todo_type"), f"give the To Do type code, up to {_todo.c.todo_type.type.length} characters")
    levels: list[Level] = []
    for n, spec in enumerate(m.level, start=1):
        where = f"matrix.level[{n}]"
        known_role = config.roles().get(spec.role)
        if known_role is None or not known_role.works_todos:
            workers = ", ".join(c for c, r in config.roles().items() if r.works_todos)
            raise Invalid(_field(f"{where}.role"), f"{spec.role!r} is not a role that works To Dos; use one of {workers}")
        warn = m.warn_before_hours if spec.warn_before_hours is None else spec.warn_before_hours
        level = Level(
            number=n,
            after_days=spec.after_days,
            counting=spec.counting,
            office_level=spec.office,
            role=spec.role,
            priority=spec.priority,
            warn_before=timedelta(hours=warn),
        )
        if levels:
            before = levels[-1]
            if config.OFFICE_LEVELS.index(level.office_level) > config.OFFICE_LEVELS.index(before.office_level):
                raise Invalid(_field(f"{where}.office"), f"{level.office_level} is below level {before.number}'s {before.office_level}; a case only climbs")
            if level.after_days <= before.after_days and level.counting == before.counting:
                raise Invalid(_field(f"{where}.after_days"), f"{level.after_days} is not after level {before.number}'s {before.after_days} days; give more days")
        levels.append(level)
    level_roles = tuple(dict.fromkeys(level.role for level in levels))
    return Matrix(
        levels=tuple(levels),
        applies_to=tuple(m.applies_to),
        todo_type=todo_type,
        todo_description=m.todo_description if m.todo_description is not None else todo_type,
        calendar=business_calendar,
        roles=config.working_roles(_field("matrix.roles"), m.roles if m.roles is not None else list(level_roles), level_roles),
    )


@cache
def matrix() -> Matrix:
    """The shipped (or WSS_DATA_DIR's) matrix, read and checked once per process."""
    return parse(calendar.load_settings(), calendar.business_calendar())


# --- what a screen shows ----------------------------------------------------------------------


