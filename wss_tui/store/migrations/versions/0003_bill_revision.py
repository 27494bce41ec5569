"""bill revision, OTP closure

`bill_revision` (a maker's proposal and the checker's decision, with the revised figures and the
oversight it drew), `case_otp` (hashed OTPs that close a consumer's complaint) and `case_closure` (how
each case was closed: OTP, an EE without OTP with the reason, or an officer's own case). New tables
only: nothing existing changes.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28 16:54:07.414785
"""
from typing import Sequence, Union

import sqlalchemy as sa
import sqlmodel
from alembic import op


import wss_tui.store.models

revision: str = '0003'
down_revision: Union[str, None] = '0002'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table('bill_revision',
    sa.Column('revision_id', sa.Integer(), nullable=False),
    sa.Column('case_id', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('bill_no', sqlmodel.sql.sqltypes.AutoString(length=14), nullable=False),
    sa.Column('account_id', sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
    sa.Column('office_code', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('reason_code', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('remark', sa.Text(), nullable=False),
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
    sa.Column('maker_id', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('proposed_at', wss_tui.store.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('source_todo_id', sqlmodel.sql.sqltypes.AutoString(length=14), nullable=False),
    sa.Column('approver_role', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('approver_office', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('approval_todo_id', sqlmodel.sql.sqltypes.AutoString(length=14), nullable=True),
    sa.Column('checker_id', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True),
    sa.Column('decided_at', wss_tui.store.models.UTCDateTime(timezone=True), nullable=True),
    sa.Column('decision_note', sa.Text(), nullable=False),
    sa.Column('new_bill_no', sqlmodel.sql.sqltypes.AutoString(length=14), nullable=True),
    sa.Column('review_todo_id', sqlmodel.sql.sqltypes.AutoString(length=14), nullable=True),
    sa.Column('review_due_at', wss_tui.store.models.UTCDateTime(timezone=True), nullable=True),
    sa.Column('audit_sampled', sa.Boolean(), nullable=True),
    sa.Column('audit_todo_id', sqlmodel.sql.sqltypes.AutoString(length=14), nullable=True),
    sa.ForeignKeyConstraint(['account_id'], ['account.account_id'], name=op.f('fk_bill_revision_account_id_account')),
    sa.ForeignKeyConstraint(['approval_todo_id'], ['todo.todo_id'], name=op.f('fk_bill_revision_approval_todo_id_todo')),
    sa.ForeignKeyConstraint(['approver_office'], ['office.code'], name=op.f('fk_bill_revision_approver_office_office')),
    sa.ForeignKeyConstraint(['audit_todo_id'], ['todo.todo_id'], name=op.f('fk_bill_revision_audit_todo_id_todo')),
    sa.ForeignKeyConstraint(['bill_no'], ['bill.bill_no'], name=op.f('fk_bill_revision_bill_no_bill')),
    sa.ForeignKeyConstraint(['case_id'], ['case.case_id'], name=op.f('fk_bill_revision_case_id_case')),
    sa.ForeignKeyConstraint(['checker_id'], ['staff.user_id'], name=op.f('fk_bill_revision_checker_id_staff')),
    sa.ForeignKeyConstraint(['maker_id'], ['staff.user_id'], name=op.f('fk_bill_revision_maker_id_staff')),
    sa.ForeignKeyConstraint(['new_bill_no'], ['bill.bill_no'], name=op.f('fk_bill_revision_new_bill_no_bill')),
    sa.ForeignKeyConstraint(['office_code'], ['office.code'], name=op.f('fk_bill_revision_office_code_office')),
    sa.ForeignKeyConstraint(['review_todo_id'], ['todo.todo_id'], name=op.f('fk_bill_revision_review_todo_id_todo')),
    sa.ForeignKeyConstraint(['source_todo_id'], ['todo.todo_id'], name=op.f('fk_bill_revision_source_todo_id_todo')),
    sa.PrimaryKeyConstraint('revision_id', name=op.f('pk_bill_revision'))
    )
    with op.batch_alter_table('bill_revision', schema=None) as batch_op:
        batch_op.create_index('ix_bill_revision_bill_no', ['bill_no'], unique=False)
        batch_op.create_index(batch_op.f('ix_bill_revision_case_id'), ['case_id'], unique=False)
        batch_op.create_index('ix_bill_revision_status_decided', ['status', 'decided_at'], unique=False)
        batch_op.create_index('uq_bill_revision_pending_case', ['case_id'], unique=True, sqlite_where=sa.text("status = 'PROPOSED'"), postgresql_where=sa.text("status = 'PROPOSED'"))

    op.create_table('case_otp',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('todo_id', sqlmodel.sql.sqltypes.AutoString(length=14), nullable=False),
    sa.Column('mobile', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('code_hash', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('outcome', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.Column('created_by', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('created_at', wss_tui.store.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', wss_tui.store.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('tries', sa.Integer(), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('used_at', wss_tui.store.models.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['case.case_id'], name=op.f('fk_case_otp_case_id_case')),
    sa.ForeignKeyConstraint(['created_by'], ['staff.user_id'], name=op.f('fk_case_otp_created_by_staff')),
    sa.ForeignKeyConstraint(['todo_id'], ['todo.todo_id'], name=op.f('fk_case_otp_todo_id_todo')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_otp'))
    )
    with op.batch_alter_table('case_otp', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_otp_case_id'), ['case_id'], unique=False)

    op.create_table('case_closure',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('office_code', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('outcome', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('method', sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
    sa.Column('otp_id', sa.Integer(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.Column('closed_by', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('closed_at', wss_tui.store.models.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['case.case_id'], name=op.f('fk_case_closure_case_id_case')),
    sa.ForeignKeyConstraint(['closed_by'], ['staff.user_id'], name=op.f('fk_case_closure_closed_by_staff')),
    sa.ForeignKeyConstraint(['office_code'], ['office.code'], name=op.f('fk_case_closure_office_code_office')),
    sa.ForeignKeyConstraint(['otp_id'], ['case_otp.id'], name=op.f('fk_case_closure_otp_id_case_otp')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_closure')),
    sa.UniqueConstraint('case_id', name=op.f('uq_case_closure_case_id'))
    )
    with op.batch_alter_table('case_closure', schema=None) as batch_op:
        batch_op.create_index('ix_case_closure_method_at', ['method', 'closed_at'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('case_closure', schema=None) as batch_op:
        batch_op.drop_index('ix_case_closure_method_at')

    op.drop_table('case_closure')
    with op.batch_alter_table('case_otp', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_otp_case_id'))

    op.drop_table('case_otp')
    with op.batch_alter_table('bill_revision', schema=None) as batch_op:
        batch_op.drop_index('uq_bill_revision_pending_case', sqlite_where=sa.text("status = 'PROPOSED'"), postgresql_where=sa.text("status = 'PROPOSED'"))
        batch_op.drop_index('ix_bill_revision_status_decided')
        batch_op.drop_index(batch_op.f('ix_bill_revision_case_id'))
        batch_op.drop_index('ix_bill_revision_bill_no')

    op.drop_table('bill_revision')
