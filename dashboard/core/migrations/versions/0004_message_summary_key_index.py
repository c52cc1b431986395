"""Index message (municipality_id, platform, topic_id, received_day): the summary refresh
rebuilds only the msg_daily keys a write touched and reads only their raw messages

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30 07:20:00
"""
from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_message_summary_key', 'message',
                    ['municipality_id', 'platform', 'topic_id', 'received_day'])


def downgrade() -> None:
    op.drop_index('ix_message_summary_key', table_name='message')
