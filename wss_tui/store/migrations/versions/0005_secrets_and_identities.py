"""staff changes logged, database marks, OTP minted at delivery

`staff_change`: what `wss staff` changed, by whom (the OS user, or --by) and when, shown by
`wss staff log`. `db_mark`: facts about the database itself, so `wss demo --reset` can tell a demo
database from one holding real data. `sms_outbox.otp_id`: an OTP message names its `case_otp` row and
the code is minted when the message is sent, so the outbox never holds a live code. Existing rows are
untouched (a queued OTP message of an earlier version keeps its text and goes as before).

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29 10:00:00
"""
from typing import Sequence, Union

import sqlalchemy as sa
import sqlmodel
from alembic import op

import wss_tui.store.models

revision: str = '0005'
down_revision: Union[str, None] = '0004'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table('staff_change',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', wss_tui.store.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('action', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('user_id', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('by', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
    sa.Column('os_user', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('details', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_staff_change'))
    )
    op.create_index('ix_staff_change_user', 'staff_change', ['user_id', 'id'], unique=False)
    op.create_table('db_mark',
    sa.Column('key', sqlmodel.sql.sqltypes.AutoString(length=30), nullable=False),
    sa.Column('value', sa.Text(), nullable=False),
    sa.Column('at', wss_tui.store.models.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_db_mark'))
    )
    op.add_column('sms_outbox', sa.Column('otp_id', sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('sms_outbox') as batch:
        batch.drop_column('otp_id')
    op.drop_table('db_mark')
    op.drop_index('ix_staff_change_user', table_name='staff_change')
    op.drop_table('staff_change')
