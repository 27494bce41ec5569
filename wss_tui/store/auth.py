"""Logins: argon2 password hashes, and a lock-out after repeated failures, recorded in the store."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import case, literal, or_, update
from sqlmodel import Session

from . import clock, config, timefmt
from . import text as text_rule
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


def _locked(user_id: str, until) -> LockedOut:
    return LockedOut(
        "user",
        f"{user_id} is locked after {MAX_FAILURES} failed logins until {timefmt.show(until)}; wait, or ask the administrator",
    )


def _matches(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


_STAFF = Staff.__table__
# Tries of the hash read → check → record round, should the password keep changing under a login.
_ROUNDS = 3


def _recordable(user_id: str, checked_hash: str, now):
    """The row an outcome may be written to: the user, active, not locked, with the hash just checked."""
    t = _STAFF
    return (t.c.user_id == user_id, t.c.active.is_(True), t.c.password_hash == checked_hash,
            or_(t.c.locked_until.is_(None), t.c.locked_until <= now))


def _count_failure(session: Session, user_id: str, checked_hash: str, now) -> tuple[int, bool] | None:
    """Count one failure and lock at the fifth, in one statement: (failures counted, locked by this one),
    or None when the row is no longer the one checked (locked, disabled, password changed)."""
    t = _STAFF
    locks = t.c.failed_logins + 1 >= MAX_FAILURES
    row = session.execute(
        update(t)
        .where(*_recordable(user_id, checked_hash, now))
        .values(
            # Counting restarts once a lock lapses, so the count is cleared as the lock is set.
            failed_logins=case((locks, 0), else_=t.c.failed_logins + 1),
            locked_until=case((locks, literal(now + LOCKOUT, t.c.locked_until.type)), else_=t.c.locked_until),
        )
        .returning(t.c.failed_logins, t.c.locked_until)
    ).one_or_none()
    if row is None:
        return None
    # Only this statement can have set a lock that holds: it ran on an unlocked row.
    return row.failed_logins, row.locked_until is not None and row.locked_until > now


def _record_success(session: Session, user_id: str, checked_hash: str, now) -> bool:
    """Clear the count, unless the user was locked or the password changed since it was checked."""
    t = _STAFF
    done = session.execute(
        update(t)
        .where(*_recordable(user_id, checked_hash, now))
        .values(failed_logins=0, locked_until=None, last_login_at=now)
        .returning(t.c.user_id)
    ).one_or_none()
    return done is not None


def attempt_login(engine, user_id: str, password: str) -> Who:
    """Log in, recording the outcome in its own transaction whether it succeeds or not.

    The argon2 check is slow on purpose, so it runs with no transaction open (on SQLite an open write
    would keep every other clerk's save waiting): a short read takes the hash and the lock, then one
    conditional UPDATE records the outcome. Counting in that UPDATE, not in Python, is what makes
    twenty simultaneous wrong passwords count twenty on PostgreSQL. The UPDATE holds only for the hash
    that was checked, on an unlocked, active user; when the password changed meanwhile it is checked
    again against the new one.
    """
    from . import db

    user_id = text_rule.check("user", user_id.strip().upper())  # a NUL never reaches the driver
    for _ in range(_ROUNDS):
        with db.read(engine) as session:
            staff = session.get(Staff, user_id)
            if staff is not None:
                session.expunge(staff)
        if staff is None or not staff.active:
            raise _refuse_unknown(password)
        if staff.locked_until and staff.locked_until > clock.now():
            raise _locked(user_id, staff.locked_until)
        right = _matches(staff.password_hash, password)
        failure: Exception | None = None
        with db.write(engine) as session:
            now = clock.now()
            if right and _record_success(session, user_id, staff.password_hash, now):
                return who(session, session.get(Staff, user_id))
            counted = None if right else _count_failure(session, user_id, staff.password_hash, now)
            if counted is not None:
                failures, locked = counted
                failure = (LockedOut("user", f"{MAX_FAILURES} failed logins: {user_id} is locked until "
                                             f"{timefmt.show(now + LOCKOUT)}")
                           if locked else _wrong_password(MAX_FAILURES - failures))
            else:
                failure = _not_recorded(session.get(Staff, user_id), now)
        if failure is not None:
            raise failure
    raise Denied("password", "the password was being changed while it was checked; type it again")


def _not_recorded(now_stored: Staff | None, now) -> Exception | None:
    """Why an outcome found no row to record on; None when the password changed, to check it again."""
    if now_stored is None or not now_stored.active:
        return _wrong_password(MAX_FAILURES - 1)  # as for an unknown user; the check already took its time
    if now_stored.locked_until and now_stored.locked_until > now:
        return _locked(now_stored.user_id, now_stored.locked_until)
    return None
