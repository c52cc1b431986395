"""Access: app_user (roles), access_log (who changed them), import_log.user (who imported)

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30 07:15:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('import_log') as batch:
        batch.add_column(sa.Column('user', sa.String(length=255), nullable=True))
    op.create_table(
        'app_user',
        sa.Column('email', sa.String(length=255), nullable=False),
        sa.Column('role', sa.String(length=16), nullable=False),
        sa.Column('municipality_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('created_by', sa.String(length=255), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.Column('updated_by', sa.String(length=255), nullable=False),
        sa.ForeignKeyConstraint(['municipality_id'], ['municipality.id'],
                                name=op.f('fk_app_user_municipality_id_municipality')),
        sa.PrimaryKeyConstraint('email', name=op.f('pk_app_user')),
    )
    op.create_table(
        'access_log',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('at', sa.DateTime(), nullable=False),
        sa.Column('actor', sa.String(length=255), nullable=False),
        sa.Column('action', sa.String(length=16), nullable=False),
        sa.Column('email', sa.String(length=255), nullable=False),
        sa.Column('role', sa.String(length=16), nullable=True),
        sa.Column('municipality_id', sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_access_log')),
    )


def downgrade() -> None:
    op.drop_table('access_log')
    op.drop_table('app_user')
    with op.batch_alter_table('import_log') as batch:
        batch.drop_column('user')
