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
        # Bans by IP are stored as the address's bucket (an IPv6 address's /64); the bare address
        # still matches bans made before bans covered the /64.
        keys.append(("ip", ip))
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


def banned_ip_value(ip):
    """What a ban by IP covers: an IPv4 address, or the /64 of an IPv6 one, since one client can
    hold a whole /64 (the rate limits count it as one client too)."""
    return ip_bucket(ip.strip())


def add_ban(site, kind, value, days=None, note=""):
    """Ban `value` (a reader id, an email or an IP) from `site`; `days` None means for good.
    Stored by the caller's commit, with the rest of the moderator's action (its audit entry)."""
    if kind == "email":
        value = value.strip().lower()
    elif kind == "ip":
        value = banned_ip_value(value)
    else:
        value = str(value)
    ban = Ban(site_id=site.id, kind=kind, value=value, note=note,
              expires=utcnow() + timedelta(days=days) if days else None)
    db.session.add(ban)
    return ban
