"""The day each open case reaches its compensation cap, and mis_capped_day

The MIS summed the compensation accrued over every open case owing any (0.37 s at 1,000,000 cases,
1.5 s at 10,000,000): each case's days late turn over at its own time of day and its cap is its own.
A case that has reached its cap owes the cap from then on, so `case.compensation_capped_day` records
the IST day it does (with the cap, by the sweep), and `mis_capped_day` sums those caps per office ×
day, kept by the sweep and the closing (store/pending_days.py). The report reads one by one only the
cases still accruing, from `ix_case_accruing`. Both are filled here from the cases.

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-29 23:30:00
"""

from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: Union[str, None] = "0013"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

INDEX = ["compensation_capped_day", "due_at", "office_code", "request_type", "channel", "compensation_cap_paise", "account_id",
         "created_at", "case_id"]


def upgrade() -> None:
    op.add_column("case", sa.Column("compensation_capped_day", sa.Integer(), nullable=True))
    op.create_table(
        "mis_capped_day",
        sa.Column("office_code", sa.String(length=16), nullable=False),
        sa.Column("request_type", sa.String(length=30), nullable=False),
        sa.Column("channel", sa.String(length=10), nullable=False),
        sa.Column("capped_day", sa.Integer(), nullable=False),
        sa.Column("cases", sa.BigInteger(), nullable=False),
        sa.Column("owed_paise", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("office_code", "request_type", "channel", "capped_day", name=op.f("pk_mis_capped_day")),
    )
    op.create_index(
        "ix_case_accruing",
        "case",
        INDEX,
        unique=False,
        sqlite_where=sa.text("closed_at IS NULL"),
        postgresql_where=sa.text("closed_at IS NULL"),
    )
    from wss_tui.store import pending_days

    pending_days.recount_capped(op.get_bind(), accruing=False)  # mis_accruing: migration 0015
    if op.get_bind().dialect.name == "postgresql":
        # The planner's figures for the new column: without them it takes every case with no cap day
        # (the closed ones too) for a candidate and reads the whole table instead of the index.
        op.execute('ANALYZE "case"')


def downgrade() -> None:
    op.drop_index(
        "ix_case_accruing",
        table_name="case",
        sqlite_where=sa.text("closed_at IS NULL"),
        postgresql_where=sa.text("closed_at IS NULL"),
    )
    op.drop_table("mis_capped_day")
    op.drop_column("case", "compensation_capped_day")
