"""Guests' emails lower-cased

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 10:40:00.000000

Comparisons of guests' emails (duplicates, the author view, bans) were made
on lower(author_email), which no index serves; from now on emails are stored
lower-cased and compared as they are. Their case never mattered to Parley,
so downgrading leaves them as they are.
"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    op.execute("UPDATE comments SET author_email = lower(author_email) WHERE author_email IS NOT NULL")


def downgrade():
    pass
