"""remembered To Do Search filters and saved searches

`user_filter`: per staff member, the To Do Search filter they last used (name "") and their named
saved searches, each the filter bar's fields as typed (JSON). New table only; nothing existing changes.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29 15:00:00
"""
from typing import Sequence, Union

import sqlalchemy as sa
import sqlmodel
from alembic import op

import wss_tui.store.models

revision: str = '0006'
down_revision: Union[str, None] = '0005'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table('user_filter',
    sa.Column('user_id', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('fields', sa.Text(), nullable=False),
    sa.Column('saved_at', wss_tui.store.models.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['staff.user_id'], name=op.f('fk_user_filter_user_id_staff')),
    sa.PrimaryKeyConstraint('user_id', 'name', name=op.f('pk_user_filter'))
    )


def downgrade() -> None:
    op.drop_table('user_filter')
