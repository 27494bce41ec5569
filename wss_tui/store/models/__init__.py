"""The tables. Money is held in integer paise; times are aware UTC (see `UTCDateTime`).

One module per area (staff, accounts, cases, todos, sms, revision, marks, mis); every table is imported
here, so `from wss_tui.store.models import X` works for each and importing this package registers
them all on `SQLModel.metadata` (Alembic and `db.create_all` rely on that).
"""

from __future__ import annotations

from .accounts import Account, Bill
from .base import UTCDateTime
from .cases import Attachment, Case, CaseClosure, CaseLog, CaseOtp, CustomerContact
from .marks import DbMark
from .mis import MisAccruing, MisCappedDay, MisClosedDay, MisDay
from .revision import APPROVED, PROPOSED, REJECTED, BillHold, BillRevision, BillRevisionMonth
from .sms import SmsOutbox
from .staff import Office, Staff, StaffChange, UserFilter
from .todos import BEING_WORKED_ON, COMPLETE, OPEN, TODO_STATUSES, ToDo, ToDoCharacteristic, ToDoLog

__all__ = [
    "APPROVED",
    "BEING_WORKED_ON",
    "COMPLETE",
    "OPEN",
    "PROPOSED",
    "REJECTED",
    "TODO_STATUSES",
    "Account",
    "Attachment",
    "Bill",
    "BillHold",
    "BillRevision",
    "BillRevisionMonth",
    "Case",
    "CaseClosure",
    "CaseLog",
    "CaseOtp",
    "CustomerContact",
    "DbMark",
    "MisAccruing",
    "MisCappedDay",
    "MisClosedDay",
    "MisDay",
    "Office",
    "SmsOutbox",
    "Staff",
    "StaffChange",
    "ToDo",
    "ToDoCharacteristic",
    "ToDoLog",
    "UTCDateTime",
    "UserFilter",
]
