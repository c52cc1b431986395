"""msg_daily's key index takes the topic, (day, municipality_id, platform, topic_id) in place of
(day, municipality_id, platform); on PostgreSQL the summary tables keep a fifth of each page
free (fillfactor 80) and are rewritten so

A write adds its sums to the summary rows of its keys (dashboard.writers.summary._merge):
one lookup per key. Through the three-column index each lookup read the ~10 rows of the
key's topics, each on its own page (13 heap pages a key at national scale, 110 000 for the
10 000 messages of bench/writes.py). And every updated row of a full page moved to another
page, with new entries in each index: the summary updates were never HOT. With the topic in
the index a lookup reads its one row; with free room on the page PostgreSQL updates it there
and leaves the indexes alone. The index still serves every query of the first three
columns. CLUSTER rewrites the tables (fillfactor only applies to pages written after it)
in the order of the lookups.

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-30 13:40:00
"""
from alembic import op

revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None

SUMMARIES = (('msg_daily', 'ix_msg_daily_day_municipality_id_platform_topic_id'),
             ('msg_daily_mp', 'ix_msg_daily_mp_day'),
             ('msg_daily_pt', 'ix_msg_daily_pt_day'))


def upgrade() -> None:
    op.create_index('ix_msg_daily_day_municipality_id_platform_topic_id', 'msg_daily',
                    ['day', 'municipality_id', 'platform', 'topic_id'])
    op.drop_index('ix_msg_daily_day_municipality_id_platform', table_name='msg_daily')
    if op.get_bind().dialect.name == 'postgresql':
        for table, index in SUMMARIES:
            op.execute(f'ALTER TABLE {table} SET (fillfactor = 80)')
            op.execute(f'CLUSTER {table} USING {index}')
            op.execute(f'ALTER TABLE {table} SET WITHOUT CLUSTER')


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        for table, _ in SUMMARIES:
            op.execute(f'ALTER TABLE {table} RESET (fillfactor)')
    op.create_index('ix_msg_daily_day_municipality_id_platform', 'msg_daily', ['day', 'municipality_id', 'platform'])
    op.drop_index('ix_msg_daily_day_municipality_id_platform_topic_id', table_name='msg_daily')
