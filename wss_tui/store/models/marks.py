"""Facts about the database itself (store/marks.py)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Text
from sqlmodel import Field, SQLModel

from .base import UTCDateTime


class DbMark(SQLModel, table=True):
    """Facts about the database itself (store/marks.py): that `wss demo` built it, that real data
    was imported into it."""

    __tablename__ = "db_mark"
    key: str = Field(primary_key=True, max_length=30)
    value: str = Field(default="", sa_type=Text)
    at: datetime = Field(sa_type=UTCDateTime)
