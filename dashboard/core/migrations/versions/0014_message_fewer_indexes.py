"""message: the open-status index partial, the summary-key index dropped.

Each index of every message is written by every import: 10 000 new messages spread over a
year land on about 10 000 different leaf pages of each such index (at national scale, 5
million messages), and the commit writes each of those pages back. Two of them did not
earn that:

- ``(status, received_at)`` served only the open messages (overdue lists and counts, about
  1 % of all): it now holds only those (``WHERE status IN ('new', 'in_work')``), so a
  write of answered messages does not touch it at all;
- ``(municipality_id, platform, topic_id, received_day)`` served the collector's rebuild of
  the summary keys it touched; the collector now applies the change of the rows it writes
  (summary deltas, as the importer does) and reads no stored messages.

The predicate is written out (not imported from the application): a query must repeat it
word for word to be served (schema.is_open).

Revision ID: 0014
Revises: 0012
Create Date: 2026-11-30 13:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0014'
down_revision = '0012'
branch_labels = None
depends_on = None

OPEN = "status IN ('new', 'in_work')"


def upgrade() -> None:
    op.create_index('ix_message_open', 'message', ['status', 'received_at'],
                    sqlite_where=sa.text(OPEN), postgresql_where=sa.text(OPEN))
    op.drop_index('ix_message_status_received_at', table_name='message')
    op.drop_index('ix_message_summary_key', table_name='message')


def downgrade() -> None:
    op.create_index('ix_message_summary_key', 'message', ['municipality_id', 'platform', 'topic_id', 'received_day'])
    op.create_index('ix_message_status_received_at', 'message', ['status', 'received_at'])
    op.drop_index('ix_message_open', table_name='message')
