"""Index message (municipality_id, received_day, first_response_at, received_at): a
municipality's messages of a period (the like-for-like correction of a previous period,
the backlog, the message list) without reading the municipality's whole history

Without it SQLite answers «municipality = 31 and received_day in a month» through the
summary key index on municipality alone: every message of город Новосибирск (3 million at
national scale) to find a month's. The response and receipt times ride along, so rows
settled before a moment are passed over in the index.

Revision ID: 0010
Revises: 0007
Create Date: 2026-11-30 09:55:00
"""
from alembic import op

revision = '0010'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_message_municipality_day', 'message',
                    ['municipality_id', 'received_day', 'first_response_at', 'received_at'])


def downgrade() -> None:
    op.drop_index('ix_message_municipality_day', table_name='message')
