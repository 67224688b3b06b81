"""Staff replies and editor's picks

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 09:50:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('comments', schema=None) as batch_op:
        # Existing comments are neither staff replies nor picks.
        batch_op.add_column(sa.Column('staff_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('pinned', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.create_foreign_key(batch_op.f('fk_comments_staff_id_moderators'), 'moderators', ['staff_id'], ['id'])
        batch_op.create_index('ix_comments_thread_pinned', ['thread_id', 'pinned', 'id'], unique=False)


def downgrade():
    with op.batch_alter_table('comments', schema=None) as batch_op:
        batch_op.drop_index('ix_comments_thread_pinned')
        batch_op.drop_constraint(batch_op.f('fk_comments_staff_id_moderators'), type_='foreignkey')
        batch_op.drop_column('pinned')
        batch_op.drop_column('staff_id')
