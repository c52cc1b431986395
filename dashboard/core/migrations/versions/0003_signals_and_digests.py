"""Signals and digests: signal_state, alert_recipient, alert_digest; collect_state.fail_runs

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-30 07:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('collect_state') as batch:
        batch.add_column(sa.Column('fail_runs', sa.Integer(), nullable=False, server_default='0'))
    op.create_table(
        'signal_state',
        sa.Column('key', sa.String(length=120), nullable=False),
        sa.Column('kind', sa.String(length=32), nullable=False),
        sa.Column('severity', sa.String(length=16), nullable=False),
        sa.Column('municipality_id', sa.Integer(), nullable=True),
        sa.Column('page_id', sa.Integer(), nullable=True),
        sa.Column('text', sa.Text(), nullable=False),
        sa.Column('link', sa.String(length=255), nullable=False),
        sa.Column('first_seen', sa.DateTime(), nullable=False),
        sa.Column('last_seen', sa.DateTime(), nullable=False),
        sa.Column('resolved_at', sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint('key', name=op.f('pk_signal_state')),
    )
    op.create_index(op.f('ix_signal_state_resolved_at'), 'signal_state', ['resolved_at'], unique=False)
    op.create_table(
        'alert_recipient',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=120), nullable=False),
        sa.Column('municipality_id', sa.Integer(), nullable=True),
        sa.Column('email', sa.String(length=255), nullable=True),
        sa.Column('telegram_chat_id', sa.String(length=64), nullable=True),
        sa.Column('telegram_token', sa.String(length=255), nullable=True),
        sa.Column('active', sa.Boolean(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['municipality_id'], ['municipality.id'],
                                name=op.f('fk_alert_recipient_municipality_id_municipality')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_alert_recipient')),
        sa.UniqueConstraint('name', name=op.f('uq_alert_recipient_name')),
    )
    op.create_table(
        'alert_digest',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('recipient_id', sa.Integer(), nullable=False),
        sa.Column('channel', sa.String(length=16), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('subject', sa.String(length=255), nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('last_error', sa.Text(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('sent_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(['recipient_id'], ['alert_recipient.id'], ondelete='CASCADE',
                                name=op.f('fk_alert_digest_recipient_id_alert_recipient')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_alert_digest')),
        sa.UniqueConstraint('recipient_id', 'channel', 'day', name=op.f('uq_alert_digest_recipient_id_channel_day')),
    )


def downgrade() -> None:
    op.drop_table('alert_digest')
    op.drop_table('alert_recipient')
    op.drop_index(op.f('ix_signal_state_resolved_at'), table_name='signal_state')
    op.drop_table('signal_state')
    with op.batch_alter_table('collect_state') as batch:
        batch.drop_column('fail_runs')
