"""Messages to consumers waiting to be sent, sent, or given up on (store/sms/)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, Text
from sqlmodel import Field, SQLModel

from ..codes import SmsStatus
from .base import UTCDateTime


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
    status: str = Field(default=SmsStatus.QUEUED, max_length=10)  # codes.SmsStatus
    tries: int = 0
    next_try_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    gateway_id: str | None = Field(default=None, max_length=64)
    last_error: str | None = Field(default=None, sa_type=Text)
    # An OTP message: the case_otp row whose code is minted when the message is sent (store/otp.py);
    # until then `text` holds the code masked, so the table never holds a live code. No foreign key,
    # for the same reason as case.office_code (SQLite adds such a column only by copying the table).
    otp_id: int | None = Field(default=None)
