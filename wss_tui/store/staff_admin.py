"""Administering staff: add a member, set a password, unlock, disable / enable, list — for `wss staff`.

There is no acting staff member here: whoever holds the database URL administers it (the IT cell, as
root on the office server), the same as for `wss db` and `wss import`. Each change is one transaction;
a refused one writes nothing. Every change is recorded in the same transaction in `staff_change`, with
who made it (`by`: the name or user ID given, else the operating-system user) and the OS user that ran
it, so a password reset or an enabled account can always be traced; `change_log` reads it back. A
request that changes nothing (unlocking an unlocked user) is not a change and is not recorded.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, func, select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from . import auth, clock, config, db, offices, routing
from . import text as text_rule
from .codes import StaffAction
from .errors import Invalid, NotFound
from .ids import is_mobile
from .models import Staff, StaffChange

# Letters, digits and hyphens, starting with a letter or digit: the user ID is also typed at the login
# screen and, lower-cased, is the clerk's Unix account name (store/ssh_login.py).
USER_ID = re.compile(r"[A-Z0-9][A-Z0-9-]*")
MAX_USER_ID = 20  # the Staff.user_id column
MAX_NAME = 80  # the Staff.name column
MIN_PASSWORD = 8
MAX_PASSWORD = 128  # what the login screen's password field takes
MAX_BY = 120  # the StaffChange.by column
ADD, PASSWD, UNLOCK, DISABLE, ENABLE, REASSIGN = (StaffAction.ADD, StaffAction.PASSWD, StaffAction.UNLOCK, StaffAction.DISABLE,
                                                StaffAction.ENABLE, StaffAction.REASSIGN)
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
    open_todos: int = 0  # open To Dos the member holds (said on disable: `wss staff reassign` moves them)


@dataclass(frozen=True)
class ChangeEntry:
    """One recorded change, as `wss staff log` shows it."""

    id: int
    at: datetime
    action: str
    user_id: str
    by: str
    os_user: str
    details: str


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


def add(engine: Engine, spec: NewStaff, password: str, *, by: str | None = None) -> StaffEntry:
    """Add a staff member, active, with no failed logins."""
    who = _who(by)
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
            _record(session, who, ADD, staff.user_id, f"{staff.name}, {staff.role}, {staff.office_code}")
            return _entry(staff)
    except IntegrityError:
        # Another administrator added the same user ID between our check and our insert?
        with db.read(engine) as session:
            if session.get(Staff, spec.user_id) is None:
                raise
        raise _taken(spec.user_id) from None


def set_password(engine: Engine, user_id: str, password: str, *, by: str | None = None) -> StaffEntry:
    """A new password; it also lifts a lock-out and clears the count of failed logins."""
    who = _who(by)
    user_id = check_user_id(user_id)
    check_password(user_id, password)
    password_hash = auth.hash_password(password)
    with db.write(engine) as session:
        staff = _staff(session, user_id)
        lifted = "; lock-out lifted" if _holds(staff.locked_until) else ""
        staff.password_hash = password_hash
        staff.failed_logins = 0
        staff.locked_until = None
        _record(session, who, PASSWD, user_id, "password set" + lifted)
        return _entry(staff)


def unlock(engine: Engine, user_id: str, *, by: str | None = None) -> Change:
    """Lift a lock-out and clear the count of failed logins (the password stays)."""
    who = _who(by)
    with db.write(engine) as session:
        staff = _staff(session, check_user_id(user_id))
        changed = staff.failed_logins != 0 or _holds(staff.locked_until)
        if changed:
            done = ["lock-out lifted"] if _holds(staff.locked_until) else []
            done += [f"{staff.failed_logins} failed login(s) cleared"] if staff.failed_logins else []
            _record(session, who, UNLOCK, staff.user_id, "; ".join(done))
            staff.failed_logins = 0
            staff.locked_until = None
        return Change(_entry(staff), changed)


def set_active(engine: Engine, user_id: str, active: bool, *, by: str | None = None) -> Change:
    """Disable (a disabled user cannot log in; see auth.attempt_login) or enable again."""
    who = _who(by)
    with db.write(engine) as session:
        staff = _staff(session, check_user_id(user_id))
        changed = staff.active != active
        staff.active = active
        if changed:
            _record(session, who, ENABLE if active else DISABLE, staff.user_id, f"{staff.role}, {staff.office_code}")
        return Change(_entry(staff), changed, len(routing.held_by(session, staff.user_id)))


def reassign(
    engine: Engine,
    user_id: str,
    *,
    to_user: str | None = None,
    to_role: str | None = None,
    reason: str | None = None,
    by: str | None = None,
) -> list[routing.Moved]:
    """Move every open To Do `user_id` holds, in one transaction: to `to_user`, to `to_role`'s queue,
    or each re-routed by routing's rule among the others of its role. Recorded here and in each
    To Do's log."""
    who = _who(by)
    with db.write(engine) as session:
        staff = _staff(session, check_user_id(user_id))
        held = routing.held_by(session, staff.user_id)
        if not held:
            return []
        state = "disabled" if not staff.active else "locked out" if _holds(staff.locked_until) else "active"
        why = reason or f"{staff.user_id} is {state}"
        moved = routing.reassign(session, None, held, to_user, to_role, reason=why, by=who[0])
        where = f"to {to_user.strip().upper()}" if to_user else f"to the {to_role.strip().upper()} queue" if to_role else "re-routed"
        _record(session, who, REASSIGN, staff.user_id, f"{len(moved)} open To Do(s) {where}: {why}")
        return moved


