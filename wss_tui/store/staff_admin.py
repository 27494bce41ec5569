"""Administering staff: add a member, set a password, unlock, disable / enable, list — for `wss staff`.

There is no acting user here: whoever holds the database URL administers it (the IT cell, as root on
the office server), the same as for `wss db` and `wss import`. Each change is one transaction; a
refused one writes nothing. The store keeps no log of these changes (it has none for staff): the
command's own output, in the administrator's terminal or journal, is the record.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, func, select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from . import auth, clock, config, db, offices
from . import text as text_rule
from .errors import Invalid, NotFound
from .ids import is_mobile
from .models import Staff

# Letters, digits and hyphens, starting with a letter or digit: the user ID is also typed at the login
# screen and, lower-cased, is the clerk's Unix account name (store/ssh_login.py).
USER_ID = re.compile(r"[A-Z0-9][A-Z0-9-]*")
MAX_USER_ID = 20  # the Staff.user_id column
MAX_NAME = 80  # the Staff.name column
MIN_PASSWORD = 8
MAX_PASSWORD = 128  # what the login screen's password field takes
LEVEL_WORDS = {"discom": "discom", "zone": "zone", "circle": "circle", "division": "division", "subdivision": "sub-division"}


@dataclass(frozen=True)
class NewStaff:
    """A staff member to add, as typed; `checked()` gives the normalised copy or says what is wrong."""

    user_id: str
    name: str
    role: str
    office_code: str
    mobile: str | None = None

    def checked(self) -> NewStaff:
        user_id = check_user_id(self.user_id)
        name = " ".join(self.name.split())
        if not name or len(name) > MAX_NAME:
            raise Invalid("name", f"give the staff member's name: 1-{MAX_NAME} characters")
        text_rule.check("name", name)
        role = self.role.strip().upper()
        if role not in config.roles():
            raise Invalid("role", f"unknown role {self.role!r}; use one of: {', '.join(config.roles())}")
        mobile = (self.mobile or "").strip() or None
        if mobile is not None and not is_mobile(mobile):
            raise Invalid("mobile", f"{self.mobile!r} is not a 10-digit mobile number starting with 6-9; give one, or leave it out")
        return NewStaff(user_id, name, role, self.office_code.strip().upper(), mobile)


@dataclass(frozen=True)
class StaffEntry:
    """One staff member as the list shows them. `locked_until` only while the lock holds."""

    user_id: str
    name: str
    role: str
    office_code: str
    mobile: str | None
    active: bool
    failed_logins: int
    locked_until: datetime | None
    last_login_at: datetime | None

    @property
    def status(self) -> str:
        return "disabled" if not self.active else ("locked" if self.locked_until else "active")


@dataclass(frozen=True)
class Change:
    entry: StaffEntry
    changed: bool  # False when it already was so (unlocking an unlocked user …): nothing was written


@dataclass(frozen=True)
class StaffPage:
    entries: list[StaffEntry]
    total: int  # every staff member the filter matches, not only this page


def check_user_id(raw: str) -> str:
    user_id = raw.strip().upper()
    if not (user_id.isascii() and USER_ID.fullmatch(user_id)) or len(user_id) > MAX_USER_ID:
        raise Invalid(
            "user ID",
            f"{raw!r} is not a user ID; use 1-{MAX_USER_ID} letters, digits and hyphens, "
            "starting with a letter or digit (e.g. INR1-SDC3)",
        )
    return user_id


def check_password(user_id: str, password: str) -> None:
    """The rule for a password set here (the demo's short ones predate it)."""
    if len(password) < MIN_PASSWORD:
        raise Invalid("password", f"too short; use at least {MIN_PASSWORD} characters")
    if len(password) > MAX_PASSWORD:
        raise Invalid("password", f"too long; use at most {MAX_PASSWORD} characters")
    if password.casefold() == user_id.casefold():
        raise Invalid("password", "must not be the user ID; choose another")
    if any(not ch.isprintable() for ch in password):
        raise Invalid("password", "contains a control character or line break, which cannot be typed at the login; choose another")


def check_new(engine: Engine, spec: NewStaff) -> NewStaff:
    """Every rule but the password's, without writing: so a command can refuse before asking for one."""
    with db.read(engine) as session:
        return _checked_in(session, spec)


def add(engine: Engine, spec: NewStaff, password: str) -> StaffEntry:
    """Add a staff member, active, with no failed logins."""
    spec = spec.checked()
    check_password(spec.user_id, password)
    password_hash = auth.hash_password(password)  # outside the transaction: it takes a while on purpose
    try:
        with db.write(engine) as session:
            spec = _checked_in(session, spec)
            staff = Staff(
                user_id=spec.user_id,
                name=spec.name,
                office_code=spec.office_code,
                role=spec.role,
                mobile=spec.mobile,
                password_hash=password_hash,
            )
            session.add(staff)
            session.flush()
            return _entry(staff)
    except IntegrityError:
        # Another administrator added the same user ID between our check and our insert?
        with db.read(engine) as session:
            if session.get(Staff, spec.user_id) is None:
                raise
        raise _taken(spec.user_id) from None


def set_password(engine: Engine, user_id: str, password: str) -> StaffEntry:
    """A new password; it also lifts a lock-out and clears the count of failed logins."""
    user_id = check_user_id(user_id)
    check_password(user_id, password)
    password_hash = auth.hash_password(password)
    with db.write(engine) as session:
        staff = _staff(session, user_id)
        staff.password_hash = password_hash
        staff.failed_logins = 0
        staff.locked_until = None
        return _entry(staff)


def unlock(engine: Engine, user_id: str) -> Change:
    """Lift a lock-out and clear the count of failed logins (the password stays)."""
    with db.write(engine) as session:
        staff = _staff(session, check_user_id(user_id))
        changed = staff.failed_logins != 0 or _holds(staff.locked_until)
        if changed:
            staff.failed_logins = 0
            staff.locked_until = None
        return Change(_entry(staff), changed)


def set_active(engine: Engine, user_id: str, active: bool) -> Change:
    """Disable (a disabled user cannot log in; see auth.attempt_login) or enable again."""
    with db.write(engine) as session:
        staff = _staff(session, check_user_id(user_id))
        changed = staff.active != active
        staff.active = active
        return Change(_entry(staff), changed)


def get(engine: Engine, user_id: str) -> StaffEntry:
    with db.read(engine) as session:
        return _entry(_staff(session, check_user_id(user_id)))


def list_staff(
    session: Session, *, office: str | None = None, role: str | None = None, limit: int = 100, after: str | None = None
) -> StaffPage:
    """A page of staff by user ID: those in `office`'s subtree, of `role`; `after` continues a page."""
    if limit < 1:
        raise Invalid("limit", "give at least 1")
    where = []
    text_rule.check("office", office)
    text_rule.check("after", after)
    if office:
        where.append(Staff.office_code.in_(offices.subtree_codes(_office(session, office).path)))
    if role:
        role = role.strip().upper()
        if role not in config.roles():
            raise Invalid("role", f"unknown role {role!r}; use one of: {', '.join(config.roles())}")
        where.append(Staff.role == role)
    total = session.execute(select(func.count()).select_from(Staff).where(*where)).scalar_one()
    q = select(Staff).where(*where).order_by(Staff.user_id).limit(limit)
    if after:
        q = q.where(Staff.user_id > after.strip().upper())
    return StaffPage([_entry(s) for s in session.scalars(q)], total)


# --- helpers -------------------------------------------------------------------------------------------


def _checked_in(session: Session, spec: NewStaff) -> NewStaff:
    spec = spec.checked()
    office = _office(session, spec.office_code)
    level = config.roles()[spec.role].scope  # a role sits at the level it sees (roles.toml's scope)
    if office.level != level:
        raise Invalid(
            "office",
            f"{spec.role} works at a {LEVEL_WORDS[level]}; {office.code} is a {LEVEL_WORDS[office.level]}; "
            f"give a {LEVEL_WORDS[level]}'s code",
        )
    if session.get(Staff, spec.user_id) is not None:
        raise _taken(spec.user_id)
    return spec


def _office(session: Session, code: str):
    wanted = code.strip().upper()
    try:
        return offices.get(session, wanted)
    except NotFound:
        if any(spec.code == wanted for spec in config.offices()):
            # Only `wss demo` writes the office table today: say so rather than "no such office".
            raise NotFound("office", f"{wanted} is in data/offices.toml but not in this database; run `wss db upgrade`, which loads the offices") from None
        raise NotFound("office", f"no office {code!r}; use a code from data/offices.toml") from None


def _staff(session: Session, user_id: str) -> Staff:
    staff = session.get(Staff, user_id)
    if staff is None:
        raise NotFound("user ID", f"no staff member {user_id}; `wss staff list` shows who there is")
    return staff


def _taken(user_id: str) -> Invalid:
    return Invalid("user ID", f"{user_id} already exists; choose another, or `wss staff passwd {user_id}`")


def _holds(locked_until: datetime | None) -> bool:
    return locked_until is not None and locked_until > clock.now()


def _entry(s: Staff) -> StaffEntry:
    return StaffEntry(
        user_id=s.user_id,
        name=s.name,
        role=s.role,
        office_code=s.office_code,
        mobile=s.mobile,
        active=s.active,
        failed_logins=s.failed_logins,
        locked_until=s.locked_until if _holds(s.locked_until) else None,
        last_login_at=s.last_login_at,
    )
