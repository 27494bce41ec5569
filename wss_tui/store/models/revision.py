"""Bill revisions: a maker's proposal and the checker's decision (store/revision/)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Index, Text, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from ..codes import RevisionStatus
from .base import UTCDateTime

# Bill revision statuses.
PROPOSED = RevisionStatus.PROPOSED
APPROVED = RevisionStatus.APPROVED
REJECTED = RevisionStatus.REJECTED


class RevisedBill(SQLModel):
    """The columns of a bill as revised, with the old amount and the difference: kept whole on a
    revision (BillRevision) and on each month of a run (BillRevisionMonth)."""

    amount_before_paise: int = Field(sa_type=BigInteger)
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


class BillRevision(RevisedBill, table=True):
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
    status: str = Field(max_length=10)  # codes.RevisionStatus
    reason_code: str = Field(max_length=16)
    remark: str = Field(sa_type=Text)
    # A run of bills (codes.RunBasis: each month re-billed, or the actual units spread): the months are
    # in bill_revision_month and `difference_paise` is the whole run's. None: this one bill alone.
    run_basis: str | None = Field(default=None, max_length=6)
    # The revised bill's figures (of a run: the case's own bill) are RevisedBill's columns.
    # As the maker entered them (migration 0009): a replaced meter's final reading and MF and the new
    # meter's initial reading (its MF is multiplying_factor above), or a rolled-over register's digits.
    old_final_reading: float | None = None
    old_multiplying_factor: float | None = None
    new_initial_reading: float | None = None
    rollover_digits: int | None = None
    # The late payment surcharge on the disputed amount (store/revision/terms.py): as of the proposal,
    # then as of the approval, which reverses it. None on revisions made before 0009: nothing reversed.
    lps_percent: float | None = None
    lps_months: int | None = None
    lps_paise: int | None = Field(default=None, sa_type=BigInteger)
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


class BillRevisionMonth(RevisedBill, table=True):
    """One bill of a revision that covers a run of consecutive bills (store/revision/run.py): the bill
    as billed, as revised, and the revised bill issued for it when the run was approved."""

    __tablename__ = "bill_revision_month"
    __table_args__ = (
        UniqueConstraint("revision_id", "seq"),
        Index("ix_bill_revision_month_bill_no", "bill_no"),
    )
    id: int | None = Field(default=None, primary_key=True)
    revision_id: int = Field(foreign_key="bill_revision.revision_id")
    seq: int  # 1, 2 … in the order of the bills' periods
    bill_no: str = Field(foreign_key="bill.bill_no", max_length=14)
    new_bill_no: str | None = Field(default=None, foreign_key="bill.bill_no", max_length=14)


class BillHold(SQLModel, table=True):
    """A bill put on hold by an officer, or a held bill released, with who, when and why
    (store/revision/hold.py). Rows are only ever added: the bill's hold record for its history."""

    __tablename__ = "bill_hold"
    __table_args__ = (Index("ix_bill_hold_bill_no", "bill_no", "id"),)
    id: int | None = Field(default=None, primary_key=True)
    bill_no: str = Field(foreign_key="bill.bill_no", max_length=14)
    account_id: str = Field(foreign_key="account.account_id", max_length=12)
    office_code: str = Field(foreign_key="office.code", max_length=16)  # the account's sub-division
    action: str = Field(max_length=10)  # codes.HoldAction
    at: datetime = Field(sa_type=UTCDateTime)
    user_id: str = Field(foreign_key="staff.user_id", max_length=20)
    reason: str = Field(sa_type=Text)
    # What this step posted to the account's balances: a hold takes the bill's own charges off
    # (negative), a release puts the released bill's on (hold.py says why).
    balance_paise: int = Field(sa_type=BigInteger)
    case_id: str | None = Field(default=None, foreign_key="case.case_id", max_length=10)
    revision_id: int | None = Field(default=None, foreign_key="bill_revision.revision_id")
    new_bill_no: str | None = Field(default=None, foreign_key="bill.bill_no", max_length=14)
