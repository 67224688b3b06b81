"""Reader sessions and login hand-offs

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01 07:31:55.112702

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('login_handoffs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('secret_hash', sa.String(length=64), nullable=False),
    sa.Column('reader_id', sa.Integer(), nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=False),
    sa.Column('origin', sa.String(length=300), nullable=False),
    sa.Column('expires', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['reader_id'], ['readers.id'], name=op.f('fk_login_handoffs_reader_id_readers')),
    sa.ForeignKeyConstraint(['site_id'], ['sites.id'], name=op.f('fk_login_handoffs_site_id_sites')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_login_handoffs')),
    sa.UniqueConstraint('secret_hash', name=op.f('uq_login_handoffs_secret_hash'))
    )
    with op.batch_alter_table('login_handoffs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_login_handoffs_expires'), ['expires'], unique=False)

    op.create_table('reader_sessions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('reader_id', sa.Integer(), nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=False),
    sa.Column('created', sa.DateTime(), nullable=False),
    sa.Column('last_used', sa.DateTime(), nullable=False),
    sa.Column('expires', sa.DateTime(), nullable=False),
    sa.Column('revoked', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['reader_id'], ['readers.id'], name=op.f('fk_reader_sessions_reader_id_readers')),
    sa.ForeignKeyConstraint(['site_id'], ['sites.id'], name=op.f('fk_reader_sessions_site_id_sites')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reader_sessions')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_reader_sessions_token_hash'))
    )
    with op.batch_alter_table('reader_sessions', schema=None) as batch_op:
        batch_op.create_index('ix_reader_sessions_reader', ['reader_id'], unique=False)



def downgrade():
    with op.batch_alter_table('reader_sessions', schema=None) as batch_op:
        batch_op.drop_index('ix_reader_sessions_reader')

    op.drop_table('reader_sessions')
    with op.batch_alter_table('login_handoffs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_login_handoffs_expires'))

    op.drop_table('login_handoffs')
