"""Logins: argon2 password hashes, and a lock-out after repeated failures, recorded in the store."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlmodel import Session

from . import clock, config, timefmt
from .errors import Denied, LockedOut
from .models import Staff

MAX_FAILURES = 5
LOCKOUT = timedelta(minutes=15)

_hasher = PasswordHasher()


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def _wrong_password(left: int) -> Denied:
    return Denied("password", f"user ID or password is wrong; {left} more {'try' if left == 1 else 'tries'} before lock-out")


@cache
def _decoy_hash() -> str:
    return _hasher.hash("no staff member has this password")


def _refuse_unknown(password: str) -> Denied:
    """What an unknown or disabled user ID gets: the words of a first wrong password, after as long a wait.

    Neither the line nor the time taken may tell an outsider which user IDs exist. An argon2 check
    against a decoy hash costs what a real one does. A second try still tells them apart (a real
    user's count goes down; an unknown ID has no row to count in), as does a lock-out.
    """
    try:
        _hasher.verify(_decoy_hash(), password)
    except (VerificationError, InvalidHashError):
        pass
    return _wrong_password(MAX_FAILURES - 1)


@dataclass(frozen=True)
class Who:
    """The logged-in staff member, as screens show them."""

    user_id: str
    name: str
    role: str
    role_description: str
    office_code: str
    office_name: str


def who(session: Session, staff: Staff) -> Who:
    from .offices import get

    office = get(session, staff.office_code)
    return Who(
        user_id=staff.user_id,
        name=staff.name,
        role=staff.role,
        role_description=config.roles()[staff.role].description,
        office_code=office.code,
        office_name=office.name,
    )


def attempt_login(engine, user_id: str, password: str) -> Who:
    """Log in, recording the outcome in its own transaction whether it succeeds or not."""
    from . import db

    user_id = user_id.strip().upper()
    failure: Exception | None = None
    with db.write(engine) as session:
        staff = session.get(Staff, user_id)
        now = clock.now()
        if staff is None or not staff.active:
            raise _refuse_unknown(password)
        if staff.locked_until and staff.locked_until > now:
            raise LockedOut(
                "user",
                f"{user_id} is locked after {MAX_FAILURES} failed logins until "
                f"{timefmt.show(staff.locked_until)}; wait, or ask the administrator",
            )
        try:
            _hasher.verify(staff.password_hash, password)
        except (VerificationError, InvalidHashError):
            staff.failed_logins += 1
            left = MAX_FAILURES - staff.failed_logins
            if left <= 0:
                staff.locked_until = now + LOCKOUT
                staff.failed_logins = 0
                failure = LockedOut(
                    "user",
                    f"{MAX_FAILURES} failed logins: {user_id} is locked until "
                    f"{timefmt.show(staff.locked_until)}",
                )
            else:
                failure = _wrong_password(left)
        else:
            staff.failed_logins = 0
            staff.locked_until = None
            staff.last_login_at = now
            result = who(session, staff)
    if failure is not None:
        raise failure
    return result
