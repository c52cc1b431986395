"""Index msg_daily (day, platform, topic_id): a partial refresh rebuilds the msg_daily_pt
rows of the keys it touched from the msg_daily rows of those (day, platform, topic)

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30 07:50:00
"""
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_msg_daily_day_platform_topic', 'msg_daily', ['day', 'platform', 'topic_id'])


def downgrade() -> None:
    op.drop_index('ix_msg_daily_day_platform_topic', table_name='msg_daily')
