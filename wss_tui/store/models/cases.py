"""A consumer's complaint (a case), its log, attachments and contacts, and how it was closed (the OTP
sent to confirm, the closure recorded)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Column, Index, LargeBinary, Text, text
from sqlmodel import Field, SQLModel

from ..codes import OtpStatus
from .base import UTCDateTime


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
        # The MIS's pending figures (store/mis/) read this index alone, never the table: every
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
        # The MIS's open cases read one by one (migration 0013): those due today and those owing
        # compensation (by due time), those registered on a day an ageing bound falls in (by
        # registration); every other pending figure comes from mis_day (store/pending_days.py). Each
        # holds every column those figures and the kind of case need, so no case row is read.
        Index(
            "ix_case_pending_due",
            "due_at",
            "office_code",
            "request_type",
            "channel",
            "compensation_cap_paise",
            "escalation_level",
            "created_at",
            "account_id",  # the cap of a case not yet recorded is read from its account's bills
            sqlite_where=text("closed_at IS NULL"),
            postgresql_where=text("closed_at IS NULL"),
        ),
        # The compensation of the open cases still accruing (store/mis/summed.py): those whose cap is
        # reached today or later (by the day), and those whose cap is not recorded yet (NULL, by due
        # time); the sweep finds the latter here too. Every column they read is in it.
        Index(
            "ix_case_accruing",
            "compensation_capped_day",
            "due_at",
            "office_code",
            "request_type",
            "channel",
            "compensation_cap_paise",
            "account_id",  # the cap of a case not yet recorded: its account's bills up to its month
            "created_at",
            "case_id",  # the sweep's cases to record the cap of, listed from the index alone
            sqlite_where=text("closed_at IS NULL"),
            postgresql_where=text("closed_at IS NULL"),
        ),
        Index(
            "ix_case_pending_created",
            "created_at",
            "office_code",
            "request_type",
            "channel",
            "due_at",
            "escalation_level",
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
    request_type: str = Field(max_length=30)  # codes.RequestType, or an officer case's kind (data/revision.toml)
    case_type: str = Field(max_length=60)
    channel: str = Field(max_length=10)  # codes.Channel
    account_id: str = Field(foreign_key="account.account_id", max_length=12)
    bill_no: str | None = Field(default=None, foreign_key="bill.bill_no", max_length=14)
    reason: str = Field(sa_type=Text)
    status: str = Field(max_length=40)  # codes.CaseStatus, or the request type's initial_status
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
    # The IST day (pending_days.day_number) from which an open case owes its cap and no more
    # (sla.capped_at_sql), recorded with the cap by `wss escalate`: the MIS sums those capped before
    # today from mis_capped_day. NULL: cap not recorded yet.
    compensation_capped_day: int | None = Field(default=None)


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
    outcome: str = Field(max_length=40)  # the status the case closes to when the OTP is given (codes.CLOSED_CASE_STATUSES)
    comment: str = Field(sa_type=Text)
    created_by: str = Field(foreign_key="staff.user_id", max_length=20)
    created_at: datetime = Field(sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime)
    tries: int = 0
    status: str = Field(default=OtpStatus.LIVE, max_length=8)  # codes.OtpStatus
    used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class CaseClosure(SQLModel, table=True):
    """How each case was closed: with the consumer's OTP, by an EE without it (with the reason, and
    counted), or as an officer's own case that had no consumer complaint."""

    __tablename__ = "case_closure"
    __table_args__ = (Index("ix_case_closure_method_at", "method", "closed_at"),)
    id: int | None = Field(default=None, primary_key=True)
    case_id: str = Field(foreign_key="case.case_id", unique=True, max_length=10)
    office_code: str = Field(foreign_key="office.code", max_length=16)
    outcome: str = Field(max_length=40)  # codes.CLOSED_CASE_STATUSES
    method: str = Field(max_length=12)  # codes.ClosureMethod
    otp_id: int | None = Field(default=None, foreign_key="case_otp.id")
    reason: str = Field(default="", sa_type=Text)  # why there was no OTP
    comment: str = Field(sa_type=Text)
    closed_by: str = Field(foreign_key="staff.user_id", max_length=20)
    closed_at: datetime = Field(sa_type=UTCDateTime)
