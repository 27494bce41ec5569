"""ix_todo_role_created: the To Do Search's count over a date range

An SDO's search of a month of the sub-division's To Dos, every status, counted every To Do of the
role and office in ix_todo_role_page (priority comes before created_at there) and tested each date:
25,000 index entries at 1,000,000 To Dos, growing with the office. With created_at right after role
and office the count reads only the entries in the range (status tested in the index). Status comes
last so that a query with role, office and status equal still takes its page index, which is in page
order (with status third SQLite took this one and sorted the role queue for "next To Do").

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-29 17:40:00
"""
from typing import Sequence, Union

from alembic import op

revision: str = '0007'
down_revision: Union[str, None] = '0006'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_index('ix_todo_role_created', 'todo', ['role', 'office_code', 'created_at', 'status'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_todo_role_created', table_name='todo')
