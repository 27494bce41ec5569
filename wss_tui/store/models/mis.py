"""The MIS's summary of the cases (store/pending_days.py): how many were registered and how many are
open per office, request type, channel, day of registration, day due and escalation level."""

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
    pending: int = Field(default=0, sa_type=BigInteger)  # open now
    cases: int = Field(default=0, sa_type=BigInteger)  # registered, open or closed (the MIS's "received")


class MisClosedDay(SQLModel, table=True):
    """Closed cases counted per office × IST day of closing, with the MIS's disposal figures of them,
    written by the closing itself (store/pending_days.py)."""

    __tablename__ = "mis_closed_day"
    office_code: str = Field(primary_key=True, max_length=16)
    request_type: str = Field(primary_key=True, max_length=30)
    channel: str = Field(primary_key=True, max_length=10)
    closed_day: int = Field(primary_key=True)
    closed: int = Field(default=0, sa_type=BigInteger)
    closed_within_sla: int = Field(default=0, sa_type=BigInteger)
    rejected: int = Field(default=0, sa_type=BigInteger)
    closed_without_otp: int = Field(default=0, sa_type=BigInteger)
    closed_compensation_paise: int = Field(default=0, sa_type=BigInteger)


class MisCappedDay(SQLModel, table=True):
    """The open cases whose compensation has stopped growing — reached its cap — counted per office ×
    IST day it reached it, with what they owe: kept by the sweep that records the cap and the closing,
    in their transactions (store/pending_days.py), so the MIS sums these rows instead of every case
    owing compensation."""

    __tablename__ = "mis_capped_day"
    office_code: str = Field(primary_key=True, max_length=16)
    request_type: str = Field(primary_key=True, max_length=30)
    channel: str = Field(primary_key=True, max_length=10)
    capped_day: int = Field(primary_key=True)
    cases: int = Field(default=0, sa_type=BigInteger)
    owed_paise: int = Field(default=0, sa_type=BigInteger)  # their caps (0 for a case owing nothing)


class MisAccruing(SQLModel, table=True):
    """The open cases with their cap recorded, counted per IST day they reach it × UTC hour of the day
    they fell due × office, with the sum of their due days: a case reaching its cap after today owes
    (days late) x (its rate), and the days late of a whole hour's cases sum to cases x (today's
    number) - their due days (minus their count for an hour later in the day than now) — exact for
    every hour but now's, whose cases the MIS reads one by one (store/mis/summed.py). Kept with
    mis_capped_day by the sweep that records the cap and by the closing (store/pending_days.py)."""

    __tablename__ = "mis_accruing"
    capped_day: int = Field(primary_key=True)  # first in the key: the MIS reads the days after today
    due_hour: int = Field(primary_key=True)  # hour of the UTC day of due_at (whole seconds), 0-23
    office_code: str = Field(primary_key=True, max_length=16)
    request_type: str = Field(primary_key=True, max_length=30)
    channel: str = Field(primary_key=True, max_length=10)
    cases: int = Field(default=0, sa_type=BigInteger)
    due_days: int = Field(default=0, sa_type=BigInteger)  # sum of floor(due seconds since 1970 / 86400)
    # Bounds, only ever widened (a closing leaves them): the earliest UTC day and the latest second
    # (since 1970) any of the row's cases fell due.
    first_due_day: int = Field(default=0, sa_type=BigInteger)
    last_due: int = Field(default=0, sa_type=BigInteger)
