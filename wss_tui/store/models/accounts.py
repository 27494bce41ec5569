"""Consumers' accounts and their bills, as imported from CC&B and mPower (store/importing/)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import BigInteger, Index
from sqlmodel import Field, SQLModel

from ..codes import AccountStatus, BillState
from . import base  # noqa: F401  (sets the constraint names before any table is defined)


class Account(SQLModel, table=True):
    __tablename__ = "account"
    account_id: str = Field(primary_key=True, max_length=12)
    system: str = Field(max_length=8)  # codes.BillingSystem
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
    area: str = Field(max_length=8)  # codes.Area
    smart_meter: bool = False
    status: str = Field(default=AccountStatus.ACTIVE, max_length=10)  # codes.AccountStatus
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
    basis: str = Field(max_length=6)  # codes.BillBasis
    tariff_category: str = Field(max_length=10)
    sanctioned_load_kw: float
    fixed_charge_paise: int = Field(sa_type=BigInteger)
    energy_charge_paise: int = Field(sa_type=BigInteger)
    duty_paise: int = Field(sa_type=BigInteger)
    arrear_paise: int = Field(sa_type=BigInteger)
    amount_paise: int = Field(sa_type=BigInteger)
    state: str = Field(default=BillState.ISSUED, max_length=10)  # codes.BillState
