"""Dashboard sessions kept in the database

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-05 10:00:00.000000

A dashboard session was a signed cookie that stayed valid after signing out.
Sessions are now rows the cookie's token names; cookies made before this
carry no token, so every moderator signs in once more.
"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('moderator_sessions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('moderator_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created', sa.DateTime(), nullable=False),
    sa.Column('last_seen', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['moderator_id'], ['moderators.id'],
                            name=op.f('fk_moderator_sessions_moderator_id_moderators'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_moderator_sessions')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_moderator_sessions_token_hash'))
    )
    with op.batch_alter_table('moderator_sessions', schema=None) as batch_op:
        batch_op.create_index('ix_moderator_sessions_moderator', ['moderator_id'], unique=False)


def downgrade():
    with op.batch_alter_table('moderator_sessions', schema=None) as batch_op:
        batch_op.drop_index('ix_moderator_sessions_moderator')

    op.drop_table('moderator_sessions')
