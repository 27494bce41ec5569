"""Times as staff read and type them: IST, CC&B's `28-04-2022 12:14:44PM`, and the date filters."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta

from . import clock, numbers
from .clock import IST
from .errors import Invalid

CCB_FORMAT = "%d-%m-%Y %I:%M:%S%p"


def show(at: datetime | None) -> str:
    """`28-04-2022 12:14:44PM` in IST; empty for no time."""
    return at.astimezone(IST).strftime(CCB_FORMAT) if at else ""


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_SECOND = timedelta(seconds=1)
_IST_SECONDS = int(IST.utcoffset(None).total_seconds())


def shower() -> Callable[[datetime], str]:
    """show() for thousands of times in a row (the escalation sweep's log lines): each IST day's date
    formatted once, the time of day by arithmetic, instead of a zone change and a strftime each."""
    dates: dict[int, str] = {}

    def show_one(at: datetime) -> str:
        day, into = divmod((at - _EPOCH) // _SECOND + _IST_SECONDS, 86_400)
        head = dates.get(day)
        if head is None:
            head = dates[day] = (_EPOCH + timedelta(days=day)).strftime("%d-%m-%Y ")
        hour, rest = divmod(into, 3600)
        return f"{head}{(hour - 1) % 12 + 1:02d}:{rest // 60:02d}:{rest % 60:02d}{'AM' if hour < 12 else 'PM'}"

    return show_one


def show_date(at: datetime | date | None) -> str:
    if at is None:
        return ""
    if isinstance(at, datetime):
        at = at.astimezone(IST).date()
    return at.strftime("%d-%m-%Y")


MONTH_FORMAT = "%m-%Y"


def show_month(month: date | None) -> str:
    """A bill month as every screen and command shows it: `10-2026` (digits, whatever the locale)."""
    return month.strftime(MONTH_FORMAT) if month else ""


_RELATIVE = re.compile(r"^([+-]?[0-9]+)\s*([dhw])$", re.ASCII)
_FORMS = ("%d-%m-%Y %H:%M:%S", "%d-%m-%Y %H:%M", "%d-%m-%Y %I:%M%p", "%d-%m-%Y %I:%M:%S%p", "%d-%m-%Y")
# The dates anyone may type. Far wider than any bill or complaint, and far inside what Python's dates
# and both databases' timestamps hold, so arithmetic on a bound (the end of a day in UTC, a period, an
# SLA) cannot overflow: 01-01-0001 in IST is in year 0 in UTC, and `today - 99999999 days` is no date.
EARLIEST = date(1900, 1, 1)
LATEST = date(2199, 12, 31)
_SPAN_DAYS = (LATEST - EARLIEST).days
HINT = "type DD-MM-YYYY, DD-MM-YYYY HH:MM, today, or -7d"
ISO_HINT = "type DD-MM-YYYY HH:MM (IST), -1d, or ISO 8601"


def parse_when(value: str, *, field: str = "date", end_of_day: bool = False, iso: bool = False) -> datetime | None:
    """Read a date/time a user typed, in IST, into aware UTC; empty means no bound.

    Accepts `28-04-2022`, `28-04-2022 10:00`, `28-04-2022 10:00:30`, `28-04-2022 10:00AM`, and
    relative forms `today`, `yesterday`, `now`, `-7d`, `-12h`, `-2w`; with `iso`, also ISO 8601 as a
    scheduler passes it (`2026-11-28T10:00+05:30`, IST when it has no zone). A bare date as an *end*
    bound means the end of that day, so 28-04-2022..28-04-2022 is the whole day. Anything else, a digit
    that is not 0-9, or a date outside EARLIEST..LATEST is an Invalid naming `field`: never another error.
    """
    text = value.strip()
    if not text:
        return None
    hint = ISO_HINT if iso else HINT
    ch = numbers.foreign_digit(text)
    if ch is not None:
        raise Invalid(field, f"{ch!r} (U+{ord(ch):04X}) is not one of the digits 0-9; {hint}")
    at = _read(text, end_of_day, iso)
    if at is None:
        raise Invalid(field, f"cannot read {_shown(value)}; {hint}")
    if not EARLIEST <= at.astimezone(IST).date() <= LATEST:
        raise Invalid(field, f"{_shown(value)} is out of range; give a date from {show_date(EARLIEST)} to {show_date(LATEST)}")
    return at


def _read(text: str, end_of_day: bool, iso: bool) -> datetime | None:
    """The time `text` says, or None when it reads as nothing; a date out of any range is returned
    clamped just outside EARLIEST..LATEST so that the caller names the range."""
    now = clock.now()
    today = now.astimezone(IST).date()
    lowered = text.lower()
    day: date | None = None
    if lowered == "now":
        return now
    if lowered == "today":
        day = today
    elif lowered == "yesterday":
        day = today - timedelta(days=1)
    elif m := _RELATIVE.match(lowered):
        if len(m.group(1).lstrip("+-")) > 7:  # int() of a long digit string is slow, and no span needs it
            return _beyond(m.group(1).startswith("-"))
        amount, unit = int(m.group(1)), m.group(2)
        days = amount / 24 if unit == "h" else amount * (7 if unit == "w" else 1)
        if abs(days) > _SPAN_DAYS + 1:
            return _beyond(amount < 0)
        if unit == "h":
            return now + timedelta(hours=amount)
        day = today + timedelta(days=days)
    if day is not None:
        return _day_bound(day, end_of_day)
    for form in _FORMS:
        try:
            parsed = datetime.strptime(text.upper(), form)
        except ValueError:
            continue
        if not EARLIEST <= parsed.date() <= LATEST:
            return _beyond(parsed.date() < EARLIEST)
        if form == "%d-%m-%Y":
            return _day_bound(parsed.date(), end_of_day)
        return parsed.replace(tzinfo=IST).astimezone(UTC)
    if iso:
        try:
            parsed = datetime.fromisoformat(text)
        except ValueError:
            return None
        if not EARLIEST <= parsed.date() <= LATEST:
            return _beyond(parsed.date() < EARLIEST)
        return (parsed if parsed.tzinfo else parsed.replace(tzinfo=IST)).astimezone(UTC)
    return None


def _beyond(before: bool) -> datetime:
    day = EARLIEST - timedelta(days=1) if before else LATEST + timedelta(days=1)
    return datetime.combine(day, time(12), tzinfo=IST)


def _shown(value: str) -> str:
    """What the user typed, quoted and cut short: an error line is one line, whatever was pasted."""
    text = value.strip()
    return repr(text if len(text) <= 30 else text[:29] + "…")


def _day_bound(day: date, end_of_day: bool) -> datetime:
    at = datetime.combine(day, time.max if end_of_day else time.min, tzinfo=IST)
    return at.astimezone(UTC)
