"""message.closed_at: when a message was closed without an answer, so that a previous
period "as it stood" (queries.aggregate.late_sums) counts a message closed since then as
still open; backfill for the closed messages already stored.

Backfill rule (README «KPIs», «Методика»): a message closed without an answer whose closing
moment is unknown was closed 14 days after it was received, and not later than now — the
rule the demo generator uses (old unanswered messages are closed after two weeks).

Revision ID: 0007
Revises: 0008
Create Date: 2026-11-30 09:40:00
"""
from datetime import datetime, timezone

import sqlalchemy as sa
from alembic import op

revision = '0007'
down_revision = '0008'
branch_labels = None
depends_on = None

CLOSED_AFTER_DAYS = 14  # dashboard.core.schema.CLOSED_AFTER_DAYS at the time of writing


def upgrade() -> None:
    with op.batch_alter_table('message') as batch:
        batch.add_column(sa.Column('closed_at', sa.DateTime(), nullable=True))
    bind = op.get_bind()
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    if bind.dialect.name == 'postgresql':
        later = f"received_at + interval '{CLOSED_AFTER_DAYS} days'"
        capped = f"LEAST({later}, :now)"
    else:  # SQLite stores 'YYYY-MM-DD HH:MM:SS.ffffff' (SQLAlchemy's format)
        later = f"strftime('%Y-%m-%d %H:%M:%S', received_at, '+{CLOSED_AFTER_DAYS} days') || '.000000'"
        capped = f"MIN({later}, :now)"
        now = now.strftime('%Y-%m-%d %H:%M:%S.%f')
    bind.execute(sa.text(f"UPDATE message SET closed_at = {capped} "
                         "WHERE status = 'closed' AND first_response_at IS NULL"), {"now": now})


def downgrade() -> None:
    with op.batch_alter_table('message') as batch:
        batch.drop_column('closed_at')
