"""Moderation decisions: a comment's status changes, its counters follow, the audit log remembers.

A decision is a conditional UPDATE (only if the status is still the one the
moderator saw), so when two moderators decide one comment at once the second
is told it was already decided and nothing happens twice.

Each moderator action is one transaction, its audit entry included: whatever
fails along the way, the action is stored with its entry or not at all.
"""
from sqlalchemy import delete, update

from .bans import add_ban, banned_ip_value
from .comments import Draft, add_comment, change_status
from .extensions import db
from .likes import author_as_liker, void_likes
from .models import AuditEntry, Comment, Reader, Report, Site, Thread, TrustedReader, commit_unique
from .threads import update_thread
from .tokens import revoke_reader_sessions

# action -> the status it gives a comment
DECISIONS = {"approve": "published", "reject": "rejected", "delete": "deleted"}


class AlreadyDecided(Exception):
    """Someone else changed the comment's status first (or it already has this one)."""


def apply(comment, action, moderator, note=""):
    """Apply a moderator's decision (`action`, one of DECISIONS) to `comment`: status, counters,
    thread version, audit entry."""
    before, after = comment.status, DECISIONS[action]
    if before == "deleted":
        # Its text is gone: approving would publish an empty comment, and it is out of every queue.
        raise CannotDo(f"Comment {comment.id} was deleted; nothing is left to decide.")
    reported = action == "approve" and (comment.flagged or db.session.scalar(
        db.select(db.func.count()).select_from(Report).where(Report.comment_id == comment.id)))
    # Approving a published comment that was flagged or reported clears it; otherwise nothing to do.
    if before == after and not reported:
        raise AlreadyDecided(comment.id)
    values = {}
    if action == "approve":
        values["flagged"] = False
    else:
        values["pinned"] = False  # a pick that leaves the thread stops being one
    if action == "delete":
        # The content goes; where replies hang on it, the thread shows a tombstone.
        values.update(body_source="", body_html="", author_website=None, deleted_by="moderator")
    if not change_status(comment, before, after, **values):
        raise AlreadyDecided(comment.id)
    if action == "approve":
        # Approved as it stands: its reports are answered and it leaves the Reported queue.
        db.session.execute(delete(Report).where(Report.comment_id == comment.id))
    db.session.add(AuditEntry(site_id=comment.site_id, comment_id=comment.id, moderator_id=moderator.id,
                              action=action, status_before=before, status_after=after, note=note))
    db.session.commit()
    db.session.expire(comment)


BAN_DAYS = {"1d": 1, "7d": 7, "permanent": None}
BAN_SCOPES = ("author", "ip", "both")


class CannotDo(Exception):
    """The action doesn't apply to this comment; the message says why, for the moderator."""


def ban_author(comment, moderator, duration, scope):
    """Ban the comment's author (the reader account, or the guest's email), its IP, or both;
    a banned reader is signed out everywhere. Returns what was banned, in words."""
    if duration not in BAN_DAYS or scope not in BAN_SCOPES:
        raise CannotDo("Choose a duration (1d, 7d, permanent) and a scope (author, ip, both).")
    site = db.session.get(Site, comment.site_id)
    targets = []
    if scope in ("author", "both"):
        if comment.reader_id is not None:
            targets.append(("reader", str(comment.reader_id), f"reader {comment.author_name}"))
        elif comment.author_email:
            targets.append(("email", comment.author_email, f"email {comment.author_email}"))
    if scope in ("ip", "both"):
        if not comment.ip:
            raise CannotDo("This comment's IP address is no longer kept, so it can't be banned by IP.")
        banned_ips = banned_ip_value(comment.ip)
        targets.append(("ip", banned_ips, f"IP {banned_ips}" if banned_ips == comment.ip
                        else f"IP {comment.ip}'s network {banned_ips}"))
    if not targets:
        raise CannotDo("This comment has no author to ban.")
    for kind, value, _ in targets:
        add_ban(site, kind, value, days=BAN_DAYS[duration], note=f"by {moderator.email} over comment {comment.id}")
    if comment.reader_id is not None and scope in ("author", "both"):
        revoke_reader_sessions(db.session.get(Reader, comment.reader_id), site)
    void_likes_of_banned(comment, site, scope)
    banned = " and ".join(words for _, _, words in targets) + ("" if duration == "permanent" else f" for {duration}")
    audit(site.id, moderator, "ban", comment=comment, note=banned)
    db.session.commit()
    return banned


