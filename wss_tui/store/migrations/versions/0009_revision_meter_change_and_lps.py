"""bill revision: meter change, register rollover and the late payment surcharge reversed

New nullable columns on `bill_revision`: what the maker entered for a replaced meter (the old meter's
final reading and multiplying factor, the new meter's initial reading), the digits of a register that
rolled over, and the late payment surcharge on the disputed amount (percent, whole months, paise) that
the approval reverses. Existing revisions keep NULL: no meter work, no surcharge reversed.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-29 20:30:00
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = '0009'
down_revision: Union[str, None] = '0008'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

COLUMNS = (
    ('old_final_reading', sa.Float()),
    ('old_multiplying_factor', sa.Float()),
    ('new_initial_reading', sa.Float()),
    ('rollover_digits', sa.Integer()),
    ('lps_percent', sa.Float()),
    ('lps_months', sa.Integer()),
    ('lps_paise', sa.BigInteger()),
)


def upgrade() -> None:
    for name, type_ in COLUMNS:
        op.add_column('bill_revision', sa.Column(name, type_, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('bill_revision') as batch:
        for name, _ in reversed(COLUMNS):
            batch.drop_column(name)
