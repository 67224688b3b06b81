"""Readers' own comments: edited or deleted by their author within the site's window, earlier texts kept.

Who may: the signed-in reader who wrote it, or the guest whose widget key posted
it; nobody else (moderators decide, they don't rewrite). When: within the
policy's `edit_window_minutes` of posting, while it is published or pending.
The edit itself goes through the policy: comments.judge_and_update.
"""
from datetime import timedelta

from .comments import ChangedMeanwhile, change_status
from .extensions import db
from .models import Comment, CommentVersion, utcnow

CHANGEABLE = ("published", "pending")


class CannotChange(Exception):
    """The reader may not edit or delete this comment; the message says why, for them."""


def is_authors(comment, reader, guest_key):
    """Did this reader (or the guest holding the key whose hash is `guest_key`) write `comment`?"""
    if reader is not None:
        return comment.reader_id == reader.id
    return guest_key is not None and comment.reader_id is None and comment.staff_id is None \
        and comment.guest_key == guest_key


def window_end(comment, rules):
    return comment.created + timedelta(minutes=rules["edit_window_minutes"])


def check_changeable(comment, site, reader, guest_key, rules):
    """Raise CannotChange unless this reader may edit or delete `comment` now."""
    if comment is None or comment.site_id != site.id or not is_authors(comment, reader, guest_key):
        raise CannotChange("Only the author of a comment can edit or delete it.")
    if comment.status not in CHANGEABLE:
        raise CannotChange("This comment can no longer be edited or deleted.")
    minutes = rules["edit_window_minutes"]
    if not minutes:
        raise CannotChange(f"Comments on {site.name} can't be edited or deleted once posted.")
    if utcnow() >= window_end(comment, rules):
        raise CannotChange(f"A comment can be edited or deleted for {minutes} minute{'s' if minutes != 1 else ''} "
                           "after it was posted; that time is up for this one.")


def editable_comments(thread, reader, guest_key, rules):
    """(id, end of its window) of each comment of `thread` this reader may still edit, oldest first."""
    minutes = rules["edit_window_minutes"]
    if thread is None or not minutes or (reader is None and guest_key is None):
        return []
    if reader is not None:
        mine = Comment.reader_id == reader.id
    else:
        mine = (Comment.guest_key == guest_key) & Comment.reader_id.is_(None) & Comment.staff_id.is_(None)
    rows = db.session.execute(
        db.select(Comment.id, Comment.created).where(
            Comment.thread_id == thread.id, mine, Comment.status.in_(CHANGEABLE),
            Comment.created > utcnow() - timedelta(minutes=minutes),
        ).order_by(Comment.id)
    )
    return [(comment_id, created + timedelta(minutes=minutes)) for comment_id, created in rows]


def delete_own(comment):
    """The author's deletion: the comment leaves the thread (a placeholder stays while published
    replies hang on it), counts follow; its text stays for moderators' Rejected/Deleted view."""
    if not change_status(comment, comment.status, "deleted", deleted_by="author", pinned=False):
        raise ChangedMeanwhile(comment.id)
    db.session.commit()
    db.session.expire(comment)


def earlier_versions(comment):
    """The texts `comment` had before its author's edits, oldest first."""
    return list(db.session.scalars(
        db.select(CommentVersion).where(CommentVersion.comment_id == comment.id).order_by(CommentVersion.id)
    ))
