"""Hand-offs redeemed with a one-time code on the article's origin

Revision ID: 0013
Revises: 0010
Create Date: 2026-12-04 14:30:00.000000

A hand-off used to be collected by whoever held the widget's secret, from any
origin a server cared to claim. It now also takes a one-time code that only
reaches the article's own page. The table holds sign-ins at most five minutes
old, so it is emptied rather than converted: a reader mid-sign-in starts again.
"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0013'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade():
    op.execute("DELETE FROM login_handoffs")
    with op.batch_alter_table('login_handoffs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('code_hash', sa.String(length=64), nullable=False))
        batch_op.create_unique_constraint(batch_op.f('uq_login_handoffs_code_hash'), ['code_hash'])


def downgrade():
    op.execute("DELETE FROM login_handoffs")
    with op.batch_alter_table('login_handoffs', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_login_handoffs_code_hash'), type_='unique')
        batch_op.drop_column('code_hash')