def void_likes_of_banned(comment, site, scope):
    """A banned author's likes go with the ban (the reader's, or the guest key's that wrote the
    comment), and with an IP ban, guests' likes from that address or network."""
    author = author_as_liker(comment) if scope in ("author", "both") else None
    networks = [banned_ip_value(comment.ip)] if scope in ("ip", "both") else []
    void_likes(site.id, [author] if author else [], networks)


def trust_author(comment, moderator):
    """Trust the comment's signed-in author on its site: their comments there skip holds from now on."""
    if comment.reader_id is None:
        raise CannotDo("Guests can't be trusted: anyone can type their email address.")
    reader = db.session.get(Reader, comment.reader_id)
    db.session.add(TrustedReader(site_id=comment.site_id, reader_id=reader.id))
    audit(comment.site_id, moderator, "trust", comment=comment, note=f"reader {reader.name}")
    if not commit_unique():
        raise CannotDo(f"{reader.name} is trusted on this site already.")


STAFF_REPLY_MAX = 20000


def reply_as_staff(comment, moderator, body):
    """Publish `moderator`'s reply to `comment`, past the policy, with a staff badge; returns the reply."""
    body = body.strip()
    if comment.status != "published":
        raise CannotDo("Only a published comment can be answered in its thread.")
    if not body or len(body) > STAFF_REPLY_MAX:
        raise CannotDo(f"Write a reply of 1 to {STAFF_REPLY_MAX} characters.")
    draft = Draft(thread=comment.thread, parent=comment, author_name=moderator.display_name,
                  author_email=None, author_website=None, body_source=body, ip=None, staff=moderator)
    reply = add_comment(draft, "published")
    audit(comment.site_id, moderator, "reply", comment=reply, note=f"staff reply to comment {comment.id}")
    db.session.commit()
    return reply


def set_pinned(comment, moderator, pinned):
    """Make a published top-level comment an editor's pick at the top of its thread, or stop.

    Conditional, like a decision: a comment rejected meanwhile by someone else is not pinned.
    """
    if pinned and (comment.status != "published" or comment.parent_id is not None):
        raise CannotDo("Only a published top-level comment can be an editor's pick.")
    still = [Comment.id == comment.id, Comment.pinned.is_(not pinned)]
    if pinned:
        still += [Comment.status == "published", Comment.parent_id.is_(None)]
    changed = db.session.execute(
        update(Comment).where(*still).values(pinned=pinned).execution_options(synchronize_session=False)
    ).rowcount
    if not changed:
        db.session.rollback()
        raise AlreadyDecided(comment.id)
    db.session.execute(update(Thread).where(Thread.id == comment.thread_id).values(version=Thread.version + 1))
    audit(comment.site_id, moderator, "pin" if pinned else "unpin", comment=comment)
    db.session.commit()
    db.session.expire(comment)


def set_thread_closed(thread, moderator, closed):
    thread.closed = closed
    thread.version = Thread.version + 1
    audit(thread.site_id, moderator, "close" if closed else "reopen", note=f"thread {thread.key}")
    db.session.commit()


def edit_thread(thread, site, moderator, title, url):
    """A moderator's correction of a thread's title and URL, audit-logged; raises ValueError saying what is wrong."""
    before = f"{thread.title!r} {thread.url!r}"
    update_thread(thread, site, title, url)
    audit(site.id, moderator, "edit-thread", note=f"thread {thread.key}: {before} -> {thread.title!r} {thread.url!r}")
    db.session.commit()


def audit(site_id, moderator, action, comment=None, note=""):
    """Record a decision that doesn't change a comment's status; the action's own commit
    stores it with what it records."""
    db.session.add(AuditEntry(site_id=site_id, comment_id=comment.id if comment else None,
                              moderator_id=moderator.id, action=action,
                              status_before=comment.status if comment else None,
                              status_after=comment.status if comment else None, note=note))
