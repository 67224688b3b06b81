"""IPv6 bans cover the /64

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04 14:00:00.000000

A ban by IP on an IPv6 address covered that one address, while one client
commonly holds the whole /64 (the rate limits count it as one client). New
bans store the /64; this widens the bans already made the same way. The
ban check still matches bare addresses, so downgrading leaves them as they are.
"""
import ipaddress

import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def network_of(value):
    """The /64 of an IPv6 address (an IPv4-mapped one as its IPv4 address); None for anything else."""
    try:
        address = ipaddress.ip_address(value)
    except ValueError:
        return None
    if address.version == 4:
        return None
    if address.ipv4_mapped:
        return str(address.ipv4_mapped)
    return str(ipaddress.ip_network(f"{address}/64", strict=False))


def upgrade():
    bind = op.get_bind()
    bans = sa.table("bans", sa.column("id", sa.Integer), sa.column("kind", sa.String),
                    sa.column("value", sa.String))
    rows = bind.execute(sa.select(bans.c.id, bans.c.value)
                        .where(bans.c.kind == "ip", bans.c.value.like("%:%"))).all()
    for ban_id, value in rows:
        network = network_of(value)
        if network is not None:
            bind.execute(bans.update().where(bans.c.id == ban_id).values(value=network))


def downgrade():
    pass
