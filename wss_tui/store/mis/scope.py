"""Who sees what in the MIS: the top of the actor's scope, the office asked for inside it, the level
its rows are at, and the way up (parent, breadcrumb)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlmodel import Session

from .. import config, offices
from .. import text as text_rule
from ..errors import Denied, Invalid, NotFound
from ..models import Office, Staff

OFFICER = "officer"
GROUP_LEVELS = (*config.OFFICE_LEVELS, OFFICER)
ALL = "all"  # the level of the administrator's top: every discom

_office = Office.__table__


@dataclass(frozen=True)
class Place:
    code: str | None
    name: str
    level: str
    path: str  # "/" for the administrator's top


def scope(session: Session, actor_id: str | None) -> Place:
    if actor_id is None:
        return Place(None, "All discoms", ALL, "/")
    staff = session.get(Staff, actor_id.strip().upper())
    if staff is None or not staff.active:
        raise Denied("user", f"{actor_id} is not an active staff member; log in again")
    role = config.roles().get(staff.role)
    if role is None or not role.works_todos:
        raise Denied("role", f"{staff.role} does not work complaints, so has no MIS; ask your SDO")
    path = offices.scope_path(session, staff)
    top = offices.get(session, path.strip("/").split("/")[-1])
    return Place(top.code, top.name, top.level, top.path)


def place(session: Session, scope: Place, code: str | None) -> Place:
    if code is None:
        return scope
    code = text_rule.check("office", code.strip().upper())  # PostgreSQL fails on a NUL in a key
    found = session.get(Office, code)
    # Outside the actor's offices looks the same as not there at all.
    if found is None or not found.path.startswith(scope.path):
        raise NotFound("office", f"no office {code} in your offices; check the code (wss mis lists them)")
    return Place(found.code, found.name, found.level, found.path)


def row_level(place: Place, level: str | None) -> str:
    below = config.OFFICE_LEVELS[config.OFFICE_LEVELS.index(place.level) + 1 :] if place.level != ALL else config.OFFICE_LEVELS
    if level is None:
        return below[0] if below else OFFICER
    level = level.strip().lower().replace("-", "")
    if level == OFFICER or level in below:
        return level
    allowed = ", ".join((*below, OFFICER))
    raise Invalid("level", f"{level!r} is not below {place.code or 'the top'}; use one of: {allowed}")


def parent(place: Place, scope: Place) -> tuple[str | None, bool]:
    if place.path == scope.path:
        return None, False
    codes = place.path.strip("/").split("/")
    return (codes[-2] if len(codes) > 1 else None), True


def breadcrumb(session: Session, place: Place, scope: Place) -> list[tuple[str | None, str]]:
    crumbs: list[tuple[str | None, str]] = [(None, scope.name)] if scope.code is None else []
    codes = place.path.strip("/").split("/") if place.code else []
    start = len(scope.path.strip("/").split("/")) - 1 if scope.code else 0
    wanted = codes[start:]
    names = dict(session.connection().execute(select(_office.c.code, _office.c.name).where(_office.c.code.in_(wanted))).all()) if wanted else {}
    return crumbs + [(c, names.get(c, c)) for c in wanted]


