"""Reader tokens: issued at sign-in, bound to one site, stored hashed, sliding expiry.

A token is 32 random bytes; the database keeps only its SHA-256, so neither a
leaked table nor a log line of hashes lets anyone sign in. Hand-offs let the
widget collect a sign-in when the popup can't message it (see LoginHandoff).
"""
import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, update

from .extensions import db
from .models import LoginHandoff, Reader, ReaderSession, utcnow

# Extending a session on every request would write on every read; once an hour is enough.
SLIDE_EVERY = timedelta(hours=1)
HANDOFF_LIFETIME = timedelta(minutes=5)


def digest(secret):
    return hashlib.sha256(secret.encode()).hexdigest()


def issue_token(reader, site, lifetime_days):
    """A new token for `reader` on `site`."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    db.session.add(
        ReaderSession(
            token_hash=digest(token), reader_id=reader.id, site_id=site.id,
            created=now, last_used=now, expires=now + timedelta(days=lifetime_days),
        )
    )
    db.session.commit()
    return token


@dataclass
class Bearer:
    """What a request's Authorization header amounts to on one site."""

    state: str  # "none": no token; "valid"; "invalid": unknown, expired, revoked or another site's
    reader: Reader | None = None
    session: ReaderSession | None = None


def authenticate(authorization, site, lifetime_days):
    """The Bearer of an `Authorization` header value on `site`, sliding a valid session's expiry."""
    if not authorization:
        return Bearer("none")
    scheme, _, token = authorization.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token or len(token) > 200:
        return Bearer("invalid")
    session = db.session.execute(
        db.select(ReaderSession).filter_by(token_hash=digest(token))
    ).scalar_one_or_none()
    now = utcnow()
    if session is None or session.site_id != site.id or session.revoked is not None or session.expires <= now:
        return Bearer("invalid")
    if now - session.last_used >= SLIDE_EVERY:
        session.last_used = now
        session.expires = now + timedelta(days=lifetime_days)
        db.session.commit()
    return Bearer("valid", session.reader, session)


def revoke_token(authorization):
    """Revoke the session a Bearer header names; True when there was one to revoke."""
    scheme, _, token = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return False
    result = db.session.execute(
        update(ReaderSession)
        .where(ReaderSession.token_hash == digest(token.strip()), ReaderSession.revoked.is_(None))
        .values(revoked=utcnow())
    )
    db.session.commit()
    return result.rowcount > 0


def revoke_reader_sessions(reader):
    """Sign `reader` out everywhere (a ban does this)."""
    db.session.execute(
        update(ReaderSession)
        .where(ReaderSession.reader_id == reader.id, ReaderSession.revoked.is_(None))
        .values(revoked=utcnow())
    )
    db.session.commit()


def leave_handoff(secret_hash, reader, site, origin):
    """Park a finished sign-in for the widget holding the secret behind `secret_hash`."""
    now = utcnow()
    db.session.execute(delete(LoginHandoff).where(LoginHandoff.expires < now))
    db.session.add(
        LoginHandoff(secret_hash=secret_hash, reader_id=reader.id, site_id=site.id, origin=origin,
                     expires=now + HANDOFF_LIFETIME)
    )
    db.session.commit()


def find_handoff(secret):
    """The live hand-off for `secret`, or None (not finished yet, never made, taken, or expired)."""
    handoff = db.session.execute(
        db.select(LoginHandoff).filter_by(secret_hash=digest(secret))
    ).scalar_one_or_none()
    if handoff is None or handoff.expires <= utcnow():
        return None
    return handoff


def take_handoff(handoff, site, lifetime_days):
    """Turn a hand-off into a token, once: the row is gone afterwards; None if another took it."""
    reader = handoff.reader
    taken = db.session.execute(
        delete(LoginHandoff).where(LoginHandoff.id == handoff.id).execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    return issue_token(reader, site, lifetime_days) if taken else None
