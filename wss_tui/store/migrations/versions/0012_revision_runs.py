"""a revision covers a run of consecutive bills

`bill_revision.run_basis` (EACH: each month re-billed; SPREAD: the actual units spread over the run;
NULL: one bill, as before) and `bill_revision_month`, one row per bill of a run with its figures as
billed and as revised and the revised bill issued for it. Existing revisions are one-bill revisions
and keep NULL.

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-29 20:30:00
"""
from typing import Sequence, Union

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = '0012'
down_revision: Union[str, None] = '0011'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table('bill_revision') as batch:
        batch.add_column(sa.Column('run_basis', sqlmodel.sql.sqltypes.AutoString(length=6), nullable=True))
    op.create_table('bill_revision_month',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('revision_id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('bill_no', sqlmodel.sql.sqltypes.AutoString(length=14), nullable=False),
    sa.Column('amount_before_paise', sa.BigInteger(), nullable=False),
    sa.Column('basis', sqlmodel.sql.sqltypes.AutoString(length=6), nullable=False),
    sa.Column('prev_reading', sa.Float(), nullable=True),
    sa.Column('curr_reading', sa.Float(), nullable=True),
    sa.Column('multiplying_factor', sa.Float(), nullable=False),
    sa.Column('units', sa.Float(), nullable=False),
    sa.Column('tariff_category', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('sanctioned_load_kw', sa.Float(), nullable=False),
    sa.Column('days', sa.Integer(), nullable=False),
    sa.Column('fixed_charge_paise', sa.BigInteger(), nullable=False),
    sa.Column('energy_charge_paise', sa.BigInteger(), nullable=False),
    sa.Column('duty_paise', sa.BigInteger(), nullable=False),
    sa.Column('arrear_paise', sa.BigInteger(), nullable=False),
    sa.Column('amount_paise', sa.BigInteger(), nullable=False),
    sa.Column('difference_paise', sa.BigInteger(), nullable=False),
    sa.Column('new_bill_no', sqlmodel.sql.sqltypes.AutoString(length=14), nullable=True),
    sa.ForeignKeyConstraint(['bill_no'], ['bill.bill_no'], name=op.f('fk_bill_revision_month_bill_no_bill')),
    sa.ForeignKeyConstraint(['new_bill_no'], ['bill.bill_no'], name=op.f('fk_bill_revision_month_new_bill_no_bill')),
    sa.ForeignKeyConstraint(['revision_id'], ['bill_revision.revision_id'],
                            name=op.f('fk_bill_revision_month_revision_id_bill_revision')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_bill_revision_month')),
    sa.UniqueConstraint('revision_id', 'seq', name=op.f('uq_bill_revision_month_revision_id')),
    )
    op.create_index('ix_bill_revision_month_bill_no', 'bill_revision_month', ['bill_no'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_bill_revision_month_bill_no', table_name='bill_revision_month')
    op.drop_table('bill_revision_month')
    with op.batch_alter_table('bill_revision') as batch:
        batch.drop_column('run_basis')
