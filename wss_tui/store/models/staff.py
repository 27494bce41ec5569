"""Offices and the staff who work in them; what `wss staff` changed; each one's saved To Do filters."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, Text
from sqlmodel import Field, SQLModel

from .base import UTCDateTime


class Office(SQLModel, table=True):
    __tablename__ = "office"
    code: str = Field(primary_key=True, max_length=16)
    name: str = Field(max_length=120)
    level: str = Field(max_length=12)
    parent_code: str | None = Field(default=None, foreign_key="office.code", max_length=16)
    # "/MVVNL/LKO/LKO-C1/EDD-INR/ESD-INR-1/": a subtree is one LIKE on an indexed column.
    path: str = Field(index=True, max_length=200)
    discom: str = Field(max_length=16)
    town: str = Field(max_length=60)
    area: str | None = Field(default=None, max_length=8)


class Staff(SQLModel, table=True):
    __tablename__ = "staff"
    user_id: str = Field(primary_key=True, max_length=20)
    name: str = Field(max_length=80)
    office_code: str = Field(foreign_key="office.code", index=True, max_length=16)
    role: str = Field(max_length=10)
    mobile: str | None = Field(default=None, max_length=10)
    password_hash: str = Field(max_length=200)
    active: bool = True
    failed_logins: int = 0
    locked_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_login_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class StaffChange(SQLModel, table=True):
    """What `wss staff` changed, by whom, when (store/staff_admin.py). Append-only: nothing updates or
    deletes a row."""

    __tablename__ = "staff_change"
    __table_args__ = (Index("ix_staff_change_user", "user_id", "id"),)
    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(sa_type=UTCDateTime)
    action: str = Field(max_length=16)  # codes.StaffAction
    user_id: str = Field(max_length=20)  # the staff member changed (no foreign key: the record outlives them)
    by: str = Field(max_length=120)  # who says they did it: --by, or the OS user
    os_user: str = Field(max_length=64)  # the operating-system account that ran the command
    details: str = Field(default="", sa_type=Text)


class UserFilter(SQLModel, table=True):
    """A staff member's To Do Search filters (store/prefs.py): the one they last used (name "") and
    their saved searches by name. `fields` is the filter bar's fields as typed, in JSON, so "-7d"
    stays seven days back from each login rather than the dates of the day it was saved."""

    __tablename__ = "user_filter"
    user_id: str = Field(foreign_key="staff.user_id", primary_key=True, max_length=20)
    name: str = Field(primary_key=True, max_length=40)
    fields: str = Field(sa_type=Text)
    saved_at: datetime = Field(sa_type=UTCDateTime)
