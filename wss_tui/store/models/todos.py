"""To Dos, the unit of work every officer's day is made of: their characteristics and their log."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, Text
from sqlmodel import Field, SQLModel

from ..codes import TodoStatus
from .base import UTCDateTime

# To Do statuses, as CC&B names them.
OPEN = TodoStatus.OPEN
BEING_WORKED_ON = TodoStatus.BEING_WORKED_ON
COMPLETE = TodoStatus.COMPLETE
TODO_STATUSES = tuple(TodoStatus)


class ToDo(SQLModel, table=True):
    __tablename__ = "todo"
    __table_args__ = (
        # The To Do Search's two paths: "assigned to user" and "role" (in an office), each already in
        # the page order (priority, then oldest first) so a page is an index range scan.
        Index("ix_todo_assigned_page", "assigned_to", "status", "priority", "created_at", "todo_id"),
        Index("ix_todo_role_page", "role", "office_code", "status", "priority", "created_at", "todo_id"),
        # A role's count over a date range (migration 0007): the range's entries, not the office's.
        Index("ix_todo_role_created", "role", "office_code", "created_at", "status"),
    )
    todo_id: str = Field(primary_key=True, max_length=14)
    todo_type: str = Field(max_length=10)
    role: str = Field(max_length=10)
    office_code: str = Field(foreign_key="office.code", max_length=16)
    message: str = Field(max_length=200)
    status: str = Field(max_length=16)  # codes.TodoStatus
    priority: int
    assigned_to: str | None = Field(default=None, foreign_key="staff.user_id", max_length=20)
    sent_by: str | None = Field(default=None, foreign_key="staff.user_id", max_length=20)
    comment: str = Field(default="", sa_type=Text)
    created_at: datetime = Field(sa_type=UTCDateTime)
    last_assigned_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    completed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    case_id: str | None = Field(default=None, foreign_key="case.case_id", index=True, max_length=10)
    account_id: str | None = Field(default=None, foreign_key="account.account_id", index=True, max_length=12)
    version: int = 1


class ToDoCharacteristic(SQLModel, table=True):
    __tablename__ = "todo_characteristic"
    todo_id: str = Field(foreign_key="todo.todo_id", primary_key=True, max_length=14)
    char_type: str = Field(primary_key=True, max_length=10)  # CASE | ACCOUNT | BILL
    value: str = Field(max_length=20)


class ToDoLog(SQLModel, table=True):
    __tablename__ = "todo_log"
    id: int | None = Field(default=None, primary_key=True)
    todo_id: str = Field(foreign_key="todo.todo_id", index=True, max_length=14)
    at: datetime = Field(sa_type=UTCDateTime)
    log_type: str = Field(max_length=20)
    details: str = Field(default="", sa_type=Text)
    user_id: str | None = Field(default=None, max_length=20)
    assigned_to: str | None = Field(default=None, max_length=20)
