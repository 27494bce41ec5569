"""The business calendar: which days are worked, and deadlines counted in calendar or working days.

Days are IST days. "N working days after" is N days of *working time*: only hours that fall on a
working day pass, so a complaint registered on a Sunday starts its clock at Monday 00:00, and one
registered on Friday 15:00 with one working day to go (Saturday worked, Sunday off) falls due on
Saturday 15:00. `add` and `latest_start` are exact inverses of each other — `add(c, n) <= at` exactly
when `c <= latest_start(at, n)` — which is what lets the escalation sweep turn "N working days pending"
into one bound on `case.created_at` and select every due case in one query.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import cache

from pydantic import ValidationError

from . import config, settings
from .clock import IST
from .errors import Invalid

DAY = timedelta(days=1)
COUNTINGS = ("calendar", "working")
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
SOURCE = "escalation.toml"


@dataclass(frozen=True)
class BusinessCalendar:
    holidays: dict[date, str]
    weekly_off: frozenset[int]  # date.weekday() numbers: 6 is Sunday
    second_saturday_off: bool = False

    def __hash__(self) -> int:
        return hash((tuple(sorted(self.holidays)), self.weekly_off, self.second_saturday_off))

    def is_working(self, day: date) -> bool:
        if day.weekday() in self.weekly_off or day in self.holidays:
            return False
        # The second Saturday falls on the 8th to the 14th.
        return not (self.second_saturday_off and day.weekday() == 5 and 8 <= day.day <= 14)

    def why_off(self, day: date) -> str | None:
        """The holiday's name, "Sunday", "second Saturday"; None on a working day."""
        if day in self.holidays:
            return self.holidays[day]
        if day.weekday() in self.weekly_off:
            return WEEKDAYS[day.weekday()]
        if not self.is_working(day):
            return "second Saturday"
        return None

    def next_working(self, day: date) -> date:
        """The first working day after `day`."""
        day += DAY
        while not self.is_working(day):
            day += DAY
        return day

    def previous_working(self, day: date) -> date:
        day -= DAY
        while not self.is_working(day):
            day -= DAY
        return day

    def add(self, start: datetime, days: int, counting: str) -> datetime:
        """The first instant at which `days` days have passed since `start` (aware; returned in UTC)."""
        _check_counting(counting)
        if counting == "calendar":
            return (start + days * DAY).astimezone(UTC)
        local = start.astimezone(IST)
        day, offset = local.date(), _offset(local)
        if not self.is_working(day):
            day, offset = self.next_working(day), timedelta(0)
        remaining = days * DAY
        if remaining <= DAY - offset:
            return _instant(day, offset + remaining)
        remaining -= DAY - offset
        # The loop "next working day while more than a day remains", as the k-th working day after.
        k = -(-remaining // DAY)
        return _instant(self._working_after(day, k), remaining - (k - 1) * DAY)

    def _working_after(self, day: date, k: int) -> date:
        """The k-th working day after `day`, remembered: each row of a To Do Search page asks for its
        case's next escalation, and walking the days one by one cost more than the page query."""
        known = self.__dict__.setdefault("_after", {})
        found = known.get((day, k))
        if found is None:
            found = day
            for _ in range(k):
                found = self.next_working(found)
            if len(known) > 50_000:  # a long-running sweep or server: keep it bounded
                known.clear()
            known[(day, k)] = found
        return found

    def latest_start(self, at: datetime, days: int, counting: str) -> datetime:
        """The latest start from which `days` days have passed by `at`: the inverse of `add`."""
        _check_counting(counting)
        if counting == "calendar":
            return (at - days * DAY).astimezone(UTC)
        local = at.astimezone(IST)
        day, offset = local.date(), _offset(local)
        if not self.is_working(day):
            # No working time has passed today: count back from the end of the last working day.
            day, offset = self.previous_working(day), DAY
        remaining = days * DAY
        while remaining > offset:
            remaining -= offset
            day, offset = self.previous_working(day), DAY
        # Landing on 00:00 of a working day, the off days just before it count as that 00:00 (their
        # clock starts then), and 00:00 itself is the latest of them.
        return _instant(day, offset - remaining)

    def working_days_between(self, first: date, last: date) -> int:
        """Working days from `first` to `last`, both included (0 when last < first)."""
        count, day = 0, first
        while day <= last:
            count += self.is_working(day)
            day += DAY
        return count


def _offset(local: datetime) -> timedelta:
    return local - datetime.combine(local.date(), time(), tzinfo=IST)


def _instant(day: date, offset: timedelta) -> datetime:
    return (datetime.combine(day, time(), tzinfo=IST) + offset).astimezone(UTC)


def _check_counting(counting: str) -> None:
    if counting not in COUNTINGS:
        raise Invalid("counting", f"unknown day counting {counting!r}; use calendar or working")


def parse(raw: dict) -> BusinessCalendar:
    """The [calendar] table of escalation.toml (its shape checked by settings' model); errors name the
    setting to fix."""
    from .settings.files import CalendarSettings

    try:
        cal = CalendarSettings.model_validate(raw)
    except ValidationError as exc:
        raise settings.ConfigError(SOURCE, settings.base.problems(f"{SOURCE} calendar", exc)) from None
    offs = set()
    for name in cal.weekly_off:
        if name not in WEEKDAYS:
            raise Invalid(f"{SOURCE} calendar.weekly_off", f"{name!r} is not a weekday; write e.g. \"Sunday\"")
        offs.add(WEEKDAYS.index(name))
    if len(offs) == 7:
        raise Invalid(f"{SOURCE} calendar.weekly_off", "every weekday is off; leave at least one working day")
    holidays: dict[date, str] = {}
    for key, name in cal.holidays.items():
        try:
            day = date.fromisoformat(str(key))
        except ValueError:
            raise Invalid(f"{SOURCE} calendar.holidays", f"{key!r} is not a date; write \"YYYY-MM-DD\" = \"name\"") from None
        holidays[day] = name
    return BusinessCalendar(holidays=holidays, weekly_off=frozenset(offs), second_saturday_off=cal.second_saturday_off)


@cache
def load_settings() -> dict:
    """escalation.toml as a dict (read once per process)."""
    try:
        return config.load(SOURCE)
    except FileNotFoundError:
        raise Invalid(SOURCE, f"no {SOURCE} in {config.data_dir()}; copy the shipped data/{SOURCE}") from None


@cache
def business_calendar() -> BusinessCalendar:
    return parse(load_settings().get("calendar", {}))
