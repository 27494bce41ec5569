"""The tables. Money is held in integer paise; times are aware UTC (see `UTCDateTime`)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import BigInteger, Column, DateTime, Index, LargeBinary, Text, text
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field, SQLModel

# Stable constraint names, so Alembic's batch mode on SQLite can find them again.
SQLModel.metadata.naming_convention = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator):
    """Aware UTC in, aware UTC out, on SQLite (which keeps naive text) as on PostgreSQL (timestamptz)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: the store keeps aware UTC times only")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


# To Do statuses, as CC&B names them.
OPEN = "Open"
BEING_WORKED_ON = "Being Worked On"
COMPLETE = "Complete"
TODO_STATUSES = (OPEN, BEING_WORKED_ON, COMPLETE)


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


class Account(SQLModel, table=True):
    __tablename__ = "account"
    account_id: str = Field(primary_key=True, max_length=12)
    system: str = Field(max_length=8)  # CCB | MPOWER
    person_name: str = Field(max_length=80)
    mobile: str | None = Field(default=None, max_length=10)
    email: str | None = Field(default=None, max_length=120)
    language: str = Field(default="hi", max_length=2)
    premise_address: str = Field(max_length=200)
    town: str = Field(max_length=60)
    tariff_category: str = Field(max_length=10)
    supply_type: str = Field(max_length=40)
    sanctioned_load_kw: float
    subdivision_code: str = Field(foreign_key="office.code", index=True, max_length=16)
    area: str = Field(max_length=8)  # URBAN | RURAL
    smart_meter: bool = False
    status: str = Field(default="ACTIVE", max_length=10)  # ACTIVE | PD (permanently disconnected)
    connected_on: date
    current_balance_paise: int = Field(default=0, sa_type=BigInteger)
    payoff_balance_paise: int = Field(default=0, sa_type=BigInteger)


class Bill(SQLModel, table=True):
    __tablename__ = "bill"
    __table_args__ = (Index("ix_bill_account_month", "account_id", "bill_month"),)
    bill_no: str = Field(primary_key=True, max_length=14)
    account_id: str = Field(foreign_key="account.account_id", max_length=12)
    bill_month: date
    period_from: date
    period_to: date
    bill_date: date
    due_date: date
    prev_reading: float | None = None
    curr_reading: float | None = None
    multiplying_factor: float = 1.0
    units: float
    basis: str = Field(max_length=6)  # ACT actual, ASS assessed, PROV provisional, MU meter unread
    tariff_category: str = Field(max_length=10)
    sanctioned_load_kw: float
    fixed_charge_paise: int = Field(sa_type=BigInteger)
    energy_charge_paise: int = Field(sa_type=BigInteger)
    duty_paise: int = Field(sa_type=BigInteger)
    arrear_paise: int = Field(sa_type=BigInteger)
    amount_paise: int = Field(sa_type=BigInteger)
    state: str = Field(default="ISSUED", max_length=10)  # ISSUED | DISPUTED | REVISED


