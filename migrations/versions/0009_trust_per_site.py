"""A reader's trust belongs to one site

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01 11:05:00.000000

readers.trusted was one flag for every site, so a moderator of one site
could let a reader skip the holds of another. A reader trusted before keeps
that trust on each site they have commented on.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('trusted_readers',
    sa.Column('site_id', sa.Integer(), nullable=False),
    sa.Column('reader_id', sa.Integer(), nullable=False),
    sa.Column('created', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['reader_id'], ['readers.id'], name=op.f('fk_trusted_readers_reader_id_readers')),
    sa.ForeignKeyConstraint(['site_id'], ['sites.id'], name=op.f('fk_trusted_readers_site_id_sites')),
    sa.PrimaryKeyConstraint('site_id', 'reader_id', name=op.f('pk_trusted_readers'))
    )
    op.execute(
        "INSERT INTO trusted_readers (site_id, reader_id, created) "
        "SELECT DISTINCT comments.site_id, readers.id, CURRENT_TIMESTAMP "
        "FROM readers JOIN comments ON comments.reader_id = readers.id WHERE readers.trusted"
    )
    with op.batch_alter_table('readers', schema=None) as batch_op:
        batch_op.drop_column('trusted')


def downgrade():
    with op.batch_alter_table('readers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('trusted', sa.Boolean(), nullable=False, server_default=sa.false()))
    op.execute("UPDATE readers SET trusted = true WHERE id IN (SELECT reader_id FROM trusted_readers)")
    op.drop_table('trusted_readers')
