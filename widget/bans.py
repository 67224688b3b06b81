"""Bans: a site keeps out a signed-in reader, a guest's email or a client IP, for a while or for good."""
from datetime import timedelta

from sqlalchemy import or_

from .extensions import db
from .limits import ip_bucket
from .models import Ban, utcnow


def ban_keys(reader, email, ip):
    """The (kind, value) pairs a comment's author can be banned by."""
    keys = []
    if reader is not None:
        keys.append(("reader", str(reader.id)))
    # The ban check comes before the form is validated: an email holding a NUL (which PostgreSQL
    # can't even compare) names no stored ban.
    if email and "\x00" not in email:
        keys.append(("email", email.strip().lower()))
    if ip:
        keys.append(("ip", ip))
        # An IPv6 ban may name the whole /64 the address belongs to.
        if ip_bucket(ip) != ip:
            keys.append(("ip", ip_bucket(ip)))
    return keys


def active_ban(site, reader=None, email=None, ip=None):
    """The ban that keeps this author out of `site` now, or None."""
    keys = ban_keys(reader, email, ip)
    if not keys:
        return None
    now = utcnow()
    return db.session.execute(
        db.select(Ban)
        .where(
            Ban.site_id == site.id,
            or_(*[(Ban.kind == kind) & (Ban.value == value) for kind, value in keys]),
            or_(Ban.expires.is_(None), Ban.expires > now),
        )
        .order_by(Ban.expires.is_(None).desc(), Ban.expires.desc())
        .limit(1)
    ).scalar_one_or_none()


def add_ban(site, kind, value, days=None, note=""):
    """Ban `value` (a reader id, an email or an IP) from `site`; `days` None means for good."""
    value = value.strip().lower() if kind == "email" else str(value)
    ban = Ban(site_id=site.id, kind=kind, value=value, note=note,
              expires=utcnow() + timedelta(days=days) if days else None)
    db.session.add(ban)
    db.session.commit()
    return ban
