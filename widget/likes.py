"""Likes: one per reader or guest key and comment, toggled, counted on the comment, shown within seconds.

A like writes its row and the comment's `like_count` at once, so the liker's
answer carries the true count; the thread's `version` (which every cached
fragment and ETag hangs on) moves at most once every BUMP_SECONDS for likes,
so a storm of them re-renders the thread a few times a minute, not once a
like. A like inside that window leaves the thread "unsettled"
(`likes_at` after `likes_bumped_at`); once the window is over, the ETag says so
(`unsettled`), so the last likes of a storm show within BUMP_SECONDS too.

Unlikes and bans set `removed` instead of deleting, so `standing_at` can count
a comment's likes as they stood at any moment: "top" pages rank by that
(widget/threads.py), frozen at their first page's time.
"""
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import case, func, or_, update
from sqlalchemy.exc import IntegrityError

from .extensions import db
from .models import Comment, Like, Thread, utcnow

# Readers see others' likes at most this late; the liker sees their own at once.
BUMP_SECONDS = 5
# Guests' likes of one comment from one IPv4 address or IPv6 /64: a few people may share it.
GUEST_LIKES_PER_NETWORK = 3


class CannotLike(Exception):
    """This like isn't allowed; the message says why, for the reader."""


@dataclass(frozen=True)
class Liker:
    """Who likes: "reader:<id>" or "guest:<key hash>", and a guest's network (limits.ip_bucket)."""

    key: str
    network: str | None = None

    @classmethod
    def of(cls, reader=None, guest_key=None, network=None):
        if reader is not None:
            return cls(f"reader:{reader.id}")
        return cls(f"guest:{guest_key}", network)

    @property
    def is_guest(self):
        return self.network is not None

    def wrote(self, comment):
        return self.key == author_as_liker(comment)


def author_as_liker(comment):
    """The liker key of the comment's author: their reader id, or the key of the guest's widget; None if neither."""
    if comment.reader_id is not None:
        return f"reader:{comment.reader_id}"
    return f"guest:{comment.guest_key}" if comment.guest_key else None


def toggle_like(comment, liker, rules):
    """Like `comment` or take the like back; returns (liked, likes). One transaction, committed."""
    if comment.status != "published":
        raise CannotLike("Only published comments can be liked.")
    if liker.wrote(comment):
        raise CannotLike("You can't like your own comment.")
    if liker.is_guest and not rules["guest_likes"]:
        raise CannotLike("Sign in to like comments on this site.")
    try:
        liked, likes = like_or_unlike(comment, liker, utcnow())
        db.session.commit()
    except IntegrityError:
        # A double click's twin request liked it first: that like stands.
        db.session.rollback()
        db.session.expire(comment)
        return True, comment.like_count
    return liked, likes


def like_or_unlike(comment, liker, now):
    """The writes of a toggle, uncommitted: (liked, likes)."""
    # An unlike is the one UPDATE that finds a standing like; else this is a like.
    taken_back = db.session.execute(
        update(Like).where(Like.comment_id == comment.id, Like.liker == liker.key, Like.removed.is_(None))
        .values(removed=now).execution_options(synchronize_session=False)
    ).rowcount
    if not taken_back:
        if liker.is_guest and from_network(comment.id, liker.network) >= GUEST_LIKES_PER_NETWORK:
            db.session.rollback()
            raise CannotLike("Enough people on your network have liked this comment already.")
        db.session.add(Like(comment_id=comment.id, liker=liker.key, network=liker.network, created=now))
    likes = change(comment.id, -1 if taken_back else 1)
    bump_for_likes(comment.thread_id, now)
    return not taken_back, likes


def change(comment_id, by):
    """The comment's counter, moved in SQL, so simultaneous likes never lose one; returns the new count."""
    return db.session.execute(
        update(Comment).where(Comment.id == comment_id).values(like_count=Comment.like_count + by)
        .returning(Comment.like_count).execution_options(synchronize_session=False)
    ).scalar_one()


def from_network(comment_id, network):
    return db.session.scalar(db.select(func.count()).select_from(Like).where(
        Like.comment_id == comment_id, Like.network == network, Like.removed.is_(None)))


def bump_for_likes(thread_id, now):
    """Note the likes' change; move the thread's version only if it last did so BUMP_SECONDS ago.
    One conditional UPDATE (every SET sees the row as it was): of simultaneous likes, one bumps."""
    due = or_(Thread.likes_bumped_at.is_(None), Thread.likes_bumped_at <= now - timedelta(seconds=BUMP_SECONDS))
    db.session.execute(update(Thread).where(Thread.id == thread_id).values(
        likes_at=now,
        version=case((due, Thread.version + 1), else_=Thread.version),
        likes_bumped_at=case((due, now), else_=Thread.likes_bumped_at),
    ))


def unsettled(likes_at, likes_bumped_at, now=None):
    """True when likes came after the thread's last bump and its window is over: the fragment
    rendered at this version may lack them, so the ETag must change (cache.Versions)."""
    if likes_at is None or likes_bumped_at is None or likes_at <= likes_bumped_at:
        return False
    return (now or utcnow()) >= likes_bumped_at + timedelta(seconds=BUMP_SECONDS)


def standing_at(comment_id, moment):
    """The number of `comment_id`'s likes that stood at `moment` (a correlated scalar subquery)."""
    return (db.select(func.count()).select_from(Like)
            .where(Like.comment_id == comment_id, Like.created <= moment,
                   or_(Like.removed.is_(None), Like.removed > moment))
            .scalar_subquery())


def liked_in_thread(thread, liker):
    """The ids of `thread`'s comments `liker` likes now: the widget presses their buttons."""
    if thread is None or liker is None:
        return []
    return list(db.session.scalars(
        db.select(Like.comment_id).join(Comment, Comment.id == Like.comment_id)
        .where(Like.liker == liker.key, Like.removed.is_(None), Comment.thread_id == thread.id)
        .order_by(Like.comment_id)
    ))


def void_likes(site_id, likers=(), networks=()):
    """Take back every standing like on the site by `likers` (keys) or by guests on `networks`,
    counters and versions following; for a ban, in its transaction (the caller commits)."""
    now = utcnow()
    voided = db.session.execute(
        db.select(Like.id, Like.comment_id, Comment.thread_id).join(Comment, Comment.id == Like.comment_id)
        .where(or_(Like.liker.in_(likers), Like.network.in_(networks)), Like.removed.is_(None),
               Comment.site_id == site_id)
    ).all()
    if not voided:
        return 0
    db.session.execute(update(Like).where(Like.id.in_([row.id for row in voided])).values(removed=now)
                       .execution_options(synchronize_session=False))
    for row in voided:
        change(row.comment_id, -1)
    db.session.execute(update(Thread).where(Thread.id.in_({row.thread_id for row in voided}))
                       .values(version=Thread.version + 1, likes_at=now, likes_bumped_at=now))
    return len(voided)