class Case(SQLModel, table=True):
    __tablename__ = "case"
    __table_args__ = (
        Index("ix_case_account_created", "account_id", "created_at"),
        # One open complaint per bill, held by the database itself so two clerks cannot race past it.
        Index(
            "uq_case_open_bill",
            "bill_no",
            unique=True,
            sqlite_where=text("closed_at IS NULL AND bill_no IS NOT NULL"),
            postgresql_where=text("closed_at IS NULL AND bill_no IS NOT NULL"),
        ),
        # The MIS's pending figures (store/mis.py) read this index alone, never the table: every
        # column they count on is in it, and it holds only the open cases.
        Index(
            "ix_case_pending",
            "office_code",
            "created_at",
            "due_at",
            "escalation_level",
            "compensation_cap_paise",
            "account_id",
            sqlite_where=text("closed_at IS NULL"),
            postgresql_where=text("closed_at IS NULL"),
        ),
        # The MIS's disposal in a period: the cases received in it (counted from this index alone),
        # and those closed in it (only closed cases: open ones are ix_case_pending's).
        Index("ix_case_received", "created_at", "office_code", "account_id"),
        # Covering for the disposal's closed cases (migration 0004): no row lookup per case.
        Index(
            "ix_case_closed_at",
            "closed_at",
            "office_code",
            "due_at",
            "status",
            "compensation_cap_paise",
            "created_at",
            "account_id",
            "case_id",
            sqlite_where=text("closed_at IS NOT NULL"),
            postgresql_where=text("closed_at IS NOT NULL"),
        ),
    )
    case_id: str = Field(primary_key=True, max_length=10)
    request_type: str = Field(max_length=30)
    case_type: str = Field(max_length=60)
    channel: str = Field(max_length=10)  # wss | walk-in | 1912 | csc | officer
    account_id: str = Field(foreign_key="account.account_id", max_length=12)
    bill_no: str | None = Field(default=None, foreign_key="bill.bill_no", max_length=14)
    reason: str = Field(sa_type=Text)
    status: str = Field(max_length=40)
    comments: str = Field(default="", sa_type=Text)
    created_at: datetime = Field(sa_type=UTCDateTime)
    created_by: str | None = Field(default=None, foreign_key="staff.user_id", max_length=20)
    due_at: datetime = Field(sa_type=UTCDateTime)
    closed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    escalation_level: int = 0
    # The sub-division the case belongs to (its account's when registered), so the MIS counts by
    # office without joining every case to its account. NULL where a writer has not set it yet:
    # the MIS then asks the account, and `wss escalate` fills it in for open cases. No foreign key:
    # it copies account.subdivision_code, which has one, and SQLite can add or drop a column with a
    # foreign key only by copying the table, which the tables that point at "case" refuse.
    office_code: str | None = Field(default=None, max_length=16)
    # The compensation cap (store/sla.py), recorded by `wss escalate` once the case is due; NULL:
    # not recorded yet, and computed from the bills when asked.
    compensation_cap_paise: int | None = Field(default=None, sa_type=BigInteger)


class CaseLog(SQLModel, table=True):
    __tablename__ = "case_log"
    id: int | None = Field(default=None, primary_key=True)
    case_id: str = Field(foreign_key="case.case_id", index=True, max_length=10)
    at: datetime = Field(sa_type=UTCDateTime)
    log_type: str = Field(max_length=30)
    details: str = Field(default="", sa_type=Text)
    user_id: str | None = Field(default=None, max_length=20)


class Attachment(SQLModel, table=True):
    __tablename__ = "attachment"
    id: int | None = Field(default=None, primary_key=True)
    case_id: str = Field(foreign_key="case.case_id", index=True, max_length=10)
    filename: str = Field(max_length=255)
    content_type: str = Field(max_length=40)
    size: int
    sha256: str = Field(max_length=64)
    content: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    created_at: datetime = Field(sa_type=UTCDateTime)


class CustomerContact(SQLModel, table=True):
    __tablename__ = "customer_contact"
    id: int | None = Field(default=None, primary_key=True)
    account_id: str = Field(foreign_key="account.account_id", index=True, max_length=12)
    at: datetime = Field(sa_type=UTCDateTime)
    contact_class: str = Field(max_length=40)
    contact_type: str = Field(max_length=60)
    user_id: str | None = Field(default=None, max_length=20)


class ToDo(SQLModel, table=True):
    __tablename__ = "todo"
    __table_args__ = (
        # The To Do Search's two paths: "assigned to user" and "role" (in an office), each already in
        # the page order (priority, then oldest first) so a page is an index range scan.
        Index("ix_todo_assigned_page", "assigned_to", "status", "priority", "created_at", "todo_id"),
        Index("ix_todo_role_page", "role", "office_code", "status", "priority", "created_at", "todo_id"),
        Index("ix_todo_office_page", "office_code", "status", "priority", "created_at", "todo_id"),
    )
    todo_id: str = Field(primary_key=True, max_length=14)
    todo_type: str = Field(max_length=10)
    role: str = Field(max_length=10)
    office_code: str = Field(foreign_key="office.code", max_length=16)
    message: str = Field(max_length=200)
    status: str = Field(max_length=16)
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


