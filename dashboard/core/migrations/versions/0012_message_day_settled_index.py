"""Index message (received_day, first_response_at, received_at) in place of (received_day):
the messages of a period that were unsettled at a moment (the like-for-like correction of
a previous period, over every municipality) are found in the index

Without the two times, «received_day in a month and not answered by then» read every
message of the month from the table (400 000 at national scale, 0.6 s of «Обзор» and
«Обращения»); the index still serves every query by day, as the old one did.

Revision ID: 0012
Revises: 0010
Create Date: 2026-11-30 10:10:00
"""
from alembic import op

revision = '0012'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_message_day_settled', 'message', ['received_day', 'first_response_at', 'received_at'])
    op.drop_index('ix_message_received_day', table_name='message')


def downgrade() -> None:
    op.create_index('ix_message_received_day', 'message', ['received_day'])
    op.drop_index('ix_message_day_settled', table_name='message')
