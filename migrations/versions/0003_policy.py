"""Policy verdicts, trust and bans

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01 08:00:20.696567

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('bans',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('value', sa.String(length=254), nullable=False),
    sa.Column('created', sa.DateTime(), nullable=False),
    sa.Column('expires', sa.DateTime(), nullable=True),
    sa.Column('note', sa.Text(), nullable=False),
    sa.CheckConstraint("kind IN ('reader', 'email', 'ip')", name=op.f('ck_bans_kind')),
    sa.ForeignKeyConstraint(['site_id'], ['sites.id'], name=op.f('fk_bans_site_id_sites')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_bans'))
    )
    with op.batch_alter_table('bans', schema=None) as batch_op:
        batch_op.create_index('ix_bans_lookup', ['site_id', 'kind', 'value'], unique=False)

    with op.batch_alter_table('comments', schema=None) as batch_op:
        # Existing rows get the defaults: no reasons, not flagged, not trusted.
        batch_op.add_column(sa.Column('reasons', sa.JSON(), nullable=False, server_default=sa.text("'[]'")))
        batch_op.add_column(sa.Column('flagged', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('guest_key', sa.String(length=64), nullable=True))
        batch_op.create_index('ix_comments_guest_email', ['site_id', 'author_email', 'created'], unique=False)
        batch_op.create_index('ix_comments_guest_key', ['guest_key'], unique=False)
        batch_op.create_index('ix_comments_reader', ['reader_id', 'status'], unique=False)

    with op.batch_alter_table('readers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('trusted', sa.Boolean(), nullable=False, server_default=sa.false()))



def downgrade():
    with op.batch_alter_table('readers', schema=None) as batch_op:
        batch_op.drop_column('trusted')

    with op.batch_alter_table('comments', schema=None) as batch_op:
        batch_op.drop_index('ix_comments_reader')
        batch_op.drop_index('ix_comments_guest_key')
        batch_op.drop_index('ix_comments_guest_email')
        batch_op.drop_column('guest_key')
        batch_op.drop_column('flagged')
        batch_op.drop_column('reasons')

    with op.batch_alter_table('bans', schema=None) as batch_op:
        batch_op.drop_index('ix_bans_lookup')

    op.drop_table('bans')
