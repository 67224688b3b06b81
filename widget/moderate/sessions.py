"""Dashboard sessions, kept in the database so that signing out really ends them.

The session cookie carries only a random token; the table keeps its SHA-256,
when the sign-in began and when it was last used. Signing out deletes the row,
a password change deletes every row of the moderator (and starts one for the
browser that changed it), removing an account deletes its rows: a copy of an
earlier cookie then opens nothing. A session lapses IDLE after its last
request and ABSOLUTE after its sign-in, however busy.

Writes join the caller's transaction, so a password change and the end of the
other sessions are one commit; only `moderator_of`, run by every dashboard
request, commits what it notes itself.
"""
import secrets
from datetime import timedelta

from sqlalchemy import delete, or_

from ..extensions import db
from ..models import ModeratorSession, utcnow
from ..tokens import digest

IDLE = timedelta(minutes=30)
ABSOLUTE = timedelta(days=7)
# Noting the time of every request would write on every page; to the minute is enough for IDLE.
TOUCH_EVERY = timedelta(minutes=1)


def start(moderator):
    """A new session of `moderator`: the token for its cookie. Everyone's lapsed sessions are
    cleared on the way (a browser closed without signing out leaves one behind)."""
    now = utcnow()
    db.session.execute(delete(ModeratorSession).where(or_(
        ModeratorSession.last_seen <= now - IDLE, ModeratorSession.created <= now - ABSOLUTE)))
    token = secrets.token_urlsafe(32)
    db.session.add(ModeratorSession(moderator_id=moderator.id, token_hash=digest(token), created=now, last_seen=now))
    return token


def moderator_of(token):
    """The moderator whose live session `token` names, noting its use; None for an unknown,
    ended or lapsed one (a lapsed one is deleted)."""
    session = db.session.execute(
        db.select(ModeratorSession).filter_by(token_hash=digest(token))
    ).scalar_one_or_none()
    if session is None:
        return None
    now = utcnow()
    if now - session.last_seen >= IDLE or now - session.created >= ABSOLUTE:
        db.session.delete(session)
        db.session.commit()
        return None
    if now - session.last_seen >= TOUCH_EVERY:
        session.last_seen = now
        db.session.commit()
    return session.moderator


def end(token):
    """Sign out the session `token` names, if any."""
    db.session.execute(delete(ModeratorSession).where(ModeratorSession.token_hash == digest(token)))


def end_all_for(moderator):
    """End every session of `moderator`, on every browser."""
    db.session.execute(delete(ModeratorSession).where(ModeratorSession.moderator_id == moderator.id))
