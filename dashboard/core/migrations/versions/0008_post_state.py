"""post_state: per post, the comment count when its comments were last read, so that
collection reads only the comments of posts with new ones

Revision ID: 0008
Revises: 0006
Create Date: 2026-11-30 09:40:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0008'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'post_state',
        sa.Column('page_id', sa.Integer(), nullable=False),
        sa.Column('post_id', sa.String(length=64), nullable=False),
        sa.Column('published_at', sa.DateTime(), nullable=False),
        sa.Column('comments', sa.Integer(), nullable=False),
        sa.Column('read_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['page_id'], ['page.id'], name=op.f('fk_post_state_page_id_page')),
        sa.PrimaryKeyConstraint('page_id', 'post_id', name=op.f('pk_post_state')),
    )


def downgrade() -> None:
    op.drop_table('post_state')
