"""Drop ix_todo_office_page: no query reads it

Every To Do Search arm seeks (assigned_to, status) or (role, office_code, status); the count over a
date range reads ix_todo_role_created; the role queue, the watch and the MIS name the role or the
case. EXPLAIN on SQLite and PostgreSQL over the store's statements named this index for none of them,
and each new To Do (a day's 28,000 escalations in one sweep) and each priority raised paid for its
entry.

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-29 21:00:00
"""
from typing import Sequence, Union

from alembic import op

revision: str = '0013'
down_revision: Union[str, None] = '0012'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.drop_index('ix_todo_office_page', table_name='todo')


def downgrade() -> None:
    op.create_index('ix_todo_office_page', 'todo', ['office_code', 'status', 'priority', 'created_at', 'todo_id'], unique=False)
