"""msg_daily gains n_open and receipts per local hour; coarser rollups msg_daily_mp, msg_daily_pt;
a covering index for page counts

Summary tables hold derived data only, so msg_daily is dropped and created in its
new shape, and all three are rebuilt from the raw ``message`` rows.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28 03:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None

N_BINS = 21
HOURS = [f"n_hour{h:02d}" for h in range(24)]
MEASURES = ["n_received", "n_answered", "n_closed", "n_open", "n_photo", "n_sat_pos", "n_sat_neg",
            "sum_resp_min", "sum_resp_work_min",
            *[f"h{i:02d}" for i in range(N_BINS)], *[f"w{i:02d}" for i in range(N_BINS)], *HOURS]


def _create(name: str, keys: list, indexes: list[list[str]]) -> None:
    op.create_table(
        name,
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('week', sa.Date(), nullable=False),
        sa.Column('month', sa.Date(), nullable=False),
        *keys,
        *[sa.Column(m, sa.Integer(), nullable=False) for m in MEASURES],
        sa.PrimaryKeyConstraint('id', name=op.f(f'pk_{name}')),
    )
    for cols in indexes:
        op.create_index(op.f(f"ix_{name}_{'_'.join(cols)}"), name, cols, unique=False)


def upgrade() -> None:
    op.drop_index(op.f('ix_msg_daily_day_municipality_id_platform'), table_name='msg_daily')
    op.drop_table('msg_daily')
    def municipality():
        return sa.Column('municipality_id', sa.Integer(), nullable=True)

    def platform():
        return sa.Column('platform', sa.String(length=8), nullable=False)

    def topic():
        return sa.Column('topic_id', sa.Integer(), nullable=False)

    _create('msg_daily', [municipality(), platform(), topic()], [['day', 'municipality_id', 'platform']])
    _create('msg_daily_mp', [municipality(), platform()], [['day'], ['municipality_id', 'day']])
    _create('msg_daily_pt', [platform(), topic()], [['day']])

    op.create_index(op.f('ix_page_platform_municipality_id_opened_on_closed_on'), 'page',
                    ['platform', 'municipality_id', 'opened_on', 'closed_on'], unique=False)

    from dashboard.writers import (
        summary,  # the current definitions: this head revision's shape
    )
    summary.refresh_messages(op.get_bind())


def downgrade() -> None:
    op.drop_index(op.f('ix_page_platform_municipality_id_opened_on_closed_on'), table_name='page')
    for name in ('msg_daily_pt', 'msg_daily_mp'):
        op.drop_table(name)
    with op.batch_alter_table('msg_daily', schema=None) as batch_op:
        for col in ['n_open', *HOURS]:
            batch_op.drop_column(col)
