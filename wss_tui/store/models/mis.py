"""The MIS's summary of the pending cases (store/pending_days.py): how many are open per office,
request type, channel, day of registration, day due and escalation level."""

from __future__ import annotations

from sqlalchemy import BigInteger
from sqlmodel import Field, SQLModel


class MisDay(SQLModel, table=True):
    """Open cases counted per office × day, kept in the same transaction as every change that opens,
    escalates or closes a case, so the MIS sums a few rows per office and day instead of every case.
    Days are IST days numbered from 01-01-1970 (pending_days.day_number)."""

    __tablename__ = "mis_day"
    office_code: str = Field(primary_key=True, max_length=16)  # the case's sub-division
    request_type: str = Field(primary_key=True, max_length=30)
    channel: str = Field(primary_key=True, max_length=10)
    created_day: int = Field(primary_key=True)
    due_day: int = Field(primary_key=True)
    level: int = Field(primary_key=True)  # escalation level
    pending: int = Field(default=0, sa_type=BigInteger)
