"""Earlier versions of edited comments, and who deleted a comment

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-04 21:00:00.000000

Readers may now edit and delete their own comments: each edit keeps the text it
replaced (for moderators), and a deletion says whether its author or a
moderator made it (the thread's placeholder differs). Existing deletions were
all moderators'.
"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('comment_versions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('comment_id', sa.Integer(), nullable=False),
    sa.Column('body_source', sa.Text(), nullable=False),
    sa.Column('body_html', sa.Text(), nullable=False),
    sa.Column('written', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['comment_id'], ['comments.id'],
                            name=op.f('fk_comment_versions_comment_id_comments'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_comment_versions'))
    )
    with op.batch_alter_table('comment_versions', schema=None) as batch_op:
        batch_op.create_index('ix_comment_versions_comment', ['comment_id', 'id'], unique=False)
    with op.batch_alter_table('comments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('deleted_by', sa.String(length=10), nullable=True))


def downgrade():
    with op.batch_alter_table('comments', schema=None) as batch_op:
        batch_op.drop_column('deleted_by')
    with op.batch_alter_table('comment_versions', schema=None) as batch_op:
        batch_op.drop_index('ix_comment_versions_comment')

    op.drop_table('comment_versions')
