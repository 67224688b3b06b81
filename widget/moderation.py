"""Moderation decisions: a comment's status changes, its counters follow, the audit log remembers.

A decision is a conditional UPDATE (only if the status is still the one the
moderator saw), so when two moderators decide one comment at once the second
is told it was already decided and nothing happens twice.
"""
from sqlalchemy import update

from .extensions import db
from .models import AuditEntry, Comment, Thread

# action -> the status it gives a comment
DECISIONS = {"approve": "published", "reject": "rejected", "delete": "deleted"}


class AlreadyDecided(Exception):
    """Someone else changed the comment's status first (or it already has this one)."""


def decide(comment, action, moderator, note=""):
    """Apply `action` to `comment` for `moderator`: status, counters, thread version, audit entry."""
    before, after = comment.status, DECISIONS[action]
    if before == after:
        raise AlreadyDecided(comment.id)
    values = {"status": after}
    if action == "approve":
        values["flagged"] = False
    if action == "delete":
        # The content goes; where replies hang on it, the thread shows a tombstone.
        values.update(body_source="", body_html="", author_website=None)
    changed = db.session.execute(
        update(Comment).where(Comment.id == comment.id, Comment.status == before).values(**values)
        .execution_options(synchronize_session=False)
    ).rowcount
    if not changed:
        db.session.rollback()
        raise AlreadyDecided(comment.id)
    published = (after == "published") - (before == "published")
    db.session.execute(
        update(Thread).where(Thread.id == comment.thread_id)
        .values(version=Thread.version + 1, comment_count=Thread.comment_count + published)
    )
    ancestors = {comment.parent_id, comment.root_id} - {None}
    if published and ancestors:
        db.session.execute(
            update(Comment).where(Comment.id.in_(ancestors)).values(reply_count=Comment.reply_count + published)
        )
    db.session.add(AuditEntry(site_id=comment.site_id, comment_id=comment.id, moderator_id=moderator.id,
                              action=action, status_before=before, status_after=after, note=note))
    db.session.commit()
    db.session.expire(comment)
