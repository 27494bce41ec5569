"""Logging in: the password checked, failures counted and the account locked after too many.

The store does it (`auth.attempt_login`) with its own short transactions, because argon2 must never run
inside a write transaction and the failed-login counter is changed atomically there.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from wss_tui.store import auth
from wss_tui.store.auth import Who

if TYPE_CHECKING:
    from sqlalchemy import Engine

__all__ = ["Who", "login", "session_event"]


def login(engine: Engine, user_id: str, password: str) -> Who:
    """Who logged in, or Denied/LockedOut saying why not (and how many tries are left)."""
    return auth.attempt_login(engine, user_id, password)


def session_event(engine: Engine, user_id: str, event: str, *, minutes: str = "") -> None:
    """The idle lock, the password given again, a logout: in the staff log (`wss staff log`)."""
    from wss_tui.store import staff_admin

    staff_admin.record_session(engine, user_id, event, minutes=minutes)
