"""mis_day: the MIS's pending cases counted per office × day, and ix_case_pending_due

The MIS summed every pending case on each report: at 10,000,000 cases that is millions of index
entries. `mis_day` holds the cases registered and those open, counted per sub-division, request type,
channel, IST day of registration, IST day due and escalation level, kept by every writer in the same transaction
(store/pending_days.py); `mis_closed_day` the cases closed per sub-division, request type, channel and
IST day of closing, with the disposal figures of them, written by the closing. Both are filled here
from the cases. The report reads the few cases whose
figure depends on the time of day — those registered on a day an ageing bound falls in, those due
today — and the compensation owed on each from the cases themselves: `ix_case_pending_due` and
`ix_case_pending_created` hold every column those read, open cases only.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-29 20:30:00
"""

from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: Union[str, None] = "0010"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


INDEXES = {
    "ix_case_pending_due": [
        "due_at",
        "office_code",
        "request_type",
        "channel",
        "compensation_cap_paise",
        "escalation_level",
        "created_at",
        "account_id",
    ],
    "ix_case_pending_created": ["created_at", "office_code", "request_type", "channel", "due_at", "escalation_level"],
}


def upgrade() -> None:
    op.create_table(
        "mis_day",
        sa.Column("office_code", sa.String(length=16), nullable=False),
        sa.Column("request_type", sa.String(length=30), nullable=False),
        sa.Column("channel", sa.String(length=10), nullable=False),
        sa.Column("created_day", sa.Integer(), nullable=False),
        sa.Column("due_day", sa.Integer(), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("pending", sa.BigInteger(), nullable=False),
        sa.Column("cases", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint(
            "office_code", "request_type", "channel", "created_day", "due_day", "level", name=op.f("pk_mis_day")
        ),
    )
    op.create_table(
        "mis_closed_day",
        sa.Column("office_code", sa.String(length=16), nullable=False),
        sa.Column("request_type", sa.String(length=30), nullable=False),
        sa.Column("channel", sa.String(length=10), nullable=False),
        sa.Column("closed_day", sa.Integer(), nullable=False),
        *(
            sa.Column(name, sa.BigInteger(), nullable=False)
            for name in ("closed", "closed_within_sla", "rejected", "closed_without_otp", "closed_compensation_paise")
        ),
        sa.PrimaryKeyConstraint("office_code", "request_type", "channel", "closed_day", name=op.f("pk_mis_closed_day")),
    )
    for name, columns in INDEXES.items():
        op.create_index(
            name,
            "case",
            columns,
            unique=False,
            sqlite_where=sa.text("closed_at IS NULL"),
            postgresql_where=sa.text("closed_at IS NULL"),
        )
    # The counts of the cases already there (the store's own recount, as `wss demo` runs it).
    from wss_tui.store import pending_days

    pending_days.recount_days(op.get_bind())  # mis_capped_day, a later migration's, counted there


def downgrade() -> None:
    for name in INDEXES:
        op.drop_index(
            name,
            table_name="case",
            sqlite_where=sa.text("closed_at IS NULL"),
            postgresql_where=sa.text("closed_at IS NULL"),
        )
    op.drop_table("mis_closed_day")
    op.drop_table("mis_day")
