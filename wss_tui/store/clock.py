"""The one clock of the store, so tests, snapshots and the escalation sweep can fix time.

`WSS_NOW` (ISO 8601, e.g. `2026-11-28T10:00:00+05:30`) freezes it for a whole process, which is how the
end-to-end tests pin the time of a real `wss` run.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone

IST = timezone(timedelta(hours=5, minutes=30), "IST")

_override: Callable[[], datetime] | None = None


def now() -> datetime:
    """Current time, aware, in UTC."""
    if _override is not None:
        return _override().astimezone(UTC)
    fixed = os.environ.get("WSS_NOW")
    if fixed:
        parsed = datetime.fromisoformat(fixed)
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=IST)
        return parsed.astimezone(UTC)
    return datetime.now(UTC)


def set_clock(fn: Callable[[], datetime] | None) -> None:
    """Replace the clock (tests); `None` restores the real one."""
    global _override
    _override = fn


def freeze(at: datetime) -> None:
    set_clock(lambda: at)
