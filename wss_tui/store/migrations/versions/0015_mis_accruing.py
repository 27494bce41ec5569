"""mis_accruing: the open cases still accruing compensation, per day they reach their cap × hour due

The MIS read one by one every open case reaching its cap today or later (ix_case_accruing: 945,770
at 10,000,000 cases, half a second). Such a case owes (days late) x (its rate), and the days late of
the cases that fell due in one hour of the day are the same function of now for every hour but the
one now is in, so `mis_accruing` counts them per IST day of reaching the cap × UTC hour of the due
time × office with the sum of their due days (store/pending_days.py, written with mis_capped_day);
the MIS sums those rows and reads one by one only the cases of today's cap day and of now's hour.
Filled here from the cases.

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-30 02:00:00
"""

from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: Union[str, None] = "0014"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        "mis_accruing",
        sa.Column("capped_day", sa.Integer(), nullable=False),
        sa.Column("due_hour", sa.Integer(), nullable=False),
        sa.Column("office_code", sa.String(length=16), nullable=False),
        sa.Column("request_type", sa.String(length=30), nullable=False),
        sa.Column("channel", sa.String(length=10), nullable=False),
        sa.Column("cases", sa.BigInteger(), nullable=False),
        sa.Column("due_days", sa.BigInteger(), nullable=False),
        sa.Column("first_due_day", sa.BigInteger(), nullable=False),
        sa.Column("last_due", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("capped_day", "due_hour", "office_code", "request_type", "channel",
                                name=op.f("pk_mis_accruing")),
    )
    from wss_tui.store import pending_days

    pending_days.recount_accruing(op.get_bind())
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ANALYZE mis_accruing")


def downgrade() -> None:
    op.drop_table("mis_accruing")