class SmsOutbox(SQLModel, table=True):
    __tablename__ = "sms_outbox"
    __table_args__ = (Index("ix_sms_outbox_status_next", "status", "next_try_at"),)
    id: int | None = Field(default=None, primary_key=True)
    case_id: str | None = Field(default=None, foreign_key="case.case_id", index=True, max_length=10)
    mobile: str = Field(max_length=10)
    template: str = Field(max_length=30)
    language: str = Field(max_length=2)
    text: str = Field(sa_type=Text)
    created_at: datetime = Field(sa_type=UTCDateTime)
    status: str = Field(default="QUEUED", max_length=10)  # QUEUED | SENDING | SENT | FAILED
    tries: int = 0
    next_try_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    gateway_id: str | None = Field(default=None, max_length=64)
    last_error: str | None = Field(default=None, sa_type=Text)
    # An OTP message: the case_otp row whose code is minted when the message is sent (store/otp.py);
    # until then `text` holds the code masked, so the table never holds a live code. No foreign key,
    # for the same reason as case.office_code (SQLite adds such a column only by copying the table).
    otp_id: int | None = Field(default=None)


# Bill revision statuses.
PROPOSED = "PROPOSED"
APPROVED = "APPROVED"
REJECTED = "REJECTED"


class BillRevision(SQLModel, table=True):
    """A maker's proposal to revise one bill and the checker's decision on it (store/revision/).

    The revised figures are kept here whole, so what was approved can always be read back even after
    the revised bill itself is revised again.
    """

    __tablename__ = "bill_revision"
    __table_args__ = (
        # One proposal waiting per case, held by the database so two makers cannot both propose.
        Index(
            "uq_bill_revision_pending_case",
            "case_id",
            unique=True,
            sqlite_where=text("status = 'PROPOSED'"),
            postgresql_where=text("status = 'PROPOSED'"),
        ),
        Index("ix_bill_revision_bill_no", "bill_no"),
        Index("ix_bill_revision_status_decided", "status", "decided_at"),
    )
    revision_id: int | None = Field(default=None, primary_key=True)
    case_id: str = Field(foreign_key="case.case_id", index=True, max_length=10)
    bill_no: str = Field(foreign_key="bill.bill_no", max_length=14)
    account_id: str = Field(foreign_key="account.account_id", max_length=12)
    office_code: str = Field(foreign_key="office.code", max_length=16)  # the account's sub-division
    status: str = Field(max_length=10)  # PROPOSED | APPROVED | REJECTED
    reason_code: str = Field(max_length=16)
    remark: str = Field(sa_type=Text)
    amount_before_paise: int = Field(sa_type=BigInteger)
    # The revised bill.
    basis: str = Field(max_length=6)
    prev_reading: float | None = None
    curr_reading: float | None = None
    multiplying_factor: float = 1.0
    units: float
    tariff_category: str = Field(max_length=10)
    sanctioned_load_kw: float
    days: int
    fixed_charge_paise: int = Field(sa_type=BigInteger)
    energy_charge_paise: int = Field(sa_type=BigInteger)
    duty_paise: int = Field(sa_type=BigInteger)
    arrear_paise: int = Field(sa_type=BigInteger)
    amount_paise: int = Field(sa_type=BigInteger)
    difference_paise: int = Field(sa_type=BigInteger)  # revised amount less the old; negative: a credit
    # Maker and routing.
    maker_id: str = Field(foreign_key="staff.user_id", max_length=20)
    proposed_at: datetime = Field(sa_type=UTCDateTime)
    source_todo_id: str = Field(foreign_key="todo.todo_id", max_length=14)
    approver_role: str = Field(max_length=10)
    approver_office: str = Field(foreign_key="office.code", max_length=16)
    approval_todo_id: str | None = Field(default=None, foreign_key="todo.todo_id", max_length=14)
    # Checker and decision.
    checker_id: str | None = Field(default=None, foreign_key="staff.user_id", max_length=20)
    decided_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    decision_note: str = Field(default="", sa_type=Text)
    new_bill_no: str | None = Field(default=None, foreign_key="bill.bill_no", max_length=14)
    # Oversight, recorded when approved.
    review_todo_id: str | None = Field(default=None, foreign_key="todo.todo_id", max_length=14)
    review_due_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    audit_sampled: bool | None = None
    audit_todo_id: str | None = Field(default=None, foreign_key="todo.todo_id", max_length=14)


