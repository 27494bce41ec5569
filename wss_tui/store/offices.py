"""The office tree and who may see what in it."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import insert, select, update
from sqlmodel import Session

from . import config
from .errors import NotFound
from . import text as text_rule
from .models import Office, Staff


def office_rows() -> list[dict]:
    """Rows for the `office` table from data/offices.toml, with each office's path computed."""
    paths: dict[str, str] = {}
    discoms: dict[str, str] = {}
    rows = []
    for spec in config.offices():
        parent_path = paths[spec.parent] if spec.parent else "/"
        paths[spec.code] = f"{parent_path}{spec.code}/"
        discoms[spec.code] = discoms[spec.parent] if spec.parent else spec.code
        rows.append(
            dict(
                code=spec.code,
                name=spec.name,
                level=spec.level,
                parent_code=spec.parent,
                path=paths[spec.code],
                discom=discoms[spec.code],
                town=spec.town,
                area=spec.area,
            )
        )
    return rows


@dataclass(frozen=True)
class Synced:
    added: int
    updated: int
    unlisted: list[str]  # in the database, no longer in data/offices.toml: kept (staff and cases name them)


def sync(session: Session) -> Synced:
    """Make the office table say what data/offices.toml says: add the offices it lacks (parents first,
    as the file lists them) and correct the name, town, area, level, parent and path of the others.
    An office the file no longer lists is kept, since staff, accounts and cases still point at it."""
    table = Office.__table__
    have = {r.code: r._asdict() for r in session.execute(select(table))}
    added = updated = 0
    for row in office_rows():
        current = have.pop(row["code"], None)
        if current is None:
            session.execute(insert(table).values(row))
            added += 1
        elif any(current[k] != v for k, v in row.items()):
            session.execute(update(table).where(table.c.code == row["code"]).values(row))
            updated += 1
    return Synced(added, updated, sorted(have))


def get(session: Session, code: str) -> Office:
    text_rule.check("office", code)  # typed (wss staff --office …); PostgreSQL fails on a NUL in a key
    office = session.get(Office, code)
    if office is None:
        raise NotFound("office", f"no office {code!r}")
    return office


def ancestor_at(session: Session, office: Office, level: str) -> Office:
    """The office at `level` above (or at) `office`; the office itself when it is already higher."""
    codes = [c for c in office.path.strip("/").split("/")]
    wanted = config.OFFICE_LEVELS.index(level)
    if wanted >= len(codes):
        return office
    return get(session, codes[wanted])


def scope_path(session: Session, staff: Staff) -> str:
    """The path prefix of every office this staff member may see, by their role's scope.

    The subtree of their office's ancestor at their role's scope level: an EE sits in a division and
    sees all its sub-divisions; a clerk sees their own sub-division.
    """
    role = config.roles()[staff.role]
    return ancestor_at(session, get(session, staff.office_code), role.scope).path


def in_scope(session: Session, staff: Staff, office_code: str) -> bool:
    return get(session, office_code).path.startswith(scope_path(session, staff))


def subtree_codes(prefix: str):
    """A subquery of office codes under a path prefix, for `... IN (subtree_codes(p))`."""
    return select(Office.code).where(Office.path.startswith(prefix, autoescape=True))
