"""Times as staff read and type them: IST, CC&B's `28-04-2022 12:14:44PM`, and the date filters."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta

from . import clock
from .clock import IST
from .errors import Invalid

CCB_FORMAT = "%d-%m-%Y %I:%M:%S%p"


def show(at: datetime | None) -> str:
    """`28-04-2022 12:14:44PM` in IST; empty for no time."""
    return at.astimezone(IST).strftime(CCB_FORMAT) if at else ""


def show_date(at: datetime | date | None) -> str:
    if at is None:
        return ""
    if isinstance(at, datetime):
        at = at.astimezone(IST).date()
    return at.strftime("%d-%m-%Y")


def rupees(paise: int) -> str:
    """Indian grouping: 1,23,45,678.90 INR."""
    sign = "-" if paise < 0 else ""
    whole, frac = divmod(abs(paise), 100)
    digits = str(whole)
    if len(digits) > 3:
        head, tail = digits[:-3], digits[-3:]
        groups = []
        while len(head) > 2:
            groups.insert(0, head[-2:])
            head = head[:-2]
        if head:
            groups.insert(0, head)
        digits = ",".join(groups) + "," + tail
    return f"{sign}{digits}.{frac:02d}INR"


_RELATIVE = re.compile(r"^([+-]?\d+)\s*([dhw])$")
_FORMS = ("%d-%m-%Y %H:%M:%S", "%d-%m-%Y %H:%M", "%d-%m-%Y %I:%M%p", "%d-%m-%Y %I:%M:%S%p", "%d-%m-%Y")


def parse_when(value: str, *, field: str = "date", end_of_day: bool = False) -> datetime | None:
    """Read a date/time a user typed, in IST, into aware UTC; empty means no bound.

    Accepts `28-04-2022`, `28-04-2022 10:00`, `28-04-2022 10:00:30`, `28-04-2022 10:00AM`, and
    relative forms `today`, `yesterday`, `now`, `-7d`, `-12h`, `-2w`. A bare date as an *end* bound
    means the end of that day, so 28-04-2022..28-04-2022 is the whole day.
    """
    text = value.strip()
    if not text:
        return None
    today = clock.now().astimezone(IST).date()
    lowered = text.lower()
    day: date | None = None
    if lowered == "now":
        return clock.now()
    if lowered == "today":
        day = today
    elif lowered == "yesterday":
        day = today - timedelta(days=1)
    elif m := _RELATIVE.match(lowered):
        amount, unit = int(m.group(1)), m.group(2)
        if unit == "h":
            return clock.now() + timedelta(hours=amount)
        day = today + timedelta(days=amount * (7 if unit == "w" else 1))
    if day is not None:
        return _day_bound(day, end_of_day)
    for form in _FORMS:
        try:
            parsed = datetime.strptime(text.upper(), form)
        except ValueError:
            continue
        if form == "%d-%m-%Y":
            return _day_bound(parsed.date(), end_of_day)
        return parsed.replace(tzinfo=IST).astimezone(UTC)
    raise Invalid(field, f"cannot read {value!r}; type DD-MM-YYYY, DD-MM-YYYY HH:MM, today, or -7d")


def _day_bound(day: date, end_of_day: bool) -> datetime:
    at = datetime.combine(day, time.max if end_of_day else time.min, tzinfo=IST)
    return at.astimezone(UTC)