SESSION_EVENTS = {
    StaffAction.IDLE_LOCK: "the session locked after {minutes} without a key",
    StaffAction.RESUME: "the password was given again at the locked session",
    StaffAction.LOGOUT: "logged out",
}


def record_session(engine: Engine, user_id: str, event: str, *, minutes: str = "") -> None:
    """A session's own moments in the staff log (`wss staff log --user`): locked when left alone,
    opened again, logged out. By the member themselves, from the operating-system account running it."""
    with db.write(engine) as session:
        _record(session, (user_id, os_user()), event, user_id, SESSION_EVENTS[event].format(minutes=minutes))


def change_log(session: Session, *, user_id: str | None = None, limit: int = 50, before_id: int | None = None) -> list[ChangeEntry]:
    """A page of recorded staff changes, newest first (of `user_id` only, if given); `before_id`
    continues after the last ID of a page."""
    if limit < 1:
        raise Invalid("limit", "give at least 1")
    t = StaffChange.__table__
    q = select(t).order_by(t.c.id.desc()).limit(limit)
    if user_id:
        q = q.where(t.c.user_id == check_user_id(user_id))
    if before_id is not None:
        q = q.where(t.c.id < before_id)
    return [ChangeEntry(r.id, r.at, r.action, r.user_id, r.by, r.os_user, r.details) for r in session.execute(q)]


def check_by(by: str | None) -> str | None:
    """Who the caller says made a change (a user ID or a name), tidied; None: not given."""
    if by is None:
        return None
    return text_rule.typed("by", by, minimum=1, maximum=MAX_BY, one_spaced=True,
                           too_short="give who makes the change: your user ID or name")


def os_user() -> str:
    """The operating-system account running this (and who became it with sudo, where that is known)."""
    try:
        import pwd

        name = pwd.getpwuid(os.getuid()).pw_name
    except (ImportError, KeyError):
        name = f"uid {os.getuid()}" if hasattr(os, "getuid") else os.environ.get("USERNAME", "unknown")
    sudo = os.environ.get("SUDO_USER")
    if sudo and sudo != name:
        name = f"{sudo} (sudo as {name})"
    return text_rule.visible(name, multiline=False)[:64]


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


def _who(by: str | None) -> tuple[str, str]:
    """(by, OS user) of a change, checked before anything is read or written."""
    system = os_user()
    return check_by(by) or system, system


def _record(session: Session, who: tuple[str, str], action: str, user_id: str, details: str) -> None:
    by, system = who
    session.add(StaffChange(at=clock.now(), action=action, user_id=user_id, by=by, os_user=system, details=details))


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