class CaseOtp(SQLModel, table=True):
    """A one-time password sent to the consumer to confirm closing their complaint (store/otp.py).

    Only its argon2 hash is kept, set when the SMS goes (an empty hash until then: nothing matches it);
    the code itself exists only in the message handed to the gateway, never in the outbox.
    """

    __tablename__ = "case_otp"
    id: int | None = Field(default=None, primary_key=True)
    case_id: str = Field(foreign_key="case.case_id", index=True, max_length=10)
    todo_id: str = Field(foreign_key="todo.todo_id", max_length=14)
    mobile: str = Field(max_length=10)
    code_hash: str = Field(max_length=200)
    outcome: str = Field(max_length=40)  # the status the case closes to when the OTP is given
    comment: str = Field(sa_type=Text)
    created_by: str = Field(foreign_key="staff.user_id", max_length=20)
    created_at: datetime = Field(sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime)
    tries: int = 0
    status: str = Field(default="LIVE", max_length=8)  # LIVE | USED | VOID (replaced or spent)
    used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class CaseClosure(SQLModel, table=True):
    """How each case was closed: with the consumer's OTP, by an EE without it (with the reason, and
    counted), or as an officer's own case that had no consumer complaint."""

    __tablename__ = "case_closure"
    __table_args__ = (Index("ix_case_closure_method_at", "method", "closed_at"),)
    id: int | None = Field(default=None, primary_key=True)
    case_id: str = Field(foreign_key="case.case_id", unique=True, max_length=10)
    office_code: str = Field(foreign_key="office.code", max_length=16)
    outcome: str = Field(max_length=40)
    method: str = Field(max_length=12)  # OTP | NO-OTP | OFFICER
    otp_id: int | None = Field(default=None, foreign_key="case_otp.id")
    reason: str = Field(default="", sa_type=Text)  # why there was no OTP
    comment: str = Field(sa_type=Text)
    closed_by: str = Field(foreign_key="staff.user_id", max_length=20)
    closed_at: datetime = Field(sa_type=UTCDateTime)


class StaffChange(SQLModel, table=True):
    """What `wss staff` changed, by whom, when (store/staff_admin.py). Append-only: nothing updates or
    deletes a row."""

    __tablename__ = "staff_change"
    __table_args__ = (Index("ix_staff_change_user", "user_id", "id"),)
    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(sa_type=UTCDateTime)
    action: str = Field(max_length=16)  # add | passwd | unlock | disable | enable
    user_id: str = Field(max_length=20)  # the staff member changed (no foreign key: the record outlives them)
    by: str = Field(max_length=120)  # who says they did it: --by, or the OS user
    os_user: str = Field(max_length=64)  # the operating-system account that ran the command
    details: str = Field(default="", sa_type=Text)


class DbMark(SQLModel, table=True):
    """Facts about the database itself (store/marks.py): that `wss demo` built it, that real data
    was imported into it."""

    __tablename__ = "db_mark"
    key: str = Field(primary_key=True, max_length=30)
    value: str = Field(default="", sa_type=Text)
    at: datetime = Field(sa_type=UTCDateTime)


class UserFilter(SQLModel, table=True):
    """A staff member's To Do Search filters (store/prefs.py): the one they last used (name "") and
    their saved searches by name. `fields` is the filter bar's fields as typed, in JSON, so "-7d"
    stays seven days back from each login rather than the dates of the day it was saved."""

    __tablename__ = "user_filter"
    user_id: str = Field(foreign_key="staff.user_id", primary_key=True, max_length=20)
    name: str = Field(primary_key=True, max_length=40)
    fields: str = Field(sa_type=Text)
    saved_at: datetime = Field(sa_type=UTCDateTime)
