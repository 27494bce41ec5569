"""Errors a user can act on. Each carries the field it is about and one line saying what to do."""

from __future__ import annotations


class WssError(Exception):
    """A rule said no. `str(err)` is the one line shown to the user."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}" if field else message)
        self.field = field
        self.message = message


class NotFound(WssError):
    """The thing asked for does not exist (or is outside the user's scope, which looks the same)."""


class Invalid(WssError):
    """The input breaks a rule; nothing was written."""


class Denied(WssError):
    """The acting user may not do this."""


class Stale(WssError):
    """Someone else changed the record since it was read; the caller should reload."""


class LockedOut(WssError):
    """Too many failed logins in a row."""


class Unavailable(WssError):
    """The database could not be reached, or the connection to it was lost: nothing was changed, and
    the same action may simply be tried again."""


class Busy(WssError):
    """The database gave up on the unit of work because another one was changing the same rows at
    the same moment (a deadlock or a serialization failure on PostgreSQL, a lock held past the busy
    timeout on SQLite): everything was rolled back, and the same action may simply be tried again."""
