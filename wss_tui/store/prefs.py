"""A staff member's To Do Search filters: the one they last used, and their saved searches by name.

A filter is kept as the filter bar's fields as typed (`FIELDS`), not as a `todos.SearchFilter`: a
relative date ("-7d") must mean seven days back from the day it is recalled. The store checks the
fields are plain one-line text of a known name; the search checks what they mean when it runs.

    remember(session, user_id, fields)          # the filter in use, for the next login
    remembered(session, user_id) -> dict | None
    save_search(session, user_id, name, fields) # a new name, or the same name overwritten
    saved_searches(session, user_id) -> list[SavedSearch]   # by name
    delete_search(session, user_id, name)       # NotFound when there is none of that name
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlmodel import Session

from . import clock
from . import text as text_rule
from .errors import Denied, Invalid, NotFound
from .models import Staff, UserFilter

FIELDS = ("type", "user_filter", "who", "start", "end", "status")
MAX_FIELD = 40
MAX_NAME = 40
MAX_SEARCHES = 30  # a palette list, not a store of reports
LAST = ""  # the row of the filter last used; a saved search's name is never empty


@dataclass(frozen=True)
class SavedSearch:
    name: str
    fields: dict[str, str]


def _fields(fields: dict) -> str:
    unknown = sorted(set(fields) - set(FIELDS))
    if unknown:
        raise Invalid("filter", f"unknown filter field {unknown[0]!r}; use {', '.join(FIELDS)}")
    clean = {}
    for key in FIELDS:
        value = fields.get(key, "")
        if not isinstance(value, str):
            raise Invalid(key, "a filter field is text")
        if len(value) > MAX_FIELD:
            raise Invalid(key, f"keep it to {MAX_FIELD} characters; it has {len(value)}")
        clean[key] = text_rule.check(key, value)
    return json.dumps(clean, sort_keys=True)


def _read(text: str) -> dict[str, str]:
    try:
        value = json.loads(text)
    except ValueError:
        return {}
    if not isinstance(value, dict):
        return {}
    return {k: v for k, v in value.items() if k in FIELDS and isinstance(v, str)}


def _name(name: str | None) -> str:
    text = " ".join((name or "").split())
    if not text:
        raise Invalid("name", "give the search a name")
    if len(text) > MAX_NAME:
        raise Invalid("name", f"keep the name to {MAX_NAME} characters; it has {len(text)}")
    return text_rule.check("name", text)


def _staff(session: Session, user_id: str, *, lock: bool = False) -> str:
    """The active staff member's ID; `lock` holds their row to the end of the unit of work (PostgreSQL;
    SQLite's BEGIN IMMEDIATE already runs one writer at a time), so that counting their saved searches
    and adding one cannot interleave with another session of theirs doing the same."""
    query = select(Staff.user_id, Staff.active).where(Staff.user_id == user_id)
    staff = session.execute(query.with_for_update() if lock else query).first()
    if staff is None or not staff.active:
        raise Denied("user", f"{user_id} is not an active staff member; log in again")
    return staff.user_id


def _put(session: Session, user_id: str, name: str, fields: str) -> None:
    """Insert or overwrite in one statement: two sessions of one person saving at once never collide."""
    # The dialect's own insert, imported here: a session on SQLite never loads PostgreSQL's (about 2 MB).
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects import postgresql as dialect
    else:
        from sqlalchemy.dialects import sqlite as dialect
    now = clock.now()
    statement = dialect.insert(UserFilter.__table__).values(user_id=user_id, name=name, fields=fields, saved_at=now)
    session.execute(statement.on_conflict_do_update(index_elements=["user_id", "name"],
                                                    set_={"fields": fields, "saved_at": now}))


def remember(session: Session, user_id: str, fields: dict) -> None:
    _put(session, _staff(session, user_id), LAST, _fields(fields))


def remembered(session: Session, user_id: str) -> dict[str, str] | None:
    text = session.scalar(select(UserFilter.fields).where(UserFilter.user_id == user_id, UserFilter.name == LAST))
    return None if text is None else _read(text)


def save_search(session: Session, user_id: str, name: str, fields: dict) -> SavedSearch:
    user_id = _staff(session, user_id, lock=True)
    name, text = _name(name), _fields(fields)
    names = set(session.scalars(select(UserFilter.name).where(UserFilter.user_id == user_id, UserFilter.name != LAST)))
    if name not in names and len(names) >= MAX_SEARCHES:
        raise Invalid("name", f"you have {MAX_SEARCHES} saved searches; delete one first")
    _put(session, user_id, name, text)
    return SavedSearch(name, _read(text))


def saved_searches(session: Session, user_id: str) -> list[SavedSearch]:
    rows = session.execute(
        select(UserFilter.name, UserFilter.fields)
        .where(UserFilter.user_id == user_id, UserFilter.name != LAST)
        .order_by(UserFilter.name)
    ).all()
    return [SavedSearch(name, _read(fields)) for name, fields in rows]


def delete_search(session: Session, user_id: str, name: str) -> None:
    name = _name(name)
    gone = session.execute(
        delete(UserFilter).where(UserFilter.user_id == user_id, UserFilter.name == name)
    ).rowcount
    if not gone:
        raise NotFound("name", f"no saved search {name!r}")
