"""Reader tokens: issued at sign-in, bound to one site, stored hashed, sliding expiry.

A token is 32 random bytes; the database keeps only its SHA-256, so neither a
leaked table nor a log line of hashes lets anyone sign in. Hand-offs let the
widget on the article's own origin redeem a sign-in when the popup can't message
its page (see LoginHandoff).
"""
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, update

from .extensions import db
from .models import LoginHandoff, Reader, ReaderSession, commit_unique, utcnow

# Extending a session on every request would write on every read; once an hour is enough.
SLIDE_EVERY = timedelta(hours=1)
HANDOFF_LIFETIME = timedelta(minutes=5)
# What embed.js makes for a hand-off or a guest's key, and Parley for a hand-off's code: 32 random
# bytes in URL-safe base64; for a hand-off the widget sends their SHA-256 hex first.
WIDGET_SECRET = re.compile(r"[A-Za-z0-9_-]{43}")
HANDOFF_HASH = re.compile(r"[0-9a-f]{64}")
# A guest's widget sends its key here, so the guest sees their own comments awaiting moderation.
GUEST_KEY_HEADER = "X-Parley-Guest"


def guest_key_hash(value):
    """The stored form of a guest's widget key, or None for a missing or malformed one."""
    return digest(value) if value and WIDGET_SECRET.fullmatch(value) else None


def digest(secret):
    return hashlib.sha256(secret.encode()).hexdigest()


def add_session(reader_id, site_id, lifetime_days):
    """A new session in the current transaction: (its token, the row)."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    session = ReaderSession(
        token_hash=digest(token), reader_id=reader_id, site_id=site_id,
        created=now, last_used=now, expires=now + timedelta(days=lifetime_days),
    )
    db.session.add(session)
    return token, session


def issue_token(reader, site, lifetime_days):
    """A new token for `reader` on `site`: (the token, its session row)."""
    token, session = add_session(reader.id, site.id, lifetime_days)
    db.session.commit()
    return token, session


def bearer_token(authorization):
    """The token of an `Authorization: Bearer ...` value, or None for anything else."""
    scheme, _, token = (authorization or "").partition(" ")
    token = token.strip()
    return token if scheme.lower() == "bearer" and token and len(token) <= 200 else None


@dataclass
class Bearer:
    """What a request's Authorization header amounts to on one site."""

    state: str  # "none": no token; "valid"; "invalid": unknown, expired, revoked or another site's
    reader: Reader | None = None


def authenticate(authorization, site, lifetime_days):
    """The Bearer of an `Authorization` header value on `site`, sliding a valid session's expiry."""
    if not authorization:
        return Bearer("none")
    token = bearer_token(authorization)
    if token is None:
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
    return Bearer("valid", session.reader)


def revoke_token(authorization):
    """Revoke the session a Bearer header names, if it names one."""
    token = bearer_token(authorization)
    if token is not None:
        revoke(ReaderSession.token_hash == digest(token))
        db.session.commit()


def revoke_session(session_id):
    revoke(ReaderSession.id == session_id)
    db.session.commit()


def revoke(*conditions):
    """Mark the sessions matching `conditions` revoked; the caller commits."""
    db.session.execute(
        update(ReaderSession).where(*conditions, ReaderSession.revoked.is_(None)).values(revoked=utcnow())
    )


def revoke_reader_sessions(reader, site):
    """Sign `reader` out of `site` (a ban there does this, in the ban's own transaction);
    their sign-ins on other sites stand. The caller commits."""
    revoke(ReaderSession.reader_id == reader.id, ReaderSession.site_id == site.id)


def leave_handoff(secret_hash, reader_id, site_id, origin):
    """Park a confirmed sign-in for the widget holding the secret behind `secret_hash`: returns the
    one-time code that redeems it on the article's page, or None when that hash was used before
    (a secret serves one sign-in)."""
    now = utcnow()
    db.session.execute(delete(LoginHandoff).where(LoginHandoff.expires < now))
    code = secrets.token_urlsafe(32)
    db.session.add(
        LoginHandoff(code_hash=digest(code), secret_hash=secret_hash, reader_id=reader_id, site_id=site_id,
                     origin=origin, expires=now + HANDOFF_LIFETIME)
    )
    return code if commit_unique() else None


@dataclass
class HandedOff:
    token: str
    reader: Reader
    origin: str


def redeem_handoff(code, secret, site, origin, lifetime_days):
    """The sign-in behind `code`, once, for the widget of `site` on `origin` that holds `secret`.

    Any attempt burns the code, so a wrong guess of the secret or the origin
    leaves nothing to try again with. None when anything doesn't match.
    """
    handoff = db.session.execute(
        db.select(LoginHandoff).filter_by(code_hash=digest(code))
    ).scalar_one_or_none()
    if handoff is None:
        return None
    reader = handoff.reader
    matches = (handoff.expires > utcnow() and handoff.site_id == site.id and handoff.origin == origin
               and hmac.compare_digest(handoff.secret_hash, digest(secret)))
    taken = db.session.execute(
        delete(LoginHandoff).where(LoginHandoff.id == handoff.id).execution_options(synchronize_session=False)
    ).rowcount
    if not (taken and matches):
        db.session.commit()
        return None
    token, _ = add_session(reader.id, site.id, lifetime_days)
    db.session.commit()
    return HandedOff(token, reader, origin)
