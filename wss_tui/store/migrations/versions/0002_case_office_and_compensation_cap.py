"""case office and compensation cap for the MIS

`case.office_code` (the sub-division owning the case) and `case.compensation_cap_paise` (recorded by
the escalation sweep) let the MIS count pending cases from one partial index, `ix_case_pending`,
instead of joining every open case to its account and every late one to a year of bills: at 1M cases
that join alone took 2 s on SQLite. `ix_case_received` and `ix_case_closed_at` serve its disposal
figures. Existing cases get their office from their account here.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28 16:26:22.391666
"""
from typing import Sequence, Union

import sqlalchemy as sa
import sqlmodel
from alembic import op


import wss_tui.store.models

revision: str = '0002'
down_revision: Union[str, None] = '0001'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.add_column('case', sa.Column('office_code', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True))
    op.add_column('case', sa.Column('compensation_cap_paise', sa.BigInteger(), nullable=True))
    op.create_index('ix_case_closed_at', 'case', ['closed_at'], unique=False, sqlite_where=sa.text('closed_at IS NOT NULL'), postgresql_where=sa.text('closed_at IS NOT NULL'))
    op.create_index('ix_case_received', 'case', ['created_at', 'office_code', 'account_id'], unique=False)
    op.create_index('ix_case_pending', 'case', ['office_code', 'created_at', 'due_at', 'escalation_level', 'compensation_cap_paise', 'account_id'], unique=False, sqlite_where=sa.text('closed_at IS NULL'), postgresql_where=sa.text('closed_at IS NULL'))
    op.execute(
        sa.text(
            'UPDATE "case" SET office_code = '
            '(SELECT account.subdivision_code FROM account WHERE account.account_id = "case".account_id)'
        )
    )


def downgrade() -> None:
    op.drop_index('ix_case_pending', table_name='case', sqlite_where=sa.text('closed_at IS NULL'), postgresql_where=sa.text('closed_at IS NULL'))
    op.drop_index('ix_case_received', table_name='case')
    op.drop_index('ix_case_closed_at', table_name='case', sqlite_where=sa.text('closed_at IS NOT NULL'), postgresql_where=sa.text('closed_at IS NOT NULL'))
    op.drop_column('case', 'compensation_cap_paise')
    op.drop_column('case', 'office_code')
