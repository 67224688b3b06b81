"""Likes

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-05 12:00:00.000000

Readers like comments: a likes table whose unlikes mark a time instead of
deleting (so "top" pages can rank a thread as it stood), a like counter on
each comment, and the times a thread's likes last changed and last moved its
version.
"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('likes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('comment_id', sa.Integer(), nullable=False),
    sa.Column('liker', sa.String(length=80), nullable=False),
    sa.Column('network', sa.String(length=64), nullable=True),
    sa.Column('created', sa.DateTime(), nullable=False),
    sa.Column('removed', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['comment_id'], ['comments.id'], name=op.f('fk_likes_comment_id_comments')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_likes'))
    )
    with op.batch_alter_table('likes', schema=None) as batch_op:
        batch_op.create_index('uq_likes_standing', ['comment_id', 'liker'], unique=True,
                              sqlite_where=sa.text('removed IS NULL'), postgresql_where=sa.text('removed IS NULL'))
        batch_op.create_index('ix_likes_comment', ['comment_id', 'created'], unique=False)
        batch_op.create_index('ix_likes_liker', ['liker', 'comment_id'], unique=False)
    with op.batch_alter_table('comments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('like_count', sa.Integer(), nullable=False, server_default='0'))
    with op.batch_alter_table('threads', schema=None) as batch_op:
        batch_op.add_column(sa.Column('likes_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('likes_bumped_at', sa.DateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table('threads', schema=None) as batch_op:
        batch_op.drop_column('likes_bumped_at')
        batch_op.drop_column('likes_at')
    with op.batch_alter_table('comments', schema=None) as batch_op:
        batch_op.drop_column('like_count')
    with op.batch_alter_table('likes', schema=None) as batch_op:
        batch_op.drop_index('ix_likes_liker')
        batch_op.drop_index('ix_likes_comment')
        batch_op.drop_index('uq_likes_standing')
    op.drop_table('likes')
